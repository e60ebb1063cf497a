import Foundation
import Testing
import WorkerProtocol

@testable import Sandbox

@Suite struct PluginFileTests {
    func temporary(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "sandpit-plugin-\(UUID().uuidString).so"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func textFileIsNotAPlugin() throws {
        let path = try temporary(Array("hello\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: SandboxError.self) { try PluginFile(path: path) }
        #expect(error?.code == .notAPlugin)
        #expect(error?.message.contains("not an ELF") == true)
    }

    @Test func missingFileSaysSo() {
        let error = #expect(throws: SandboxError.self) { try PluginFile(path: "/nonexistent/plugin.so") }
        #expect(error?.message == "no such file")
    }

    @Test func foreignArchitectureIsNamed() throws {
        var header = [UInt8](repeating: 0, count: 64)
        header[0...3] = [0x7f, 0x45, 0x4c, 0x46]
        header[4] = 2
        header[5] = 1
        header[16] = 3  // ET_DYN
        header[18] = 183  // aarch64
        let path = try temporary(header)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: SandboxError.self) { try PluginFile(path: path) }
        #expect(error?.message.contains("aarch64") == true)
    }

    @Test func truncatedELFDoesNotTrap() throws {
        let libc = try Data(contentsOf: URL(fileURLWithPath: "/lib/x86_64-linux-gnu/libc.so.6"))
        for length in [64, 100, 1000, 5000] {
            let path = try temporary([UInt8](libc.prefix(length)))
            defer { try? FileManager.default.removeItem(atPath: path) }
            _ = try? PluginFile(path: path)
        }
    }

    @Test func realSharedObjectIsRead() throws {
        let file = try PluginFile(path: "/lib/x86_64-linux-gnu/libm.so.6")
        #expect(file.needed.contains("libc.so.6"))
        #expect(file.sha256.count == 64)
        #expect(!file.needsSwiftRuntime)
    }

    @Test func pluginRulesCatchBadHellos() {
        #expect(
            PluginRules.problem(with: PluginHello(abiVersion: 1, name: "ok-name", version: "1", caseKinds: "*")) == nil)
        #expect(PluginRules.problem(with: PluginHello(abiVersion: 2, name: "a", version: "1", caseKinds: "*")) != nil)
        #expect(PluginRules.problem(with: PluginHello(abiVersion: 1, name: "", version: "1", caseKinds: "*")) != nil)
        #expect(PluginRules.problem(with: PluginHello(abiVersion: 1, name: "A", version: "1", caseKinds: "*")) != nil)
        #expect(
            PluginRules.problem(
                with: PluginHello(
                    abiVersion: 1, name: String(repeating: "a", count: 65), version: "1",
                    caseKinds: "*")) != nil)
        #expect(PluginRules.problem(with: PluginHello(abiVersion: 1, name: "a", version: "", caseKinds: "*")) != nil)
        #expect(PluginRules.problem(with: PluginHello(abiVersion: 1, name: "a", version: "1", caseKinds: "")) != nil)
    }
}
