import ComparisonStore
import Sandbox
import Scoring
import Synchronization

/// Scores each batch of results as it arrives and commits it to the store, on the result
/// sink's thread: answers, stdout and stderr are all checked for leaks there, off the loop
/// that times the next case.
final class ScoreCollector: Sendable {
    private struct State {
        var scored: [ScoredCase] = []
        var latencies: [Int64] = []
        var storeError: StoreError?
    }

    let store: ComparisonStore
    let trialID: Int64
    let fixtures: [String: PreparedCase]
    private let state = Mutex(State())

    init(store: ComparisonStore, trialID: Int64, fixtures: [String: PreparedCase]) {
        self.store = store
        self.trialID = trialID
        self.fixtures = fixtures
    }

    /// Cases scored so far (not the ones never run).
    var scored: [ScoredCase] { state.withLock { $0.scored } }
    /// Service times of the cases the plugin answered, in microseconds.
    var latencies: [Int64] { state.withLock { $0.latencies } }
    /// The first store failure; batches after it are not written.
    var storeError: StoreError? { state.withLock { $0.storeError } }

    /// Scores and stores one batch, in one transaction.
    func add(_ batch: ResultBatch) {
        guard storeError == nil else { return }
        var records: [CaseRecord] = []
        var leaks: [LeakRecord] = []
        var scoredBatch: [ScoredCase] = []
        for result in batch.results {
            var record = TrialRecorder.caseRecord(trialID, result)
            let caseDenials = result.events.filter(\.kind.isDenial).count
            if result.outcome != .notRun, let fixture = fixtures[result.caseID] {
                let score = ScoredCase.score(
                    fixture, outcome: result.outcome.rawValue, answer: record.answer, stdout: record.stdout,
                    stderr: record.stderr, deniedSyscalls: caseDenials)
                record.score = score.score.score
                record.scoreParts = TrialRecorder.json(score.score.parts)
                leaks += score.leaks.map {
                    LeakRecord(
                        trialId: trialID, caseId: $0.caseID, identifierKind: $0.identifierKind,
                        channel: $0.channel.rawValue, match: $0.match.rawValue, excerpt: $0.excerpt)
                }
                scoredBatch.append(score)
            }
            records.append(record)
        }
        let events = (batch.results.flatMap(\.events) + batch.lateEvents).map { event(trialID, $0) }
        let timed = batch.results.filter(\.outcome.isTimed).map(\.latencyMicros)
        do throws(StoreError) {
            try store.append(cases: records, events: events, leaks: leaks)
        } catch {
            state.withLock { $0.storeError = error }
            return
        }
        state.withLock { state in
            state.scored += scoredBatch
            state.latencies += timed
        }
    }
}
