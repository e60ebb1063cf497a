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
            (
                "name: x\nseccomp:\n  default: maybe\n  allow: [read]\n",
                "default must be notify, kill, observe or errno", 3
            ),
            ("name: x\nseccomp:\n  default: {errno: EWHAT}\n  allow: [read]\n", "unknown errno EWHAT", 3),
            ("name: x\nseccomp:\n  allow: [read]\nnetwork: host\n", "network must be none", 4),
            ("name: x\nseccomp:\n  allow: [read]\nrequire: [seccomp, magic]\n", "unknown layer magic", 4),
            ("name: x\nname: y\nseccomp:\n  allow: [read]\n", "name appears more than once", nil),
            ("name: x\nseccomp: [1, 2\n", "not valid YAML", 3),
            (
                "name: x\nseccomp:\n  allow: [read]\n  rules:\n    - {syscall: socket, when: [\"arg0 == AF_WHAT\"]}\n",
                "unknown constant AF_WHAT", 5
            ),
            (
                "name: x\nseccomp:\n  allow: [read]\n  rules:\n    - {syscall: socket, when: [\"arg9 == 1\"]}\n",
                "starts with arg0", 5
            ),
            (
                "name: x\nseccomp:\n  allow: [read]\n  rules:\n    - {syscall: socket, when: [\"arg0 & 1 == 2\"]}\n",
                "can never hold", 5
            ),
            (
                "name: x\nseccomp:\n  allow: [read]\n  rules:\n    - {syscall: read, action: kill}\n",
                "both in allow and denied", 3
            ),
            (
                "name: x\nseccomp:\n  allow: [read]\n  rules:\n    - {syscall: open, action: kill}\n    - {syscall: open, action: allow}\n",
                "two rules with different actions", nil
            ),
            ("name: x\nseccomp:\n  allow: [read]\n  rules:\n    - {syscall: bpf}\n", "bpf can never be allowed", 5),
            ("name: x\nseccomp:\n  allow: [read]\n  rules:\n    - {syscall: \"@memory\"}\n", "not a group", 5),
            ("name: x\nseccomp:\n  allow: [read]\n  rules:\n    - {syscall: x, action: maybe}\n", "action must be", 5),
            (
                "name: x\nseccomp:\n  allow: [read]\n  i_understand_this_is_unsafe: yes please\n",
                "must be true or false", 4
            ),
            (
                "name: x\nseccomp:\n  allow: [read]\nlimits:\n  wall_seconds_per_case: 10\n  wall_seconds_per_trial: 5\n",
                "longer than wall_seconds_per_trial", 5
            ),
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

@Suite struct PolicyLanguageTests {
    static let sandboxes = PolicyLoaderTests.root.appendingPathComponent("sandboxes").path

    func directory(_ files: [String: String]) throws -> String {
        let dir = NSTemporaryDirectory() + "sandpit-policies-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8) }
        return dir
    }

    @Test(arguments: ["standard", "strict", "observe"])
    func shippedPoliciesLoad(name: String) throws {
        let policy = try PolicyLoader.load(name, searching: [Self.sandboxes])
        #expect(policy.name == name)
        #expect(policy.required.isSuperset(of: [.seccomp, .noNewPrivileges, .landlock]))
    }

    @Test func strictIsTighterThanStandard() throws {
        let strict = try PolicyLoader.load("strict", searching: [Self.sandboxes])
        let standard = try PolicyLoader.load("standard", searching: [Self.sandboxes])
        #expect(Set(strict.seccomp.allowed).isStrictSubset(of: Set(standard.seccomp.allowed)))
        #expect(!strict.seccomp.allowed.contains("clone"))
        #expect(!strict.seccomp.allowed.contains("openat"))
        #expect(strict.limits.threads == 1)
    }

    @Test func extendsMergesAndOverrides() throws {
        let dir = try directory([
            "child.yaml": """
            name: child
            extends: standard
            seccomp:
              rules:
                - syscall: socket
                  when: ["arg0 == AF_UNIX", "arg1 & SOCK_STREAM == SOCK_STREAM"]
            limits:
              wall_seconds_per_case: 1
            require: [user_namespace]
            """
        ])
        let child = try PolicyLoader.load("\(dir)/child.yaml", searching: [Self.sandboxes])
        let standard = try PolicyLoader.load("standard", searching: [Self.sandboxes])
        #expect(child.seccomp.allowed == standard.seccomp.allowed)
        #expect(child.limits.wallSecondsPerCase == 1)
        #expect(child.limits.memoryBytes == standard.limits.memoryBytes)
        #expect(child.required == standard.required.union([.userNamespace]))
        #expect(child.extends == "standard")
        #expect(child.sha256 != standard.sha256)
        let rule = try #require(child.seccomp.rules.first)
        #expect(rule.syscall == "socket")
        #expect(rule.action == .allow)
        #expect(rule.conditions == [.masked(0, 0xffff_ffff, equals: 1), .masked(1, 1, equals: 1)])
    }

    @Test func extendsLoopIsNamed() throws {
        let dir = try directory([
            "a.yaml": "name: a\nextends: b\nseccomp:\n  allow: [read]\n",
            "b.yaml": "name: b\nextends: a\nseccomp:\n  allow: [read]\n",
        ])
        let error = #expect(throws: PolicyError.self) { try PolicyLoader.load(file: "\(dir)/a.yaml") }
        #expect(
            error?.description.contains("extends loop: a.yaml → b.yaml → a.yaml") == true, "\(error?.description ?? "")"
        )
    }

    @Test func extendsOfAMissingPolicyIsAnError() throws {
        let dir = try directory(["a.yaml": "name: a\nextends: nowhere\nseccomp:\n  allow: [read]\n"])
        let error = #expect(throws: PolicyError.self) { try PolicyLoader.load(file: "\(dir)/a.yaml") }
        #expect(error?.line == 2)
    }

    @Test func unsafeFlagAllowsAttackSurface() throws {
        let text = "name: x\nseccomp:\n  allow: [read, ptrace]\n  i_understand_this_is_unsafe: true\n"
        let policy = try PolicyLoader.parse(text, file: "x.yaml")
        #expect(policy.seccomp.unsafe)
        #expect(policy.seccomp.allowed.contains("ptrace"))
    }

    @Test(arguments: [
        ("arg0 == AF_UNIX", "socket", ArgumentCondition.masked(0, 0xffff_ffff, equals: 1)),
        ("arg2 & PROT_EXEC == 0", "mmap", ArgumentCondition.masked(2, 4, equals: 0)),
        ("arg0 & (CLONE_NEWUSER | CLONE_NEWNET) == 0", "clone", ArgumentCondition.masked(0, 0x5000_0000, equals: 0)),
        ("arg1 != TIOCSTI", "ioctl", ArgumentCondition(1, .notEqual, 0x5412)),
        ("arg0 <= 0x10", "getpid", ArgumentCondition(0, .lessOrEqual, 16)),
        ("arg0 == AT_FDCWD", "openat", ArgumentCondition.masked(0, 0xffff_ffff, equals: 0xffff_ff9c)),
        ("arg3 > 0o17", "foo", ArgumentCondition(3, .greater, 15)),
    ])
    func conditions(text: String, syscall: String, expected: ArgumentCondition) throws {
        #expect(try ConditionParser.parse(text, syscall: syscall) == expected)
    }
}
