import Foundation
import Testing

@testable import SandboxPolicy

@Suite struct PolicyLoaderTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func shippedStandardPolicyLoads() throws {
        let policy = try PolicyLoader.load("standard", searching: [Self.root.appendingPathComponent("sandboxes").path])
        #expect(policy.name == "standard")
        #expect(policy.seccomp.defaultAction == .notify)
        #expect(policy.seccomp.allowed.contains("read"))
        #expect(policy.seccomp.allowed.contains("futex"))
        #expect(!policy.seccomp.allowed.contains("socket"))
        #expect(!policy.seccomp.allowed.contains("execve"))
        #expect(policy.required.contains(.seccomp))
        #expect(policy.limits.memoryBytes == 2 << 30)
        #expect(policy.sha256.count == 64)
    }

    static let minimal = """
        name: tiny
        seccomp:
          allow: [read, write]
        """

    @Test func minimalPolicyGetsDefaults() throws {
        let policy = try PolicyLoader.parse(Self.minimal, file: "tiny.yaml")
        #expect(policy.limits == Limits.defaults)
        #expect(policy.seccomp.defaultAction == .notify)
        #expect(policy.required.isEmpty)
    }

    @Test(
        arguments: [
            ("", "the file is empty", nil),
            ("name: x\nseccomp:\n  allow: [read]\nsurprise: 1\n", "unknown key surprise", 4),
            ("name: x\nseccomp:\n  allow: [read, io_uring_setup]\n", "io_uring_setup can never be allowed", 3),
            ("name: x\nseccomp:\n  allow: [\"@nonsense\"]\n", "unknown syscall group @nonsense", 3),
            ("name: x\nseccomp:\n  allow: [read]\nlimits:\n  memory: lots\n", "memory: must be a size", 5),
            ("name: x\nseccomp:\n  allow: [read]\nlimits:\n  memory: 1MiB\n", "memory below 64MiB", 5),
            ("name: Bad Name\nseccomp:\n  allow: [read]\n", "name must be lowercase", 1),
            ("seccomp:\n  allow: [read]\n", "name: missing", nil),
            ("name: x\nseccomp:\n  allow: read\n", "allow: must be a list", 3),
            ("name: x\nseccomp:\n  default: maybe\n  allow: [read]\n", "default must be notify, kill or errno", 3),
            ("name: x\nseccomp:\n  default: {errno: EWHAT}\n  allow: [read]\n", "unknown errno EWHAT", 3),
            ("name: x\nseccomp:\n  allow: [read]\nnetwork: host\n", "network must be none", 4),
            ("name: x\nseccomp:\n  allow: [read]\nrequire: [seccomp, magic]\n", "unknown layer magic", 4),
            ("name: x\nname: y\nseccomp:\n  allow: [read]\n", "name appears more than once", nil),
            ("name: x\nseccomp: [1, 2\n", "not valid YAML", 3),
        ] as [(String, String, Int?)])
    func badPoliciesSayWhatAndWhere(text: String, message: String, line: Int?) {
        do {
            _ = try PolicyLoader.parse(text, file: "bad.yaml")
            Issue.record("accepted a bad policy: \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
            if let line { #expect(error.line == line, "\(error.description)") }
            #expect(error.description.hasPrefix("bad.yaml"))
        }
    }

    @Test func unknownPolicyNameSaysWhereItLooked() {
        #expect(throws: PolicyError.self) { try PolicyLoader.load("nope", searching: ["/nonexistent"]) }
    }

    @Test(arguments: [("512MiB", 512 << 20), ("1GiB", 1 << 30), ("10KB", 10_000), ("42", 42), ("3 MiB", 3 << 20)])
    func byteCounts(text: String, bytes: UInt64) {
        #expect(ByteCount.parse(text) == bytes)
    }

    @Test(arguments: ["", "MiB", "-1MiB", "1.5GiB", "99999999999999GiB"])
    func badByteCounts(text: String) {
        #expect(ByteCount.parse(text) == nil)
    }
}
