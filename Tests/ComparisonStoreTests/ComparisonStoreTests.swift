import Foundation
import GRDB
import Testing

@testable import ComparisonStore

@Suite struct ComparisonStoreTests {
    static func trial() -> TrialRecord {
        TrialRecord(
            status: "x", pluginName: "p", pluginVersion: "1", pluginPath: "/p.so", pluginSHA256: "aa",
            pluginCaseKinds: "*", policyName: "standard", policySHA256: "bb", fixtureSet: "common-cases",
            fixtureSeed: 0,
            fixtureSHA256: "cc", isolation: "{}", isolationNotes: "[]", landlockABI: 6, kernel: "6.18",
            sandpitVersion: "0.1.0", workers: 1, startedAt: "2026-11-23T00:00:00Z")
    }

    @Test func aTrialStartsIncompleteAndFinishes() throws {
        let store = try ComparisonStore.inMemory()
        var trial = try store.begin(Self.trial())
        #expect(trial.status == "incomplete")
        let id = try #require(trial.id)
        let cases = (0..<3).map {
            CaseRecord(
                trialId: id, caseId: "c\($0)", position: $0, kind: "triage", outcome: "ok", latencyMicros: 10,
                answer: "{}", answerSHA256: "dd", stdout: "", stderr: "", detail: nil, worker: 0)
        }
        let events = [
            SafetyEventRecord(
                trialId: id, caseId: "c1", kind: "denied_syscall", syscall: "socket", arguments: "[2,1,0,0,0,0]",
                detail: "denied with EPERM", category: "network", phase: "run")
        ]
        try store.append(cases: cases, events: events)
        #expect(try store.trial(id: id)?.status == "incomplete")
        trial.status = "complete"
        trial.finishedAt = "2026-11-23T00:00:01Z"
        try store.finish(trial)
        #expect(try store.trial(id: id)?.status == "complete")
        #expect(try store.cases(trial: id).map(\.caseId) == ["c0", "c1", "c2"])
        #expect(try store.events(trial: id).first?.syscall == "socket")
        #expect(try store.trials().count == 1)
        #expect(try store.caseCount(trial: id) == 3)
        #expect(try store.caseIDs(trial: id) == ["c0", "c1", "c2"])
        #expect(try store.eventCount(trial: id, kinds: ["denied_syscall", "denied_access"]) == 1)
        #expect(try store.eventCount(trial: id, kinds: ["timeout"]) == 0)
    }

    @Test func aFailedBatchLeavesNoHalfRows() throws {
        let store = try ComparisonStore.inMemory()
        let id = try #require(try store.begin(Self.trial()).id)
        let row = CaseRecord(
            trialId: id, caseId: "same", position: 0, kind: "triage", outcome: "ok", latencyMicros: 1, answer: "{}",
            answerSHA256: "", stdout: "", stderr: "", detail: nil, worker: 0)
        // The second row repeats the primary key: the whole batch must roll back.
        #expect(throws: StoreError.self) { try store.append(cases: [row, row], events: []) }
        #expect(try store.cases(trial: id).isEmpty)
    }

    func temporaryPath() -> String { NSTemporaryDirectory() + "sandpit-store-\(UUID().uuidString).sqlite" }

    @Test func aStoreFromANewerVersionIsRefused() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try ComparisonStore(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99-from-the-future')") }
        let error = #expect(throws: StoreError.self) { try ComparisonStore(path: path) }
        #expect(error?.code == .newerVersion)
        #expect(error?.description.contains("newer sandpit") == true)
    }

    @Test func aFileThatIsNotADatabaseIsRefused() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try String(repeating: "not sqlite ", count: 100).write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: StoreError.self) { try ComparisonStore(path: path) }
        #expect(error?.description.contains("not a sandpit store") == true, "\(error?.description ?? "")")
    }

    @Test func aStoreInAMissingDirectoryIsAClearError() {
        let error = #expect(throws: StoreError.self) { try ComparisonStore(path: "/nonexistent/dir/s.sqlite") }
        #expect(error?.description.hasPrefix("/nonexistent/dir/s.sqlite") == true)
    }
}
