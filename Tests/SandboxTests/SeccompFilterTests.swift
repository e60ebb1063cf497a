import CSandpitShims
import Foundation
import Glibc
import SandboxPolicy
import Testing

@testable import Sandbox

/// The compiled filter, installed for real in a child process and probed call by call.
@Suite struct SeccompFilterTests {
    /// The standard policy's allowlist with a kill default: a call outside it ends the
    /// child with SIGSYS, which an exit test can observe without a host to notify.
    static func killingFilter() throws -> [UInt8] {
        let text = """
            name: probe
            seccomp:
              default: kill
              allow: ["@basic-io", "@memory", "@time", "@signals", "@threads", "@process-info", "@exit"]
            """
        return try SeccompCompiler.compile(try PolicyLoader.parse(text, file: "probe.yaml"), policyPath: "probe").bpf
    }

    static func install(_ bpf: [UInt8]) {
        _ = sandpit_prctl(SANDPIT_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        let rc = bpf.withUnsafeBytes { sandpit_seccomp_install($0.baseAddress, UInt16($0.count / 8), 0) }
        if rc != 0 { _exit(99) }
    }

    @Test func standardPolicyCompiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let policy = try PolicyLoader.load(file: root.appendingPathComponent("sandboxes/standard.yaml").path)
        let filter = try SeccompCompiler.compile(policy, policyPath: "standard")
        #expect(filter.instructionCount > 20)
        #expect(filter.continueWhileLoading[SeccompCompiler.number(of: "openat")!] == "openat")
    }

    @Test func unknownSyscallNameIsAPolicyError() throws {
        let policy = try PolicyLoader.parse("name: x\nseccomp:\n  allow: [read, frobnicate]\n", file: "x.yaml")
        #expect(throws: SandboxError.self) { try SeccompCompiler.compile(policy, policyPath: "x.yaml") }
    }

    @Test func syscallNamesResolve() {
        #expect(SeccompCompiler.name(of: 0) == "read")
        #expect(SeccompCompiler.number(of: "io_uring_setup") == 425)
        #expect(SeccompCompiler.name(of: 9999) == nil)
    }

    @Test func allowedCallsKeepTheChildAlive() async throws {
        await #expect(processExitsWith: .exitCode(0)) {
            SeccompFilterTests.install(try! SeccompFilterTests.killingFilter())
            _ = getpid()
            _exit(0)
        }
    }

    @Test func socketKillsUnderAKillDefault() async throws {
        await #expect(processExitsWith: .signal(SIGSYS)) {
            let bpf = try! SeccompFilterTests.killingFilter()
            SeccompFilterTests.install(bpf)
            _ = sandpit_syscall6(41, 2, 1, 0, 0, 0, 0)  // socket(AF_INET, SOCK_STREAM, 0)
            _exit(0)
        }
    }

    @Test func ioUringKills() async throws {
        await #expect(processExitsWith: .signal(SIGSYS)) {
            let bpf = try! SeccompFilterTests.killingFilter()
            SeccompFilterTests.install(bpf)
            _ = sandpit_syscall6(425, 8, 0, 0, 0, 0, 0)
            _exit(0)
        }
    }

    @Test func forkIsKilledButThreadsAreNot() async throws {
        await #expect(processExitsWith: .signal(SIGSYS)) {
            let bpf = try! SeccompFilterTests.killingFilter()
            SeccompFilterTests.install(bpf)
            _ = sandpit_syscall6(56, 17 /* SIGCHLD: a plain fork */, 0, 0, 0, 0, 0)
            _exit(0)
        }
    }

    @Test func executableMappingsGoToTheHost() async throws {
        // mmap(NULL, 4096, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_ANONYMOUS) is notified, not allowed:
        // with no listener (no host) the kernel fails it with ENOSYS.
        await #expect(processExitsWith: .exitCode(0)) {
            let bpf = try! SeccompFilterTests.killingFilter()
            SeccompFilterTests.install(bpf)
            let rc = sandpit_syscall6(9, 0, 4096, 0x1 | 0x4, 0x02 | 0x20, -1, 0)
            _exit(rc == -1 && sandpit_errno() == ENOSYS ? 0 : 1)
        }
    }

    @Test func clone3AnswersENOSYS() async throws {
        await #expect(processExitsWith: .exitCode(0)) {
            let bpf = try! SeccompFilterTests.killingFilter()
            SeccompFilterTests.install(bpf)
            let rc = sandpit_syscall6(435, 0, 0, 0, 0, 0, 0)
            _exit(rc == -1 && sandpit_errno() == ENOSYS ? 0 : 1)
        }
    }

    @Test func openForWritingIsKilled() async throws {
        await #expect(processExitsWith: .signal(SIGSYS)) {
            let text =
                "name: probe\nseccomp:\n  default: kill\n  allow: [\"@basic-io\", \"@memory\", \"@file-read\", \"@exit\"]\n"
            let bpf = try! SeccompCompiler.compile(try! PolicyLoader.parse(text, file: "p"), policyPath: "p").bpf
            SeccompFilterTests.install(bpf)
            // openat(AT_FDCWD, "/tmp/x", O_WRONLY|O_CREAT)
            _ = "/tmp/sandpit-never".withCString { sandpit_syscall6(257, -100, Int(bitPattern: $0), 0x41, 0o644, 0, 0) }
            _exit(0)
        }
    }
}
