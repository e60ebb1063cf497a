import Dispatch
import Foundation
import Synchronization

/// Hands out cases to worker slots, in order, until they run out or the trial's wall
/// time does.
final class CaseQueue: Sendable {
    let cases: [TrialCase]
    private let nextIndex = Mutex(0)
    let deadline: UInt64

    init(cases: [TrialCase], deadline: UInt64) {
        self.cases = cases
        self.deadline = deadline
    }

    var isEmpty: Bool { nextIndex.withLock { $0 >= cases.count } || WorkerSlot.now() >= deadline }

    func next() -> (Int, TrialCase)? {
        guard WorkerSlot.now() < deadline else { return nil }
        return nextIndex.withLock { index in
            guard index < cases.count else { return nil }
            defer { index += 1 }
            return (index, cases[index])
        }
    }

    /// Cases never handed out (the trial ran out of time).
    var untaken: [(Int, TrialCase)] {
        nextIndex.withLock { index in
            let start = index
            index = cases.count
            return (start..<cases.count).map { ($0, cases[$0]) }
        }
    }
}

/// Receives results from every slot's thread, and hands them, one batch at a time and in
/// the order they came, to a handler on a thread of its own: scoring and writing the store
/// must not hold up the loop that times the next case.
public final class ResultSink: Sendable {
    private let handler: @Sendable ([CaseResult]) -> Void
    private let queue = DispatchQueue(label: "sandpit.results")

    public init(_ handler: @escaping @Sendable ([CaseResult]) -> Void) { self.handler = handler }

    /// Queues a batch for the handler.
    func deliver(_ results: [CaseResult]) { queue.async { [handler] in handler(results) } }

    /// Returns once every queued batch has been handled.
    func drain() { queue.sync {} }
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
    }

    /// Starts the first worker and loads the plugin.
    ///
    /// - Throws: ``SandboxError`` when the plugin cannot be loaded or the policy cannot be
    ///   met on this machine. Nothing has been run then.
    public func load() throws(SandboxError) -> LoadedPlugin {
        try slots[0].start()
    }

    /// Runs every case and returns when all have a result. Call after ``load()``; the
    /// loaded worker runs cases in the first slot.
    public func run(_ cases: [TrialCase], sink: ResultSink) -> RunStatistics {
        let started = WorkerSlot.now()
        let queue = CaseQueue(
            cases: cases, deadline: started + UInt64(launch.policy.limits.wallSecondsPerTrial * 1e9))
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
        let late = queue.untaken
        if !late.isEmpty {
            let limit = launch.policy.limits.wallSecondsPerTrial
            sink.deliver(
                late.map { index, trialCase in
                    CaseResult(
                        index: index, caseID: trialCase.id, kind: trialCase.kind, outcome: .timeout, latencyMicros: 0,
                        answer: [], stdout: [], stderr: [],
                        detail: "not started: the trial's \(limit) s limit was reached",
                        worker: -1,
                        events: [
                            SafetyEvent(
                                kind: .timeout, caseID: trialCase.id, detail: "trial wall-clock limit",
                                category: "resource", phase: "run")
                        ])
                })
        }
        return RunStatistics(
            peakRSSBytes: slots.map(\.peakRSSBytes).max() ?? 0,
            workersStarted: slots.map(\.workersStarted).reduce(0, +),
            wallMicros: Int64((WorkerSlot.now() - started) / 1000),
            cpuUserMicros: slots.map(\.cpuUserMicros).reduce(0, +),
            cpuSystemMicros: slots.map(\.cpuSystemMicros).reduce(0, +))
    }
}

extension TrialRunner {
    /// Stops any worker still running (after ``load()`` without ``run(_:sink:)``).
    public func close() {
        for slot in slots { slot.shutdown() }
    }
}
