import Synchronization

/// Why a run ended before every case had a result.
public enum StopReason: Sendable, Equatable {
    /// SIGINT or SIGTERM: the cases still in flight are dropped, to be run by `--resume`.
    case interrupted
    /// The plugin looked hopeless (too many failures in a row): the rest are `not_run`.
    case aborted(String)
}

/// Set from a signal handler's thread to stop a run between cases.
public final class Interruption: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// Asks every slot to stop.
    public func interrupt() { flag.store(true, ordering: .releasing) }

    public var isInterrupted: Bool { flag.load(ordering: .acquiring) }
}

/// Hands out cases to worker slots, in order, until they run out, the trial's wall time
/// does, or the run is stopped; and counts failures in a row across every slot.
final class CaseQueue: Sendable {
    private struct State {
        var next = 0
        var stop: StopReason?
        var failuresInARow = 0
    }

    let cases: [TrialCase]
    private let state = Mutex(State())
    let deadline: UInt64
    let maxConsecutiveFailures: Int
    let interruption: Interruption?

    init(cases: [TrialCase], deadline: UInt64, maxConsecutiveFailures: Int, interruption: Interruption?) {
        self.cases = cases
        self.deadline = deadline
        self.maxConsecutiveFailures = maxConsecutiveFailures
        self.interruption = interruption
    }

    /// Why the run is stopping, if it is: the first reason stays (an abort that a SIGINT
    /// follows is still an abort).
    var stopReason: StopReason? {
        state.withLock { state in
            if state.stop == nil, interruption?.isInterrupted == true { state.stop = .interrupted }
            return state.stop
        }
    }

    var isEmpty: Bool {
        stopReason != nil || state.withLock { $0.next >= cases.count } || WorkerSlot.now() >= deadline
    }

    func next() -> (Int, TrialCase)? {
        guard WorkerSlot.now() < deadline, stopReason == nil else { return nil }
        return state.withLock { state in
            guard state.next < cases.count else { return nil }
            defer { state.next += 1 }
            return (state.next, cases[state.next])
        }
    }

    /// Counts a finished case; after `maxConsecutiveFailures` worker failures in a row the
    /// run is aborted.
    func record(_ outcome: Outcome) {
        guard outcome != .notRun else { return }
        state.withLock { state in
            guard outcome.isWorkerFailure else {
                state.failuresInARow = 0
                return
            }
            state.failuresInARow += 1
            if state.failuresInARow >= maxConsecutiveFailures && state.stop == nil {
                state.stop = .aborted(
                    "aborted after \(state.failuresInARow) cases in a row timed out or crashed "
                        + "(limits.max_consecutive_failures)")
            }
        }
    }

    /// Cases never handed out (the trial ran out of time or was stopped).
    var untaken: [(Int, TrialCase)] {
        state.withLock { state in
            let start = state.next
            state.next = cases.count
            return (start..<cases.count).map { ($0, cases[$0]) }
        }
    }
}
