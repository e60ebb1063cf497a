import CSandpitShims
import Glibc
import WorkerProtocol

/// A spawned `sandpit-worker`: its pid and the host's ends of its socket and stdio pipes.
///
/// The worker starts with fd 0 = /dev/null, 1 and 2 = pipes, 3 = its end of a socketpair,
/// 4 = the running-case page (a memfd), 5 and 6 = the read ends of its stdout and stderr
/// pipes (it collects each case's output itself; the host reads them while loading and
/// after a death), an environment of one variable, and its own session (so killing its
/// process group cannot reach the host).
final class WorkerProcess {
    let pid: pid_t
    /// Host ends, non-blocking and close-on-exec.
    let socket: Int32
    let stdout: Int32
    let stderr: Int32
    /// The seccomp listener, once the worker has sent it.
    var listener: Int32 = -1
    /// The running-case page shared with the worker (see `RunningCase`).
    let page: UnsafeMutableRawPointer?
    /// Bytes each stdio pipe holds before a writer blocks.
    let pipeCapacity: Int
    private(set) var reaped: (status: Int32, usage: rusage)?
    /// Whether the slot has added this worker's CPU time to its totals.
    var usageCounted = false

    private init(
        pid: pid_t, socket: Int32, stdout: Int32, stderr: Int32, page: UnsafeMutableRawPointer?, pipeCapacity: Int
    ) {
        self.pid = pid
        self.socket = socket
        self.stdout = stdout
        self.stderr = stderr
        self.page = page
        self.pipeCapacity = pipeCapacity
    }

    /// The sequence number the worker says is running, 0 when none (or no page).
    var runningSequence: UInt64 {
        guard let page else { return 0 }
        return page.load(fromByteOffset: RunningCase.sequenceOffset, as: UInt64.self)
    }

    /// Bytes written to stdout and stderr and not yet read by anyone.
    var unreadOutput: Int {
        var total = 0
        for fd in [stdout, stderr] { total += max(0, Int(sandpit_unread_bytes(fd))) }
        return total
    }

    /// Done once per process before the first spawn: a worker must not be able to read
    /// or trace the host (PR_SET_DUMPABLE 0), and a dead worker's socket must not kill
    /// the host with SIGPIPE.
    static let hardenHost: Void = {
        _ = sandpit_prctl(SANDPIT_PR_SET_DUMPABLE, 0, 0, 0, 0)
        signal(SIGPIPE, SIG_IGN)
    }()

    /// Spawns the worker executable with posix_spawn.
    static func spawn(executable: String, outputLimit: UInt64) throws(SandboxError) -> WorkerProcess {
        _ = hardenHost
        func fail(_ what: String, _ code: Int32 = errno) -> SandboxError {
            SandboxError(.worker, path: executable, "\(what): \(String(cString: strerror(code)))")
        }
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw fail("socketpair")
        }
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        guard pipe(&out) == 0 else {
            closeAll(pair)
            throw fail("pipe")
        }
        guard pipe(&err) == 0 else {
            closeAll(pair + out)
            throw fail("pipe")
        }
        // A case's output waits in its pipe until the worker collects it after `run`: room for
        // the policy's whole per-case allowance means a plugin within it never blocks.
        let wanted = Int32(clamping: max(outputLimit + 1, 65536))
        var capacity = 65536
        for fd in [out[1], err[1]] {
            // Past /proc/sys/fs/pipe-max-size (1 MiB) only root may go; then 1 MiB will do.
            var got = fcntl(fd, SANDPIT_F_SETPIPE_SZ, wanted)
            if got < 0 { got = fcntl(fd, SANDPIT_F_SETPIPE_SZ, Int32(1 << 20)) }
            capacity = got > 0 ? Int(got) : Int(fcntl(fd, SANDPIT_F_GETPIPE_SZ))
        }
        for fd in [out[0], err[0]] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        let memfd = sandpit_memfd("sandpit-running-case")
        var page: UnsafeMutableRawPointer?
        if memfd >= 0 && ftruncate(memfd, off_t(RunningCase.size)) == 0 {
            let mapped = mmap(nil, RunningCase.size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0)
            if let mapped, mapped != MAP_FAILED { page = mapped }
        }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        // Move the child's ends above the low fds first, so no dup2 overwrites a source
        // that a later dup2 still needs; the copies are close-on-exec in the host.
        let originals = [null, out[1], err[1], pair[1], memfd, out[0], err[0]]
        let sources = originals.map { fcntl($0, F_DUPFD_CLOEXEC, 10) }
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        defer { closeAll(sources + [null, out[1], err[1], pair[1], memfd]) }
        guard !sources.contains(-1), null >= 0, memfd >= 0 else {
            closeAll([pair[0], out[0], err[0]])
            if let page { munmap(page, RunningCase.size) }
            throw fail("preparing the worker's descriptors")
        }
        let targets: [Int32] = [
            0, 1, 2, WorkerDescriptors.socket, WorkerDescriptors.runningCase, WorkerDescriptors.stdoutReader,
            WorkerDescriptors.stderrReader,
        ]
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(executable), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("SWIFT_BACKTRACE=enable=no"), nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        let rc = sandpit_spawn(&pid, executable, argv, envp, sources, targets, Int32(targets.count))
        guard rc == 0 else {
            closeAll([pair[0], out[0], err[0]])
            if let page { munmap(page, RunningCase.size) }
            throw fail("cannot start the worker", rc)
        }
        _ = fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK)
        return WorkerProcess(
            pid: pid, socket: pair[0], stdout: out[0], stderr: err[0], page: page, pipeCapacity: capacity)
    }

    private static func closeAll(_ fds: [Int32]) {
        for fd in fds where fd >= 0 { close(fd) }
    }

    /// Kills the worker and everything in its session, then reaps it.
    func terminate() {
        guard reaped == nil else { return }
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        reap()
    }

    /// Waits for the worker to exit (it must be exiting or killed) and closes the host's ends.
    @discardableResult
    func reap() -> (status: Int32, usage: rusage) {
        if let reaped { return reaped }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        for fd in [socket, stdout, stderr, listener] where fd >= 0 { close(fd) }
        listener = -1
        reaped = (status, usage)
        return (status, usage)
    }

    /// Waits up to `milliseconds` for a clean exit, then kills.
    func finish(graceMilliseconds: Int) {
        var waited = 0
        var status: Int32 = 0
        var usage = rusage()
        while waited < graceMilliseconds {
            let rc = wait4(pid, &status, WNOHANG, &usage)
            if rc == pid {
                for fd in [socket, stdout, stderr, listener] where fd >= 0 { close(fd) }
                listener = -1
                reaped = (status, usage)
                return
            }
            usleep(1000)
            waited += 1
        }
        terminate()
    }

    deinit {
        terminate()
        if let page { munmap(page, RunningCase.size) }
    }
}

/// How a worker ended, from its wait status.
struct ExitStatus: CustomStringConvertible {
    let raw: Int32

    var signal: Int32? { (raw & 0x7f) != 0 && (raw & 0x7f) != 0x7f ? raw & 0x7f : nil }
    var exitCode: Int32? { (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : nil }

    var description: String {
        if let signal { return "killed by signal \(signal) (\(Self.signalName(signal)))" }
        return "exited with status \(exitCode ?? -1)"
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case SIGSEGV: return "SIGSEGV"
        case SIGABRT: return "SIGABRT"
        case SIGBUS: return "SIGBUS"
        case SIGILL: return "SIGILL"
        case SIGFPE: return "SIGFPE"
        case SIGKILL: return "SIGKILL"
        case SIGSYS: return "SIGSYS"
        case SIGXCPU: return "SIGXCPU"
        case SIGXFSZ: return "SIGXFSZ"
        case SIGTRAP: return "SIGTRAP"
        case SIGPIPE: return "SIGPIPE"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(signal)"
        }
    }
}
