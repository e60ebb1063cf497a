import CSandpitShims
import Glibc
import WorkerProtocol

/// The worker's life: lock down, load, answer cases, exit.
enum Worker {
    static let socketFD = WorkerDescriptors.socket

    static func main() {
        // The host passes exactly fds 0-6: stdin, stdout, stderr, the socket, the running-case
        // page, and the read ends of stdout and stderr. Anything else that leaked through
        // posix_spawn (another thread's descriptor opened without O_CLOEXEC) is closed first.
        _ = sandpit_close_from(WorkerDescriptors.firstUnused)
        RunningCasePage.map()
        _ = setsid()  // posix_spawn already made a session; this is belt and braces.
        let host = getppid()
        dieWithHost(host)
        signal(SIGPIPE, SIG_DFL)

        var channel = Channel(fd: socketFD)
        guard let first = channel.receive() else { exit(0) }
        let setup: WorkerSetup
        do {
            setup = try WorkerSetup(first)
        } catch {
            fail("bad setup frame: \(error)")
        }

        // Opened while still privileged, in case the unprivileged uid cannot reach it.
        let pluginFD = open(setup.pluginPath, O_RDONLY | O_CLOEXEC)

        var lockdown = Lockdown(setup: setup)
        let listener = lockdown.apply(channel: channel) {
            // Changing uid clears the parent-death signal: set it again once the identity is final.
            dieWithHost(host)
        }
        // The listener goes to the host in the same message as the report; the worker
        // must not keep it, or a plugin could answer its own notifications.
        let sent = lockdown.report.frame.encoded.withUnsafeBytes {
            sandpit_send_with_fd(socketFD, $0.baseAddress, $0.count, listener)
        }
        if sent < 0 { exit(0) }
        close(listener)

        var plugin = LoadedPlugin.load(setup: setup, pluginFD: pluginFD, channel: channel)
        plugin.open(config: setup.config, channel: channel)
        channel.send(Frame(.ready))
        plugin.serve(channel: &channel)
    }

    /// Asks for SIGKILL when the host dies: a worker must never outlive its supervisor.
    /// If the host is already gone, exits now.
    static func dieWithHost(_ host: pid_t) {
        _ = sandpit_prctl(SANDPIT_PR_SET_PDEATHSIG, UInt(SIGKILL), 0, 0, 0)
        if getppid() != host { exit(0) }
    }

    /// Reports a setup failure to the host and exits.
    static func fail(_ message: String) -> Never {
        var w = WireWriter()
        w.write(message)
        Channel(fd: socketFD).send(Frame(.setupFailed, w.bytes))
        exit(70)
    }
}
