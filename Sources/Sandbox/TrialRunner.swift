import Dispatch
import Foundation
import Synchronization

/// Receives results from every slot's thread, and hands them, one batch at a time and in
/// the order they came, to a handler on a thread of its own: scoring and writing the store
/// must not hold up the loop that times the next case.
public final class ResultSink: Sendable {
    private let handler: @Sendable (ResultBatch) -> Void
    private let queue = DispatchQueue(label: "sandpit.results")

    public init(_ handler: @escaping @Sendable (ResultBatch) -> Void) { self.handler = handler }

    /// Queues a batch for the handler.
    func deliver(_ batch: ResultBatch) { queue.async { [handler] in handler(batch) } }

    /// Queues results alone.
    func deliver(_ results: [CaseResult]) { deliver(ResultBatch(results: results)) }

    /// Returns once every queued batch has been handled.
    func drain() { queue.sync {} }
}

/// Results as a slot hands them over: at most about a quarter of a second after they exist,
/// so that a host killed mid-trial has stored nearly everything that finished.
public struct ResultBatch: Sendable {
    /// Finished cases.
    public var results: [CaseResult]
    /// Events that belong to cases delivered in an earlier batch: a duplicate answer frame
    /// for one, or a Landlock denial whose audit record came after the case was handed over.
    public var lateEvents: [SafetyEvent] = []

    public init(results: [CaseResult], lateEvents: [SafetyEvent] = []) {
        self.results = results
        self.lateEvents = lateEvents
    }
}

/// Figures from a finished run.
public struct RunStatistics: Sendable {
    /// Largest resident set of any worker, in bytes.
    public var peakRSSBytes: UInt64
    /// Workers started, including replacements for ones that died.
    public var workersStarted: Int
    /// Wall time of the run, in microseconds.
    public var wallMicros: Int64
    /// CPU time of all the workers, user and system, in microseconds.
    public var cpuUserMicros: Int64 = 0
    public var cpuSystemMicros: Int64 = 0
    /// Why the run ended early, if it did.
    public var stop: StopReason? = nil
    /// Worker timing claims the host could not accept (see `TimingAudit`), and the first few.
    public var timingViolations = 0
    public var timingNotes: [String] = []
}

/// Runs one plugin's cases in `workers` sandboxed worker processes.
///
/// ```swift
/// let runner = TrialRunner(launch: launch, workers: 2)
/// let loaded = try runner.load()        // the plugin's name, the isolation it got
/// let stats = runner.run(cases, sink: ResultSink { results in store.append(results) })
/// ```
public final class TrialRunner: @unchecked Sendable {
    // Slots are used by the calling thread until `run` hands each to its own thread,
    // and are not touched by the caller again until those threads have finished.
    let slots: [WorkerSlot]
    private let launch: WorkerLaunch
    private let window: Int

    /// - Parameters:
    ///   - workers: worker processes to run side by side (at least 1).
    ///   - window: cases in flight per worker.
    public init(launch: WorkerLaunch, workers: Int = 1, window: Int = 16) {
        self.launch = launch
        self.window = max(1, window)
        self.slots = (0..<max(1, workers)).map { WorkerSlot(index: $0, launch: launch) }
        // Started here, not on the first worker's spawn: turning audit on and checking the
        // log is read costs a round trip that is not the plugin's cold start.
        _ = LandlockAudit.shared.availability
    }

    /// Starts the first worker and loads the plugin.
    ///
    /// - Throws: ``SandboxError`` when the plugin cannot be loaded or the policy cannot be
    ///   met on this machine. Nothing has been run then.
    public func load() throws(SandboxError) -> LoadedPlugin {
        try slots[0].start()
    }

    /// Runs every case and returns when all have a result, or the run was stopped. Call
    /// after ``load()``; the loaded worker runs cases in the first slot.
    ///
    /// - Parameter interruption: when set (from a SIGINT handler, say), the slots kill their
    ///   workers and return; cases in flight then get no result.
    public func run(_ cases: [TrialCase], sink: ResultSink, interruption: Interruption? = nil) -> RunStatistics {
        let started = WorkerSlot.now()
        let limits = launch.policy.limits
        let queue = CaseQueue(
            cases: cases, deadline: started + UInt64(limits.wallSecondsPerTrial * 1e9),
            maxConsecutiveFailures: limits.maxConsecutiveFailures, interruption: interruption)
        let group = DispatchGroup()
        for slot in slots {
            group.enter()
            // A thread of its own per slot: its loop blocks in poll, which must not sit on
            // the cooperative pool, and the workers it spawns die with it (PDEATHSIG).
            let thread = Thread { [window] in
                slot.run(queue: queue, window: window, sink: sink)
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        defer { sink.drain() }
        let stop = queue.stopReason
        // Cases never handed out: not run after an abort, timed out when the trial's time ran
        // out, and nothing after an interrupt (a resume runs them).
        let late = queue.untaken
        func unstarted(_ outcome: Outcome, _ detail: String, event: String?) -> [CaseResult] {
            late.map { index, trialCase in
                CaseResult(
                    index: index, caseID: trialCase.id, kind: trialCase.kind, outcome: outcome, latencyMicros: 0,
                    answer: [], stdout: [], stderr: [], detail: detail, worker: -1,
                    events: event.map {
                        [
                            SafetyEvent(
                                kind: .timeout, caseID: trialCase.id, detail: $0, category: "resource", phase: "run")
                        ]
                    } ?? [])
            }
        }
        if case .aborted(let reason) = stop, !late.isEmpty {
            sink.deliver(unstarted(.notRun, "not run: \(reason)", event: nil))
        } else if stop == nil, !late.isEmpty {
            let limit = limits.wallSecondsPerTrial
            sink.deliver(
                unstarted(
                    .timeout, "not started: the trial's \(limit) s limit was reached", event: "trial wall-clock limit"))
        }
        return RunStatistics(
            peakRSSBytes: slots.map(\.peakRSSBytes).max() ?? 0,
            workersStarted: slots.map(\.workersStarted).reduce(0, +),
            wallMicros: Int64((WorkerSlot.now() - started) / 1000),
            cpuUserMicros: slots.map(\.cpuUserMicros).reduce(0, +),
            cpuSystemMicros: slots.map(\.cpuSystemMicros).reduce(0, +), stop: stop,
            timingViolations: slots.map(\.timing.violations).reduce(0, +),
            timingNotes: Array(slots.flatMap(\.timing.notes).prefix(5)))
    }
}

extension TrialRunner {
    /// Stops any worker still running (after ``load()`` without ``run(_:sink:)``).
    public func close() {
        for slot in slots { slot.shutdown() }
    }
}
