import Glibc
import WorkerProtocol

/// What the plugin writes to stdout and stderr, collected by the worker after each `run`.
///
/// fds 1 and 2 are pipes whose read ends the host passed as fds 5 and 6 (non-blocking).
/// Everything the plugin's thread wrote during `run` is in the pipe when `run` returns, so
/// reading the pipes then charges each byte to the case that wrote it, however many cases
/// the host keeps in flight. The host reads the same pipes itself only while loading and
/// after a worker has died (the rest of the dying case's output).
struct CaseOutput {
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    var truncated = false
    private var scratch = [UInt8](repeating: 0, count: 1 << 16)

    /// Empties both pipes into `stdout` and `stderr`, keeping at most `limit` bytes in all.
    mutating func collect(limit: Int) {
        stdout.removeAll(keepingCapacity: true)
        stderr.removeAll(keepingCapacity: true)
        truncated = false
        // One poll says whether either pipe holds anything: most cases print nothing, and
        // two empty reads would cost twice the system calls.
        var fds = [
            pollfd(fd: WorkerDescriptors.stdoutReader, events: Int16(POLLIN), revents: 0),
            pollfd(fd: WorkerDescriptors.stderrReader, events: Int16(POLLIN), revents: 0),
        ]
        guard poll(&fds, 2, 0) > 0 else { return }
        if fds[0].revents != 0 { drain(WorkerDescriptors.stdoutReader, isStdout: true, limit: limit) }
        if fds[1].revents != 0 { drain(WorkerDescriptors.stderrReader, isStdout: false, limit: limit) }
    }

    private mutating func drain(_ fd: Int32, isStdout: Bool, limit: Int) {
        while true {
            let n = scratch.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }  // EAGAIN: empty; 0 cannot happen while fd 1/2 are open
            let room = max(0, limit - stdout.count - stderr.count)
            if n > room { truncated = true }
            let kept = scratch[0..<min(n, room)]
            if isStdout { stdout.append(contentsOf: kept) } else { stderr.append(contentsOf: kept) }
        }
    }
}
