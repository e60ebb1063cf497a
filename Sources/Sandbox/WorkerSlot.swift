import CSandpitShims
import Glibc
import SandboxPolicy
import WorkerProtocol

/// What the host learned while a worker loaded the plugin.
public struct LoadedPlugin: Sendable {
    /// What the plugin says it is, checked against the ABI's rules.
    public var hello: PluginHello
    /// The isolation the worker actually got.
    public var isolation: Isolation
    /// Calls denied, and other events, before the first case.
    public var events: [SafetyEvent]
    /// What the plugin printed while loading.
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// Spawn to ready, in microseconds.
    public var coldStartMicros: Int64
}

/// One worker slot: a worker process that is replaced whenever one dies, and the poll
/// loop that feeds it cases, reads its answers and stdio, and answers its seccomp
/// notifications. A slot belongs to one thread at a time.
final class WorkerSlot: @unchecked Sendable {  // owned by one thread at a time (see TrialRunner)
    enum Phase { case loading, running }

    struct InFlight {
        var index: Int
        /// The number the worker echoes in its answer and publishes while the case runs.
        var sequence: UInt64
        var trialCase: TrialCase
        var sentAt: UInt64
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var events: [SafetyEvent] = []
        /// Set when a frame the worker did not write claimed this case: it ends `protocol_error`.
        var forged: String?
    }

    let index: Int
    let launch: WorkerLaunch
    var process: WorkerProcess?
    var phase = Phase.loading
    var reader: FrameReader
    var outgoing: [UInt8] = []
    var outgoingOffset = 0
    var inFlight: [InFlight] = []
    var headStartedAt: UInt64 = 0
    /// The last sequence number sent (they start at 1; 0 means "no case running").
    var nextSequence: UInt64 = 0
    /// Cases finished lately, by sequence number, to recognise a second frame for one.
    var recentlyFinished: [UInt64: (index: Int, caseID: String)] = [:]
    /// The worker's timing claims, checked (see `TimingAudit`).
    var timing = TimingAudit()
    /// The worker's main-thread CPU time when it became ready.
    var readyMainThreadNanos: UInt64 = 0
    /// Recent cases as (sequence, started, finished) on the coarse realtime clock in ms, as the
    /// worker read it around `run`: where a Landlock denial, which the kernel stamps with that
    /// clock, is charged.
    var claimedWindows: [(sequence: UInt64, started: UInt64, finished: UInt64)] = []
    /// When the current worker became ready, on the clock audit records are stamped with:
    /// a Landlock denial stamped before it happened while the plugin loaded (one stamped in
    /// the same tick is charged to a case).
    var readyRealtimeMillis: Int64 = .max
    /// Answer frames the worker's loop did not write for cases not in flight, or out of order.
    var forgedFrames = 0
    /// Finished cases a second frame has already been recorded for.
    var duplicated: Set<UInt64> = []
    static let forgedFrameLimit = 16
    /// The running case at the moment the host decided to kill the worker.
    var killedSequence: UInt64?
    /// When the run loop last watched the pipes and read Landlock denials.
    var lastHousekeeping: UInt64 = 0
    static let housekeepingNanos: UInt64 = 5_000_000
    /// Landlock denials read so far for the current worker, to compare with the kernel's count.
    var landlockSeen = 0
    /// Events seen while no case was running (loading).
    var loadEvents: [SafetyEvent] = []
    var loadStdout: [UInt8] = []
    var loadStderr: [UInt8] = []
    var denials = 0
    /// Why the host killed the current worker, when it did.
    var killReason: (Outcome, String)?
    var peakVirtualBytes: UInt64 = 0
    /// The worker's process CPU clock, and its reading when the running case started.
    var cpuClock: clockid_t?  // process CPU clock ids are negative numbers
    var headCPUStart: UInt64 = 0
    var peakRSSBytes: UInt64 = 0
    /// CPU time of every worker this slot reaped.
    var cpuUserMicros: Int64 = 0
    var cpuSystemMicros: Int64 = 0
    var workersStarted = 0
    var lastLoad: LoadedPlugin?
    /// What the most recent worker's lock-down achieved, even if loading then failed.
    var lastIsolation: Isolation?
    let pageSize = UInt64(sysconf(Int32(_SC_PAGESIZE)))

    /// Denied calls a worker may make before it is killed: a loop of denials is an attack
    /// on the host's attention, not a plugin at work.
    static let denialLimit = 1000
    /// How long loading (spawn, lock-down, dlopen, open) may take.
    static let loadTimeoutSeconds: Double = 30

    init(index: Int, launch: WorkerLaunch) {
        self.index = index
        self.launch = launch
        self.reader = FrameReader(maximumLength: Self.frameLimit(launch.policy.limits))
    }

    /// The longest frame a worker may send: an answer and a case's stdout and stderr.
    static func frameLimit(_ limits: Limits) -> Int {
        Int(clamping: limits.answerBytes) + Int(clamping: limits.outputBytes) + 64 * 1024
    }

    /// The coarse realtime clock in milliseconds: the one audit records are stamped with, so
    /// a record stamped before this reading was made before it.
    static func realtimeMillis() -> Int64 { Int64(SharedClock.coarseRealtimeMillis()) }

    static func now() -> UInt64 { SharedClock.monotonicNanos() }

    var limits: Limits { launch.policy.limits }

    // MARK: - Loading

    /// Spawns a worker and waits until the plugin is loaded and opened.
    ///
    /// - Throws: ``SandboxError`` when the plugin cannot be loaded, a required layer is
    ///   missing, or the worker dies first.
    @discardableResult
    func start() throws(SandboxError) -> LoadedPlugin {
        let started = Self.now()
        phase = .loading
        readyRealtimeMillis = .max
        reader = FrameReader(maximumLength: Self.frameLimit(limits))
        outgoing = []
        outgoingOffset = 0
        killReason = nil
        killedSequence = nil
        forgedFrames = 0
        landlockSeen = 0
        denials = 0
        peakVirtualBytes = 0
        loadEvents = []
        loadStdout = []
        loadStderr = []
        endOfStream = false
        socketReadable = false
        let process = try WorkerProcess.spawn(
            executable: launch.workerExecutable, outputLimit: launch.policy.limits.outputBytes)
        watchLandlock(process.pid)
        self.process = process
        workersStarted += 1
        var clock = clockid_t()
        cpuClock = clock_getcpuclockid(process.pid, &clock) == 0 ? clock : nil
        queue(launch.setup.frame)

        var report: LockdownReport?
        var isolation: Isolation?
        var hello: PluginHello?
        let deadline = started + UInt64(Self.loadTimeoutSeconds * 1e9)
        let path = launch.plugin.path
        func failure(_ code: SandboxError.Code, _ message: String) -> SandboxError {
            stop()
            return SandboxError(code, path: path, message)
        }

        while true {
            let now = Self.now()
            if now >= deadline {
                throw failure(.crashedWhileLoading, "did not finish loading within \(Int(Self.loadTimeoutSeconds)) s")
            }
            let events = pollOnce(timeoutMilliseconds: Int32(min(1000, (deadline - now) / 1_000_000 + 1)))
            if let (_, reason) = killReason {
                throw failure(.crashedWhileLoading, "killed while loading: \(reason)")
            }
            let frames: [Frame]
            do {
                frames = try readFrames(receivingListener: report == nil)
            } catch {
                throw failure(.badPlugin, "sent a malformed frame while loading (\(error))")
            }
            for frame in frames {
                do {
                    switch frame.kind {
                    case .locked:
                        guard report == nil, process.listener >= 0 else {
                            throw failure(.worker, "the worker did not pass its seccomp listener")
                        }
                        let lockdown = try LockdownReport(frame)
                        report = lockdown
                        let (verified, checked) = Isolation.verify(pid: process.pid)
                        var got = Isolation(report: lockdown, verified: verified, checked: checked)
                        if let note = landlockAuditNote { got.notes.append(note) }
                        isolation = got
                        lastIsolation = got
                        let missing = got.missing(launch.policy.required)
                        if !missing.isEmpty {
                            let names = missing.map(\.rawValue).joined(separator: ", ")
                            let why = got.notes.filter { note in missing.contains { note.hasPrefix($0.rawValue) } }
                            let reason = why.isEmpty ? "" : " (" + why.joined(separator: "; ") + ")"
                            stop()
                            throw SandboxError(
                                .requiredLayerMissing, path: launch.policyPath,
                                "policy \(launch.policy.name) requires \(names), not active on this machine\(reason)")
                        }
                    case .hello:
                        guard report != nil else { throw failure(.badPlugin, "sent a hello before lock-down") }
                        let h = try PluginHello(frame)
                        if let problem = PluginRules.problem(with: h) { throw failure(.badPlugin, problem) }
                        hello = h
                    case .loadFailed:
                        let f = try LoadFailure(frame)
                        let code: SandboxError.Code = f.reason == .dlopenFailed ? .notAPlugin : .badPlugin
                        throw failure(code, Self.loadMessage(f))
                    case .openFailed:
                        let message = String(decoding: frame.payload.prefix(500), as: UTF8.self)
                        throw failure(.openFailed, "open() failed: \(Self.oneLine(message))")
                    case .setupFailed:
                        var wire = WireReader(frame)
                        let message = (try? wire.readString()) ?? "unknown reason"
                        throw failure(.worker, "worker could not lock down: \(message)")
                    case .ready:
                        guard let isolation, let hello else { throw failure(.badPlugin, "ready before hello") }
                        // What open() printed is in the pipes now; from here the worker
                        // collects each case's output itself.
                        drain(process.stdout, isStdout: true)
                        drain(process.stderr, isStdout: false)
                        phase = .running
                        timing.newWorker()
                        readyRealtimeMillis = Self.realtimeMillis()
                        readyMainThreadNanos = TimingAudit.threadCPUNanos(pid: process.pid, tid: process.pid) ?? 0
                        let loaded = LoadedPlugin(
                            hello: hello, isolation: isolation, events: loadEvents, stdout: loadStdout,
                            stderr: loadStderr, coldStartMicros: Int64((Self.now() - started) / 1000))
                        lastLoad = loaded
                        // Handed over with the load; what comes later goes to the run's results.
                        loadEvents = []
                        return loaded
                    default:
                        throw failure(.badPlugin, "sent an unexpected \(frame.kind) frame while loading")
                    }
                } catch let error as SandboxError {
                    throw error
                } catch {
                    throw failure(.badPlugin, "sent a malformed \(frame.kind) frame while loading")
                }
            }
            if events.closed || endOfStream {
                endOfStream = false
                let status = process.reap().status
                self.process = nil
                let exit = ExitStatus(raw: status)
                let hint = exit.signal == SIGSYS ? " by the seccomp policy (a forbidden call while loading)" : ""
                throw SandboxError(.crashedWhileLoading, path: path, "the worker died while loading: \(exit)\(hint)")
            }
        }
    }

    static func loadMessage(_ failure: LoadFailure) -> String {
        switch failure.reason {
        case .dlopenFailed:
            // dlerror() starts with the path, which the message already names.
            var message = failure.message
            if let colon = message.range(of: ".so: ") { message = String(message[colon.upperBound...]) }
            return "not a loadable shared object: \(oneLine(message))"
        case .missingEntry: return "not a sandpit plugin: no sandpit_plugin_v1 symbol"
        case .entryReturnedNull: return "sandpit_plugin_v1() returned NULL"
        case .wrongABIVersion: return "wrong ABI version: \(failure.message)"
        case .nullPointer: return "NULL pointer in sandpit_plugin: \(failure.message)"
        case .badName, .badVersion, .badCaseKinds: return oneLine(failure.message)
        }
    }

    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 }.prefix(300))
    }

    /// Kills the current worker, if any, and forgets it.
    func stop() {
        if let process {
            process.terminate()
            recordUsage(process)
        }
        process = nil
    }

    func recordUsage(_ process: WorkerProcess) {
        guard !process.usageCounted, let usage = process.reaped?.usage else { return }
        process.usageCounted = true
        peakRSSBytes = max(peakRSSBytes, UInt64(max(0, usage.ru_maxrss)) * 1024)
        cpuUserMicros += Int64(usage.ru_utime.tv_sec) * 1_000_000 + Int64(usage.ru_utime.tv_usec)
        cpuSystemMicros += Int64(usage.ru_stime.tv_sec) * 1_000_000 + Int64(usage.ru_stime.tv_usec)
    }

    // MARK: - I/O

    struct PollEvents {
        var closed = false
    }

    func queue(_ frame: Frame) {
        frame.encode(into: &outgoing)
    }

    /// One poll over the socket, stdio and listener; handles stdio, notifications and
    /// writes. Frames are left for the caller to read.
    func pollOnce(timeoutMilliseconds: Int32) -> PollEvents {
        guard let process, process.reaped == nil else { return PollEvents(closed: true) }
        var fds = [
            pollfd(fd: process.stdout, events: Int16(POLLIN), revents: 0),
            pollfd(fd: process.stderr, events: Int16(POLLIN), revents: 0),
            pollfd(fd: process.listener, events: Int16(POLLIN), revents: 0),
            pollfd(fd: process.socket, events: Int16(POLLIN) | (hasOutgoing ? Int16(POLLOUT) : 0), revents: 0),
        ]
        // Once the plugin is open, the worker reads its own stdout and stderr after each case;
        // the host only watches how full the pipes get (see `run`).
        if phase == .running {
            fds[0].fd = -1
            fds[1].fd = -1
        }
        let rc = poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
        var result = PollEvents()
        guard rc > 0 else { return result }
        let readable = Int16(POLLIN) | Int16(POLLHUP) | Int16(POLLERR)
        if phase == .loading {
            if fds[0].revents & readable != 0 { drain(process.stdout, isStdout: true) }
            if fds[1].revents & readable != 0 { drain(process.stderr, isStdout: false) }
        }
        if process.listener >= 0 && fds[2].revents & Int16(POLLIN) != 0 { handleNotifications() }
        // Handling a notification may have killed the worker and closed its descriptors.
        guard process.reaped == nil else { return PollEvents(closed: true) }
        if fds[3].revents & Int16(POLLOUT) != 0 { flushOutgoing() }
        if fds[3].revents & (Int16(POLLHUP) | Int16(POLLERR)) != 0 && fds[3].revents & Int16(POLLIN) == 0 {
            result.closed = true
        }
        if fds[3].revents & Int16(POLLIN) != 0 { socketReadable = true }
        return result
    }

    var socketReadable = false
    /// One read buffer for the socket and the pipes, reused: a fresh 64 KiB per read would
    /// cost more than the read.
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    var hasOutgoing: Bool { outgoingOffset < outgoing.count }

    func flushOutgoing() {
        guard let process, process.reaped == nil, hasOutgoing else { return }
        while hasOutgoing {
            let n = outgoing.withUnsafeBytes {
                write(process.socket, $0.baseAddress! + outgoingOffset, $0.count - outgoingOffset)
            }
            if n > 0 {
                outgoingOffset += n
            } else {
                break  // EAGAIN (full) or EPIPE (dead: noticed on the read side)
            }
        }
        if !hasOutgoing {
            outgoing.removeAll(keepingCapacity: true)
            outgoingOffset = 0
        }
    }

    /// Reads what the socket has and returns complete frames. End of stream leaves the
    /// process marked for reaping via `endOfStream`.
    func readFrames(receivingListener: Bool) throws(FrameError) -> [Frame] {
        // A reaped worker's descriptors are closed, and their numbers may already be reused.
        guard let process, process.reaped == nil, socketReadable else { return try drainReader() }
        socketReadable = false
        while true {
            var n: Int
            if receivingListener && process.listener < 0 {
                var fd: Int32 = -1
                n = buffer.withUnsafeMutableBytes {
                    sandpit_receive_with_fd(process.socket, $0.baseAddress, $0.count, &fd)
                }
                if fd >= 0 { process.listener = fd }
            } else {
                n = buffer.withUnsafeMutableBytes { read(process.socket, $0.baseAddress, $0.count) }
            }
            if n > 0 {
                buffer.withUnsafeBytes { reader.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                if n < buffer.count { break }
                continue
            }
            if n == 0 || (errno != EAGAIN && errno != EINTR) { endOfStream = true }
            break
        }
        return try drainReader()
    }

    var endOfStream = false

    private func drainReader() throws(FrameError) -> [Frame] {
        var frames: [Frame] = []
        while let frame = try reader.next() { frames.append(frame) }
        return frames
    }

    /// Reads a stdio pipe; bytes go to the running case (or to loading), up to the limit.
    func drain(_ fd: Int32, isStdout: Bool) {
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            let chunk = buffer[0..<n]
            let limit = Int(clamping: limits.outputBytes)
            if inFlight.isEmpty {
                if isStdout {
                    loadStdout.append(contentsOf: chunk.prefix(max(0, limit - loadStdout.count)))
                } else {
                    loadStderr.append(contentsOf: chunk.prefix(max(0, limit - loadStderr.count)))
                }
                continue
            }
            let used = inFlight[0].stdout.count + inFlight[0].stderr.count
            let room = max(0, limit - used)
            if isStdout {
                inFlight[0].stdout.append(contentsOf: chunk.prefix(room))
            } else {
                inFlight[0].stderr.append(contentsOf: chunk.prefix(room))
            }
            if n > room && killReason == nil {
                killReason = (.outputLimit, "wrote more than \(limit) bytes to stdout and stderr")
            }
        }
    }
}
