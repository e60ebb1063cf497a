import CSandpitShims
import Foundation
import Glibc
import SandboxPolicy
import Testing

@testable import Sandbox

/// Each shipped policy's compiled filter, installed for real in a child process, and probed
/// with every call in a table. With no host to answer, a call the filter sends to the host
/// fails with ENOSYS; an allowed call reaches the kernel and fails (harmlessly) for its own
/// reasons, or succeeds.
@Suite struct PolicyTableTests {
    struct Probe: Sendable {
        var name: String
        var number: Int
        var args: [Int]
        /// Policies under which it must reach the kernel.
        var allowedIn: Set<String>
    }

    static let both: Set<String> = ["standard", "strict"]

    static let probes: [Probe] = [
        Probe(name: "read", number: 0, args: [-1, 0, 0], allowedIn: both),
        Probe(name: "write", number: 1, args: [-1, 0, 0], allowedIn: both),
        Probe(name: "getpid", number: 39, args: [], allowedIn: both),
        Probe(name: "getrandom", number: 318, args: [0, 0, 0], allowedIn: both),
        Probe(name: "mmap rw", number: 9, args: [0, 4096, 3, 0x22, -1, 0], allowedIn: both),
        Probe(name: "mmap exec", number: 9, args: [0, 4096, 5, 0x22, -1, 0], allowedIn: []),
        Probe(name: "mprotect exec", number: 10, args: [0, 4096, 4], allowedIn: []),
        Probe(name: "ioctl TCGETS", number: 16, args: [-1, 0x5401, 0], allowedIn: both),
        Probe(name: "ioctl TIOCSTI", number: 16, args: [-1, 0x5412, 0], allowedIn: []),
        Probe(name: "fcntl F_GETFD", number: 72, args: [-1, 1], allowedIn: both),
        Probe(name: "fcntl F_SETOWN", number: 72, args: [-1, 8, 1], allowedIn: []),
        Probe(name: "prlimit64 get", number: 302, args: [0, 7, 0, 0], allowedIn: both),
        Probe(name: "prlimit64 set", number: 302, args: [0, 7, 1, 0], allowedIn: []),
        Probe(name: "openat read", number: 257, args: [-100, -1, 0], allowedIn: ["standard"]),
        Probe(name: "openat write", number: 257, args: [-100, -1, 0x41], allowedIn: []),
        Probe(name: "openat O_TMPFILE", number: 257, args: [-100, -1, 0x410002], allowedIn: []),
        Probe(name: "clone thread (bad flags)", number: 56, args: [0x10000, 0, 0, 0, 0], allowedIn: ["standard"]),
        Probe(name: "clone newuser", number: 56, args: [0x1001_0000, 0, 0, 0, 0], allowedIn: []),
        Probe(name: "epoll_create1", number: 291, args: [-1], allowedIn: ["standard"]),
        Probe(name: "socket inet", number: 41, args: [2, 1, 0], allowedIn: []),
        Probe(name: "socket unix", number: 41, args: [1, 1, 0], allowedIn: []),
        Probe(name: "connect", number: 42, args: [-1, 0, 0], allowedIn: []),
        Probe(name: "execve", number: 59, args: [-1, 0, 0], allowedIn: []),
        Probe(name: "memfd_create", number: 319, args: [-1, 0], allowedIn: []),
        Probe(name: "io_uring_setup", number: 425, args: [0, 0], allowedIn: []),
        Probe(name: "io_uring_enter", number: 426, args: [-1, 0, 0, 0, 0, 0], allowedIn: []),
        Probe(name: "bpf", number: 321, args: [-1, 0, 0], allowedIn: []),
        Probe(name: "perf_event_open", number: 298, args: [0, 0, -1, -1, 0], allowedIn: []),
        Probe(name: "userfaultfd", number: 323, args: [-1], allowedIn: []),
        Probe(name: "keyctl", number: 250, args: [-1, 0, 0, 0, 0], allowedIn: []),
        Probe(name: "add_key", number: 248, args: [0, 0, 0, 0, 0], allowedIn: []),
        Probe(name: "ptrace", number: 101, args: [-1, 0, 0, 0], allowedIn: []),
        Probe(name: "process_vm_readv", number: 310, args: [0, 0, 0, 0, 0, 0], allowedIn: []),
        Probe(name: "kcmp", number: 312, args: [0, 0, -1, 0, 0], allowedIn: []),
        Probe(name: "pidfd_open", number: 434, args: [0, -1], allowedIn: []),
        Probe(name: "mount", number: 165, args: [0, 0, 0, 0, 0], allowedIn: []),
        Probe(name: "umount2", number: 166, args: [0, -1], allowedIn: []),
        Probe(name: "pivot_root", number: 155, args: [0, 0], allowedIn: []),
        Probe(name: "chroot", number: 161, args: [0], allowedIn: []),
        Probe(name: "unshare", number: 272, args: [0], allowedIn: []),
        Probe(name: "setns", number: 308, args: [-1, 0], allowedIn: []),
        Probe(name: "personality", number: 135, args: [0xffff_ffff], allowedIn: []),
        Probe(name: "kexec_load", number: 246, args: [0, 0, 0, -1], allowedIn: []),
        Probe(name: "init_module", number: 175, args: [0, 0, 0], allowedIn: []),
        Probe(name: "reboot", number: 169, args: [0, 0, 0, 0], allowedIn: []),
        Probe(name: "kill", number: 62, args: [0, 0], allowedIn: []),  // the host decides, on the pid
        Probe(name: "setuid", number: 105, args: [0], allowedIn: []),
        Probe(name: "capset", number: 126, args: [0, 0], allowedIn: []),
        Probe(name: "seccomp", number: 317, args: [-1, 0, 0], allowedIn: []),
    ]

    /// Runs every probe under `policy`'s filter; exits 0, or 1 + the index of the first mismatch.
    static func probe(policy name: String) -> Never {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        guard let policy = try? PolicyLoader.load(file: root.appendingPathComponent("sandboxes/\(name).yaml").path),
            let filter = try? SeccompCompiler.compile(policy, policyPath: name)
        else { _exit(250) }
        _ = sandpit_prctl(SANDPIT_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
        let rc = filter.bpf.withUnsafeBytes { sandpit_seccomp_install($0.baseAddress, UInt16($0.count / 8), 0) }
        if rc != 0 { _exit(251) }
        let path = strdup("/nonexistent/sandpit-probe")!
        for (index, probe) in probes.enumerated() {
            var a = probe.args + [Int](repeating: 0, count: 6 - probe.args.count)
            if probe.name.hasPrefix("openat") { a[1] = Int(bitPattern: path) }
            let result = sandpit_syscall6(probe.number, a[0], a[1], a[2], a[3], a[4], a[5])
            let reachedKernel = !(result == -1 && sandpit_errno() == ENOSYS)
            if reachedKernel != probe.allowedIn.contains(name) { _exit(Int32(1 + index)) }
        }
        _exit(0)
    }

    @Test func standardAllowsAndDeniesAsItsTableSays() async {
        await #expect(processExitsWith: .exitCode(0)) { PolicyTableTests.probe(policy: "standard") }
    }

    @Test func strictAllowsAndDeniesAsItsTableSays() async {
        await #expect(processExitsWith: .exitCode(0)) { PolicyTableTests.probe(policy: "strict") }
    }
}
