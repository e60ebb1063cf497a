import Glibc
import SandboxPolicy
import WorkerProtocol

extension WorkerSlot {
    /// Runs cases from `queue` until it is empty, replacing the worker whenever one dies.
    /// Results go to `sink` in batches.
    func run(queue cases: CaseQueue, window: Int, sink: ResultSink) {
        var batch: [CaseResult] = []
        func emit(_ result: CaseResult) {
            batch.append(result)
            if batch.count >= 256 {
                sink.deliver(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        defer {
            if !batch.isEmpty { sink.deliver(batch) }
        }
        var retry: [InFlight] = []

        while true {
            if process == nil {
                if retry.isEmpty && cases.isEmpty { return }
                do {
                    try start()
                } catch {
                    // A plugin that loaded once and now cannot: the cases it would have run
                    // are recorded as crashed, with why.
                    for item in retry {
                        emit(
                            result(
                                for: item, outcome: .crashed, detail: "worker could not be restarted: \(error.message)",
                                latency: 0))
                    }
                    while let (index, trialCase) = cases.next() {
                        emit(
                            result(
                                for: InFlight(index: index, trialCase: trialCase, sentAt: 0), outcome: .crashed,
                                detail: "worker could not be restarted: \(error.message)", latency: 0))
                    }
                    return
                }
            }
            // Fill the window: several cases in flight hide the socket's round trip.
            while inFlight.count < window {
                let now = Self.now()
                if !retry.isEmpty {
                    var item = retry.removeFirst()
                    item.sentAt = now
                    item.stdout = []
                    item.stderr = []
                    item.events = []
                    queue(Frame(.runCase, item.trialCase.payload))
                    inFlight.append(item)
                } else if let (index, trialCase) = cases.next() {
                    queue(Frame(.runCase, trialCase.payload))
                    inFlight.append(InFlight(index: index, trialCase: trialCase, sentAt: now))
                } else {
                    break
                }
                if inFlight.count == 1 { startHead(at: now) }
            }
            if inFlight.isEmpty {
                shutdown()
                return
            }
            flushOutgoing()

            let deadline = headStartedAt + UInt64(limits.wallSecondsPerCase * 1e9)
            var now = Self.now()
            let wait = deadline > now ? min(20, Int32((deadline - now) / 1_000_000) + 1) : 0
            let events = pollOnce(timeoutMilliseconds: wait)

            let frames: [Frame]
            var malformed: FrameError?
            do {
                frames = try readFrames(receivingListener: false)
            } catch {
                frames = []
                malformed = error
            }
            // A plugin's output for a case is written before its answer: drain the pipes after
            // reading answers and before handling them, so that output is still charged to the
            // case at the head (or, if a later case wrote it, to one the head lists as concurrent).
            if !frames.isEmpty, let process, process.reaped == nil {
                var pipes = [
                    pollfd(fd: process.stdout, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: process.stderr, events: Int16(POLLIN), revents: 0),
                ]
                if poll(&pipes, 2, 0) > 0 {
                    if pipes[0].revents != 0 { drain(process.stdout, isStdout: true) }
                    if pipes[1].revents != 0 { drain(process.stderr, isStdout: false) }
                }
            }
            for frame in frames {
                guard !inFlight.isEmpty, frame.kind == .answer, let answer = try? Answer(frame) else {
                    malformed = .malformedPayload(frame.kind)
                    break
                }
                now = Self.now()
                let head = inFlight.removeFirst()
                emit(finish(head, answer: answer, latency: Int64((now - headStartedAt) / 1000)))
                startHead(at: now)
            }
            if let malformed, killReason == nil {
                killReason = (.protocolError, "malformed frame from the worker (\(malformed))")
            }

            now = Self.now()
            if killReason == nil && !inFlight.isEmpty && now >= deadline {
                killReason = (.timeout, "ran past the \(limits.wallSecondsPerCase) s wall-clock limit")
            }
            if !inFlight.isEmpty && now - headStartedAt > 20_000_000 {
                sampleMemory()
                let used = Double(cpuTime() &- headCPUStart) / 1e9
                if killReason == nil && cpuClock != nil && used > limits.cpuSecondsPerCase {
                    killReason = (.timeout, "used more than \(limits.cpuSecondsPerCase) s of CPU")
                }
            }

            if killReason != nil || events.closed || endOfStream || process == nil || process?.reaped != nil {
                retry = recoverFromDeath(emit: emit) + retry
            }
        }
    }

    /// Kills the worker (if alive), records the running case's outcome, and returns the
    /// cases it had not started, to be sent to a fresh worker.
    private func recoverFromDeath(emit: (CaseResult) -> Void) -> [InFlight] {
        let reason = killReason
        var status: ExitStatus?
        var peakRSS: UInt64 = 0
        if let process {
            // What the worker wrote before it died still belongs to the running case.
            if process.reaped == nil {
                drain(process.stdout, isStdout: true)
                drain(process.stderr, isStdout: false)
            }
            // Give a worker that closed its socket a moment to finish dying, so its
            // status says how it ended rather than our SIGKILL.
            if reason == nil { process.finish(graceMilliseconds: 50) } else { process.terminate() }
            if let reaped = process.reaped {
                status = ExitStatus(raw: reaped.status)
                peakRSS = UInt64(max(0, reaped.usage.ru_maxrss)) * 1024
            }
            recordUsage(process)
        }
        process = nil
        killReason = nil
        endOfStream = false
        socketReadable = false
        guard !inFlight.isEmpty else { return [] }
        let head = inFlight.removeFirst()
        let latency = Int64((Self.now() - headStartedAt) / 1000)
        let (outcome, detail) = reason ?? classify(status, peakRSS: peakRSS)
        emit(result(for: head, outcome: outcome, detail: detail, latency: latency))
        let rest = inFlight
        inFlight = []
        peakVirtualBytes = 0
        return rest
    }

    /// Names how a worker died on its own. RLIMIT_AS leaves no trace of its own: a worker
    /// that dies after its address space or resident set came near the limit ran out of memory.
    func classify(_ status: ExitStatus?, peakRSS: UInt64) -> (Outcome, String) {
        guard let status else { return (.crashed, "the worker disappeared") }
        let memory = limits.memoryBytes
        let nearMemoryLimit = peakVirtualBytes >= memory / 10 * 9 || peakRSS >= memory / 4 * 3
        if let signal = status.signal {
            switch signal {
            case SIGSYS: return (.killedByPolicy, "killed by seccomp (SIGSYS): a system call the policy kills on")
            case SIGXCPU: return (.timeout, "used up its \(limits.cpuSecondsPerWorker) s of CPU (SIGXCPU)")
            default:
                if nearMemoryLimit {
                    return (.memoryLimit, "\(status) near the \(memory >> 20) MiB memory limit")
                }
                return (.crashed, status.description)
            }
        }
        if nearMemoryLimit { return (.memoryLimit, "\(status) near the \(memory >> 20) MiB memory limit") }
        return (.crashed, "\(status) in the middle of a case")
    }

    /// Marks the moment the head case could start: its wall and CPU clocks start here.
    func startHead(at now: UInt64) {
        headStartedAt = now
        headCPUStart = cpuTime()
    }

    /// The worker's CPU time (all threads), in nanoseconds; 0 when unknown.
    func cpuTime() -> UInt64 {
        guard let cpuClock else { return 0 }
        var ts = timespec()
        guard clock_gettime(cpuClock, &ts) == 0 else { return 0 }
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Samples the worker's address-space size: RLIMIT_AS failures leave no other trace.
    func sampleMemory() {
        guard let process else { return }
        let fd = open("/proc/\(process.pid)/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0, let first = buffer[0..<n].split(separator: 0x20).first,
            let pages = UInt64(String(decoding: first, as: UTF8.self))
        else { return }
        peakVirtualBytes = max(peakVirtualBytes, pages * pageSize)
    }

    /// Turns an answer frame into a result.
    func finish(_ item: InFlight, answer: Answer, latency: Int64) -> CaseResult {
        switch answer.status {
        case .ok:
            if JSONObjectValidator.isObject(answer.bytes) {
                return result(for: item, outcome: .ok, detail: nil, latency: latency, answer: answer.bytes)
            }
            let what = String(validating: answer.bytes, as: UTF8.self) == nil ? "not UTF-8" : "not a JSON object"
            return result(
                for: item, outcome: .protocolError, detail: "answer is \(what)", latency: latency, answer: answer.bytes)
        case .error:
            return result(
                for: item, outcome: .error, detail: "run returned \(answer.returnCode)", latency: latency,
                answer: answer.bytes)
        case .outputLimit:
            return result(
                for: item, outcome: .outputLimit, detail: "answer longer than \(limits.answerBytes) bytes",
                latency: latency,
                answer: answer.bytes)
        }
    }

    func result(for item: InFlight, outcome: Outcome, detail: String?, latency: Int64, answer: [UInt8] = [])
        -> CaseResult
    {
        var events = item.events
        if let kind = SafetyEvent.Kind(outcome: outcome) {
            events.append(
                SafetyEvent(
                    kind: kind, caseID: item.trialCase.id, detail: detail ?? outcome.rawValue,
                    category: kind == .deniedSyscall ? "other" : "resource", phase: "run"))
        }
        return CaseResult(
            index: item.index, caseID: item.trialCase.id, kind: item.trialCase.kind, outcome: outcome,
            latencyMicros: latency, answer: answer, stdout: item.stdout, stderr: item.stderr, detail: detail,
            worker: index, events: events,
            concurrentCaseIDs: inFlight.filter { $0.index != item.index }.map(\.trialCase.id))
    }

    /// Asks the worker to close the plugin and exit; kills it if it lingers.
    func shutdown() {
        guard let process else { return }
        queue(Frame(.shutdown))
        flushOutgoing()
        process.finish(graceMilliseconds: 200)
        recordUsage(process)
        self.process = nil
    }
}

extension SafetyEvent.Kind {
    /// The event an outcome other than ok or error is.
    init?(outcome: Outcome) {
        switch outcome {
        case .ok, .error: return nil
        case .timeout: self = .timeout
        case .memoryLimit: self = .memoryLimit
        case .killedByPolicy: self = .killedByPolicy
        case .crashed: self = .crashed
        case .outputLimit: self = .outputLimit
        case .protocolError: self = .protocolError
        }
    }
}
