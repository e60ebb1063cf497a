import Glibc
import SandboxPolicy
import WorkerProtocol

extension WorkerSlot {
    /// Runs cases from `queue` until it is empty or stopped, replacing the worker whenever
    /// one dies. Results go to `sink` in batches, at most `deliveryNanos` behind.
    func run(queue cases: CaseQueue, window: Int, sink: ResultSink) {
        var pending = PendingResults(sink: sink)
        defer { pending.finish() }
        var retry: [InFlight] = []

        while true {
            if let stop = cases.stopReason {
                abandon(stop, retry: retry, pending: &pending)
                pending.addLate(loadEvents)
                loadEvents = []
                return
            }
            if process == nil {
                if retry.isEmpty && cases.isEmpty { return }
                // Loading can take seconds: what finished is committed first.
                pending.addLate(loadEvents)
                loadEvents = []
                pending.deliver()
                do {
                    // Workers started here (replacements, other slots) load with events of
                    // their own: they go with the results.
                    pending.addLate(try start().events)
                } catch {
                    // A plugin that loaded once and now cannot: the cases it would have run
                    // are recorded as crashed, with why.
                    let detail = "worker could not be restarted: \(error.message)"
                    for item in retry {
                        pending.add(result(for: item, outcome: .crashed, detail: detail, latency: 0), queue: cases)
                    }
                    while let (index, trialCase) = cases.next() {
                        let item = InFlight(index: index, sequence: 0, trialCase: trialCase, sentAt: 0)
                        pending.add(result(for: item, outcome: .crashed, detail: detail, latency: 0), queue: cases)
                    }
                    return
                }
            }
            // Fill the window: several cases in flight hide the socket's round trip.
            while inFlight.count < window {
                let now = Self.now()
                var item: InFlight
                if !retry.isEmpty {
                    item = retry.removeFirst()
                    item.stdout = []
                    item.stderr = []
                    item.events = []
                } else if let (index, trialCase) = cases.next() {
                    item = InFlight(index: index, sequence: 0, trialCase: trialCase, sentAt: now)
                } else {
                    break
                }
                nextSequence += 1
                item.sequence = nextSequence
                item.sentAt = now
                CaseRequest.encode(sequence: item.sequence, payload: item.trialCase.payload, into: &outgoing)
                inFlight.append(item)
                if inFlight.count == 1 { startHead(at: now) }
            }
            if inFlight.isEmpty {
                let pid = process?.pid
                shutdown()
                if let pid { collectLandlockDenials(pending: &pending, exited: pid) }
                pending.addLate(loadEvents)
                loadEvents = []
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
            now = Self.now()
            for frame in frames {
                guard frame.kind == .answer, let answer = try? Answer(frame) else {
                    malformed = .malformedPayload(frame.kind)
                    break
                }
                accept(answer, receivedAt: now, pending: &pending, queue: cases)
            }
            if let malformed, killReason == nil {
                killReason = (.protocolError, "malformed frame from the worker (\(malformed))")
            }
            now = Self.now()
            // Every few ms, not every turn: these are system calls and a lock, and a case that
            // floods its pipes or a denial's record can wait that long.
            let housekeeping = now &- lastHousekeeping >= Self.housekeepingNanos
            if housekeeping {
                lastHousekeeping = now
                collectLandlockDenials(pending: &pending)
            }
            if !loadEvents.isEmpty {
                // Denied between cases (a plugin thread while none ran): kept with the run.
                pending.addLate(loadEvents)
                loadEvents = []
            }

            now = Self.now()
            if killReason == nil && !inFlight.isEmpty && now >= deadline {
                killReason = (.timeout, "ran past the \(limits.wallSecondsPerCase) s wall-clock limit")
            }
            if housekeeping, killReason == nil, let process, process.reaped == nil {
                // The worker collects each case's output after `run`; a case still writing
                // past the allowance (or blocked on a full pipe) is stopped here.
                let unread = process.unreadOutput
                let allowance = min(Int(clamping: limits.outputBytes), process.pipeCapacity)
                if unread > allowance || unread >= process.pipeCapacity {
                    killReason = (.outputLimit, "wrote more than \(allowance) bytes to stdout and stderr")
                }
            }
            if !inFlight.isEmpty && now - headStartedAt > 20_000_000 {
                sampleMemory()
                let used = Double(cpuTime() &- headCPUStart) / 1e9
                if killReason == nil && cpuClock != nil && used > limits.cpuSecondsPerCase {
                    killReason = (.timeout, "used more than \(limits.cpuSecondsPerCase) s of CPU")
                }
            }

            if killReason != nil || events.closed || endOfStream || process == nil || process?.reaped != nil {
                retry = recoverFromDeath(pending: &pending, queue: cases) + retry
            }
            pending.deliverIfDue()
        }
    }

    /// Matches an answer to the case it names. The worker answers in order, one case at a
    /// time, so only the head of the window can be answered; a frame for any other case, or
    /// a second one for a case already answered, was not written by the worker's loop (a
    /// plugin can write frames on the socket). The case it names ends as `protocol_error`
    /// and stays in the window until the worker's own answer for it comes, so no other
    /// case's answer, time or events move. A worker's newest answer is held until its next
    /// frame: a second frame for the same case, which must come before that, still changes it.
    private func accept(_ answer: Answer, receivedAt now: UInt64, pending: inout PendingResults, queue: CaseQueue) {
        guard let position = inFlight.firstIndex(where: { $0.sequence == answer.sequence }) else {
            if let earlier = recentlyFinished[answer.sequence] {
                // One event per case: more copies of a frame say nothing new, and cost nothing.
                guard duplicated.insert(answer.sequence).inserted else { return }
                pending.amend(
                    index: earlier.index, caseID: earlier.caseID,
                    detail: "a second answer frame for this case (a plugin writing frames on the worker's socket?)")
                return
            } else {
                let what = "an answer frame for case sequence \(answer.sequence), which was never sent"
                pending.addLate([
                    SafetyEvent(kind: .protocolError, caseID: nil, detail: what, category: "other", phase: "run")
                ])
            }
            noteForgedFrame()
            return
        }
        if position > 0 {
            if inFlight[position].forged == nil {
                inFlight[position].forged =
                    "answered before the \(position) case(s) sent ahead of it: a frame the worker did not write"
            }
            noteForgedFrame()
            return
        }
        pending.release()
        let head = inFlight.removeFirst()
        remember(head)
        let hostLatency = Int64((now - headStartedAt) / 1000)
        let plausible = timing.check(
            caseID: head.trialCase.id, sent: head.sentAt, received: now, started: answer.startedNanos,
            finished: answer.finishedNanos, bytes: answer.bytes.count + answer.stdout.count + answer.stderr.count)
        let service = plausible ? Int64((answer.finishedNanos - answer.startedNanos) / 1000) : hostLatency
        if plausible {
            claimedWindows.append(
                (head.sequence, answer.header.startedCoarseMillis, answer.header.finishedCoarseMillis))
            if claimedWindows.count > 512 { claimedWindows.removeFirst(256) }
        }
        var finished = finish(head, answer: answer, latency: service)
        finished.hostLatencyMicros = hostLatency
        if let forged = head.forged { finished = markForged(finished, forged) }
        pending.hold(finished, queue: queue)
        startHead(at: now)
    }

    /// The case `result` names had a frame the worker did not write.
    private func markForged(_ result: CaseResult, _ detail: String) -> CaseResult {
        var result = result
        result.outcome = .protocolError
        result.detail = detail
        result.events.append(
            SafetyEvent(kind: .protocolError, caseID: result.caseID, detail: detail, category: "other", phase: "run"))
        return result
    }

    /// Counts frames the worker's loop did not write; past a few, the worker is stopped: each
    /// one is an event to store, and a plugin could write millions.
    private func noteForgedFrame() {
        forgedFrames += 1
        if forgedFrames > Self.forgedFrameLimit && killReason == nil {
            killReason = (.protocolError, "more than \(Self.forgedFrameLimit) answer frames the worker did not write")
        }
    }

    /// Keeps what is needed to recognise a later frame for a finished case.
    private func remember(_ item: InFlight) {
        recentlyFinished[item.sequence] = (item.index, item.trialCase.id)
        if recentlyFinished.count > 4096 {
            let oldest = recentlyFinished.keys.sorted().prefix(2048)
            for key in oldest {
                recentlyFinished[key] = nil
                duplicated.remove(key)
            }
        }
    }

    /// Ends the slot's part of a stopped run: an interrupted one drops what is in flight (to
    /// be resumed), an aborted one records it as not run.
    private func abandon(_ stop: StopReason, retry: [InFlight], pending: inout PendingResults) {
        pending.release()
        if let process {
            process.terminate()
            recordUsage(process)
            collectLandlockDenials(pending: &pending, exited: process.pid)
        }
        process = nil
        let open = inFlight + retry
        inFlight = []
        guard case .aborted(let reason) = stop else { return }
        for item in open {
            pending.add(
                result(for: item, outcome: .notRun, detail: "not run: \(reason)", latency: 0), queue: nil)
        }
    }

    /// Kills the worker (if alive), records the running case's outcome, and returns the
    /// cases it had not started, to be sent to a fresh worker.
    private func recoverFromDeath(pending: inout PendingResults, queue: CaseQueue) -> [InFlight] {
        let reason = killReason
        var status: ExitStatus?
        var peakRSS: UInt64 = 0
        // The case the worker says was running when it died (or was killed): with frames a
        // plugin forged, that need not be the head of the window.
        let running = killedSequence ?? process?.runningSequence ?? 0
        killedSequence = nil
        pending.release()
        if let index = inFlight.firstIndex(where: { $0.sequence == running }), index > 0 {
            inFlight.insert(inFlight.remove(at: index), at: 0)
        }
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
        let deadPID = process?.pid
        process = nil
        killReason = nil
        endOfStream = false
        socketReadable = false
        if let deadPID { collectLandlockDenials(pending: &pending, exited: deadPID) }
        guard !inFlight.isEmpty else { return [] }
        let position = inFlight.firstIndex { $0.sequence == running } ?? 0
        let head = inFlight.remove(at: position)
        remember(head)
        let latency = Int64((Self.now() - headStartedAt) / 1000)
        let (outcome, detail) = reason ?? classify(status, peakRSS: peakRSS)
        var dead = result(for: head, outcome: outcome, detail: detail, latency: latency)
        dead.hostLatencyMicros = latency
        if let forged = head.forged {
            dead.events.append(
                SafetyEvent(
                    kind: .protocolError, caseID: head.trialCase.id, detail: forged, category: "other", phase: "run"))
        }
        pending.add(dead, queue: queue)
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

    /// Turns an answer frame into a result; the output the worker collected is the case's.
    func finish(_ item: InFlight, answer: Answer, latency: Int64) -> CaseResult {
        var item = item
        item.stdout = answer.stdout
        item.stderr = answer.stderr
        if answer.outputTruncated || answer.stdout.count + answer.stderr.count > Int(clamping: limits.outputBytes) {
            return result(
                for: item, outcome: .outputLimit,
                detail: "wrote more than \(limits.outputBytes) bytes to stdout and stderr",
                latency: latency, answer: answer.bytes)
        }
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
                latency: latency, answer: answer.bytes)
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
            worker: index, events: events)
    }

    /// Asks the worker to close the plugin and exit; kills it if it lingers.
    func shutdown() {
        guard let process else { return }
        if phase == .running, let used = TimingAudit.threadCPUNanos(pid: process.pid, tid: process.pid) {
            timing.checkCPU(mainThreadNanos: used &- readyMainThreadNanos)
        }
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
        case .ok, .error, .notRun: return nil
        case .timeout: self = .timeout
        case .memoryLimit: self = .memoryLimit
        case .killedByPolicy: self = .killedByPolicy
        case .crashed: self = .crashed
        case .outputLimit: self = .outputLimit
        case .protocolError: self = .protocolError
        }
    }
}
