import ComparisonStore
import Digest
import Fixtures
import Foundation
import Sandbox
import SandboxPolicy
import Scoring
import Synchronization

/// A plugin that could not be trialled; its trial is recorded as failed.
struct PluginFailure: Error {
    var trialID: Int64
    var message: String
}

/// How a trial run ended, for the command to report.
struct RecordedTrial {
    var id: Int64
    /// Why the run stopped early, if it did.
    var stop: StopReason?
    /// Cases the trial has stored, and cases it was meant to run.
    var recorded: Int
    var total: Int
}

/// Runs one plugin's trial and writes it to the store as it goes: finished cases are
/// committed in batches a fraction of a second behind, so a host that is killed keeps them.
struct TrialRecorder {
    let store: ComparisonStore
    let policy: Policy
    let policyPath: String
    let fixtures: FixtureSet
    let options: RunOptions
    let interruption: Interruption
    /// How `run --resume` finds the policy again: a shipped policy's name, or an absolute path.
    let policySource: String

    var seed: UInt64 { options.seed }
    var workers: Int { options.workers }

    /// Runs the trial (or the cases a stopped one is missing) and returns its id.
    ///
    /// - Parameter resuming: a trial stopped before it finished, checked by the caller to
    ///   have the same plugin, policy, fixtures and options: only its missing cases run.
    /// - Throws: ``PluginFailure`` when the plugin could not be loaded (recorded as a
    ///   failed trial), ``CLIError`` when the policy, machine or store stops everything.
    func trial(pluginPath: String, cases: [FixtureCase], resuming: TrialRecord? = nil) throws -> RecordedTrial {
        let startedAt = Self.timestamp()
        let launch: WorkerLaunch
        do {
            launch = try WorkerLaunch(
                workerExecutable: Locations.worker, pluginPath: pluginPath, policy: policy, policyPath: policyPath)
        } catch {
            throw try classify(error, pluginPath: pluginPath, startedAt: startedAt, sha256: nil)
        }
        Diagnostics.progress("loading \(pluginPath) under policy \(policy.name)")
        // The plugin is loaded before the cases are chosen: they depend on the kinds it answers.
        let runner = TrialRunner(launch: launch, workers: workers, window: options.inFlight)
        let loaded: LoadedPlugin
        do {
            loaded = try runner.load()
        } catch {
            throw try classify(error, pluginPath: pluginPath, startedAt: startedAt, sha256: launch.plugin.sha256)
        }
        let kinds = PluginRules.caseKinds(loaded.hello.caseKinds)
        var chosen = cases.filter { kinds.contains("*") || kinds.contains($0.kind) }
        if let limit = options.limit { chosen = Array(chosen.prefix(limit)) }
        guard !chosen.isEmpty else {
            runner.close()
            let message = "\(pluginPath): answers case kinds \"\(loaded.hello.caseKinds)\", none of the selected cases"
            let id = try recordFailure(
                pluginPath: pluginPath, sha256: launch.plugin.sha256, startedAt: startedAt, message: message,
                hello: loaded)
            throw PluginFailure(trialID: id, message: message)
        }
        if interruption.isInterrupted {
            runner.close()
            throw CLIError(.interrupted, "interrupted before any case ran; nothing was recorded")
        }

        var trial: TrialRecord
        var done: Set<String> = []
        if var earlier = resuming {
            earlier.status = "incomplete"
            earlier.error = nil
            earlier.finishedAt = nil
            trial = earlier
            try stored { () throws(StoreError) in try store.finish(trial) }
            done = try stored { () throws(StoreError) in try store.caseIDs(trial: earlier.id!) }
        } else {
            trial = try stored { () throws(StoreError) in
                try store.begin(record(launch: launch, loaded: loaded, startedAt: startedAt))
            }
        }
        let trialID = trial.id!
        try stored { () throws(StoreError) in
            try store.append(cases: [], events: loaded.events.map { event(trialID, $0) })
        }
        let (bands, thresholds) = try Self.gradeBands()
        // Gold answers parsed and secrets made into needles once, not once per answer.
        let fixtureByID = Dictionary(
            chosen.map { ($0.id, PreparedCase($0)) }, uniquingKeysWith: { first, _ in first })
        let collector = ScoreCollector(store: store, trialID: trialID, fixtures: fixtureByID)
        let remaining = chosen.filter { !done.contains($0.id) }
        Diagnostics.progress("running \(remaining.count) cases with \(workers) worker(s)")
        let statistics = runner.run(
            remaining.map(Self.trialCase), sink: ResultSink { collector.add($0) }, interruption: interruption)
        if let error = collector.storeError {
            // The trial stays `incomplete`: the batches written so far are whole.
            throw CLIError(.store, error.description)
        }
        trial.peakRSSBytes = max(trial.peakRSSBytes, Int64(statistics.peakRSSBytes))
        trial.wallMicros += statistics.wallMicros
        trial.cpuUserMicros += statistics.cpuUserMicros
        trial.cpuSystemMicros += statistics.cpuSystemMicros
        if statistics.timingViolations > 0 {
            let earlier = trial.timingNotes.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
            trial.timingInconsistent = true
            trial.timingNotes = Self.json(Array(((earlier ?? []) + statistics.timingNotes).prefix(10)))
        }
        let recorded = try stored { () throws(StoreError) in try store.caseCount(trial: trialID) }
        if statistics.stop == .interrupted {
            trial.status = "interrupted"
            trial.error = "interrupted (\(recorded) of \(chosen.count) cases recorded)"
            try stored { () throws(StoreError) in try store.finish(trial) }
            return RecordedTrial(id: trialID, stop: .interrupted, recorded: recorded, total: chosen.count)
        }

        // Scored over every case the trial holds: on a resume, the earlier ones are scored
        // again from what was stored (scoring is deterministic).
        var scored = collector.scored
        var latencies = collector.latencies
        if !done.isEmpty {
            let earlier = try rescore(trialID: trialID, done: done, fixtures: fixtureByID)
            scored += earlier.scored
            latencies += earlier.latencies
        }
        // Every denial the trial holds, from every session of it, loading and between cases too.
        let denied = try stored { () throws(StoreError) in
            try store.eventCount(trial: trialID, kinds: SafetyEvent.Kind.denials.map(\.rawValue))
        }
        let latencyP95 = trial.timingInconsistent ? nil : LatencySummary(micros: latencies).p95
        let score = TrialScore(cases: scored, deniedSyscalls: denied, latencyP95: latencyP95, bands: bands)
        if case .aborted(let reason) = statistics.stop {
            trial.status = "aborted"
            trial.error = reason
        } else {
            trial.status = "complete"
        }
        trial.finishedAt = Self.timestamp()
        trial.scoring = Self.json(score)
        trial.gradeThresholds = thresholds
        try stored { () throws(StoreError) in try store.finish(trial) }
        return RecordedTrial(id: trialID, stop: statistics.stop, recorded: recorded, total: chosen.count)
    }

    /// Scores the cases a trial stored before it was resumed, from the store.
    private func rescore(trialID: Int64, done: Set<String>, fixtures: [String: PreparedCase]) throws
        -> (scored: [ScoredCase], latencies: [Int64])
    {
        let records = try stored { () throws(StoreError) in try store.cases(trial: trialID) }
        let events = try stored { () throws(StoreError) in try store.events(trial: trialID) }
        let denialsByCase = Dictionary(
            grouping: events.filter { SafetyEvent.Kind(rawValue: $0.kind)?.isDenial == true && $0.phase == "run" },
            by: { $0.caseId ?? "" }
        ).mapValues(\.count)
        var scored: [ScoredCase] = []
        var latencies: [Int64] = []
        for record in records where done.contains(record.caseId) {
            guard let outcome = Outcome(rawValue: record.outcome), outcome != .notRun,
                let fixture = fixtures[record.caseId]
            else { continue }
            if outcome.isTimed { latencies.append(record.latencyMicros) }
            scored.append(
                ScoredCase.score(
                    fixture, outcome: record.outcome, answer: record.answer, stdout: record.stdout,
                    stderr: record.stderr, deniedSyscalls: denialsByCase[record.caseId] ?? 0))
        }
        return (scored, latencies)
    }

    /// Policy and machine problems stop the run; plugin problems fail this trial only.
    private func classify(_ error: SandboxError, pluginPath: String, startedAt: String, sha256: String?) throws
        -> PluginFailure
    {
        switch error.code {
        case .policy: throw CLIError(.policy, error.description)
        case .requiredLayerMissing: throw CLIError(.isolation, error.description)
        case .worker where !FileManager.default.isExecutableFile(atPath: Locations.worker):
            throw CLIError(.installation, error.description)
        case .system: throw CLIError(.installation, error.description)
        default:
            let id = try recordFailure(
                pluginPath: pluginPath, sha256: sha256 ?? "", startedAt: startedAt, message: error.description,
                hello: nil)
            return PluginFailure(trialID: id, message: error.description)
        }
    }

    private func recordFailure(
        pluginPath: String, sha256: String, startedAt: String, message: String, hello: LoadedPlugin?
    )
        throws -> Int64
    {
        var record = TrialRecord(
            status: "failed", pluginName: hello?.hello.name ?? "", pluginVersion: hello?.hello.version ?? "",
            pluginPath: Self.absolute(pluginPath), pluginSHA256: sha256,
            pluginCaseKinds: hello?.hello.caseKinds ?? "", policyName: policy.name, policySHA256: policy.sha256,
            fixtureSet: fixtures.name, fixtureSeed: Int64(bitPattern: seed), fixtureSHA256: fixtures.sha256,
            isolation: Self.json(hello?.isolation.layers ?? [:]),
            isolationNotes: Self.json(hello?.isolation.notes ?? []),
            landlockABI: hello?.isolation.landlockABI ?? 0, kernel: Self.kernel, sandpitVersion: Sandpit.version,
            workers: workers, startedAt: startedAt)
        record = try stored { () throws(StoreError) in try store.begin(record) }
        record.status = "failed"
        record.error = message
        record.finishedAt = Self.timestamp()
        try stored { () throws(StoreError) in try store.finish(record) }
        return record.id!
    }

    private func record(launch: WorkerLaunch, loaded: LoadedPlugin, startedAt: String) -> TrialRecord {
        var record = TrialRecord(
            status: "incomplete", pluginName: loaded.hello.name, pluginVersion: loaded.hello.version,
            pluginPath: launch.plugin.path, pluginSHA256: launch.plugin.sha256, pluginCaseKinds: loaded.hello.caseKinds,
            policyName: policy.name, policySHA256: policy.sha256, fixtureSet: fixtures.name,
            fixtureSeed: Int64(bitPattern: seed), fixtureSHA256: fixtures.sha256,
            isolation: Self.json(loaded.isolation.layers), isolationNotes: Self.json(loaded.isolation.notes),
            landlockABI: loaded.isolation.landlockABI, kernel: Self.kernel, sandpitVersion: Sandpit.version,
            workers: workers, startedAt: startedAt, coldStartMicros: loaded.coldStartMicros,
            loadStdout: Self.text(loaded.stdout), loadStderr: Self.text(loaded.stderr))
        record.policyPath = policySource
        record.runOptions = Self.json(options)
        return record
    }

    static func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }

    /// The grade thresholds in force: `fixtures/grades-v1.json`, kept with each trial.
    static func gradeBands() throws(CLIError) -> (GradeBands, String) {
        guard let home = Locations.home else {
            throw CLIError(.fixtures, "no fixtures directory found for the grade thresholds; set SANDPIT_HOME")
        }
        do {
            let (bands, text) = try GradeBands.load(home + "/fixtures/grades-v1.json")
            return (bands, text)
        } catch {
            throw CLIError(.fixtures, error.description)
        }
    }

    static func trialCase(_ fixture: FixtureCase) -> TrialCase {
        TrialCase(id: fixture.id, kind: fixture.kind, payload: fixture.pluginInput)
    }

    static func caseRecord(_ trialID: Int64, _ result: CaseResult) -> CaseRecord {
        var record = CaseRecord(
            trialId: trialID, caseId: result.caseID, position: result.index, kind: result.kind,
            outcome: result.outcome.rawValue, latencyMicros: result.latencyMicros, answer: text(result.answer),
            answerSHA256: SHA256.hex(of: result.answer), stdout: text(result.stdout), stderr: text(result.stderr),
            detail: result.detail, worker: result.worker)
        record.hostLatencyMicros = result.outcome == .notRun ? nil : result.hostLatencyMicros
        return record
    }

    /// Bytes as stored text; invalid UTF-8 is kept visible as U+FFFD rather than dropped.
    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    static let kernel: String = {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }()
}

func event(_ trialID: Int64, _ event: SafetyEvent) -> SafetyEventRecord {
    SafetyEventRecord(
        trialId: trialID, caseId: event.caseID, kind: event.kind.rawValue, syscall: event.syscall,
        arguments: TrialRecorder.json(event.arguments), detail: event.detail, category: event.category,
        phase: event.phase)
}

/// Runs a store call, reporting its failure as the CLI's store error.
func stored<T>(_ body: () throws(StoreError) -> T) throws(CLIError) -> T {
    do {
        return try body()
    } catch {
        throw CLIError(.store, error.description)
    }
}
