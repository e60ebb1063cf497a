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

/// Runs one plugin's trial and writes it to the store as it goes.
struct TrialRecorder {
    let store: ComparisonStore
    let policy: Policy
    let policyPath: String
    let fixtures: FixtureSet
    let seed: UInt64
    let workers: Int

    /// Runs the trial and returns its id.
    ///
    /// - Throws: ``PluginFailure`` when the plugin could not be loaded (recorded as a
    ///   failed trial), ``CLIError`` when the policy, machine or store stops everything.
    func trial(pluginPath: String, cases: [FixtureCase], limit: Int?, inFlight: Int) throws -> Int64 {
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
        let runner = TrialRunner(launch: launch, workers: workers, window: inFlight)
        let loaded: LoadedPlugin
        do {
            loaded = try runner.load()
        } catch {
            throw try classify(error, pluginPath: pluginPath, startedAt: startedAt, sha256: launch.plugin.sha256)
        }
        let kinds = PluginRules.caseKinds(loaded.hello.caseKinds)
        var chosen = cases.filter { kinds.contains("*") || kinds.contains($0.kind) }
        if let limit { chosen = Array(chosen.prefix(limit)) }
        guard !chosen.isEmpty else {
            runner.close()
            let message = "\(pluginPath): answers case kinds \"\(loaded.hello.caseKinds)\", none of the selected cases"
            let id = try recordFailure(
                pluginPath: pluginPath, sha256: launch.plugin.sha256, startedAt: startedAt, message: message,
                hello: loaded)
            throw PluginFailure(trialID: id, message: message)
        }

        var trial = try stored { () throws(StoreError) in
            try store.begin(record(launch: launch, loaded: loaded, startedAt: startedAt))
        }
        let trialID = trial.id!
        try stored { () throws(StoreError) in
            try store.append(cases: [], events: loaded.events.map { event(trialID, $0) })
        }
        let (bands, thresholds) = try Self.gradeBands()
        // Gold answers parsed and secrets made into needles once, not once per answer.
        let fixtureByID = Dictionary(
            chosen.map { ($0.id, PreparedCase($0)) }, uniquingKeysWith: { first, _ in first })
        let storeError = Mutex<StoreError?>(nil)
        let scored = Mutex<[ScoredCase]>([])
        let latencies = Mutex<[Int64]>([])
        let sink = ResultSink { [store] results in
            guard storeError.withLock({ $0 == nil }) else { return }
            // Scored as the results arrive, on the host: answers, stdout and stderr all checked.
            var records: [CaseRecord] = []
            var leaks: [LeakRecord] = []
            var batch: [ScoredCase] = []
            for result in results {
                var record = Self.caseRecord(trialID, result)
                if let fixture = fixtureByID[result.caseID] {
                    let score = ScoredCase.score(
                        fixture, outcome: result.outcome.rawValue, answer: record.answer, stdout: record.stdout,
                        stderr: record.stderr, deniedSyscalls: result.events.filter { $0.kind == .deniedSyscall }.count,
                        concurrent: result.concurrentCaseIDs.compactMap { fixtureByID[$0] })
                    record.score = score.score.score
                    record.scoreParts = Self.json(score.score.parts)
                    leaks += score.leaks.map {
                        LeakRecord(
                            trialId: trialID, caseId: $0.caseID, identifierKind: $0.identifierKind,
                            channel: $0.channel.rawValue, match: $0.match.rawValue, excerpt: $0.excerpt)
                    }
                    batch.append(score)
                }
                records.append(record)
            }
            scored.withLock { $0 += batch }
            latencies.withLock { all in
                all += results.filter(\.outcome.isTimed).map(\.latencyMicros)
            }
            let events = results.flatMap { $0.events.map { event(trialID, $0) } }
            do throws(StoreError) {
                try store.append(cases: records, events: events, leaks: leaks)
            } catch {
                storeError.withLock { $0 = error }
            }
        }
        Diagnostics.progress("running \(chosen.count) cases with \(workers) worker(s)")
        let statistics = runner.run(chosen.map(Self.trialCase), sink: sink)
        if let error = storeError.withLock({ $0 }) {
            // The trial stays `incomplete`: the batches written so far are whole.
            throw CLIError(.store, error.description)
        }
        let denied =
            scored.withLock { $0.map(\.deniedSyscalls).reduce(0, +) }
            + loaded.events.filter { $0.kind == .deniedSyscall }.count
        let score = TrialScore(
            cases: scored.withLock { $0 }, deniedSyscalls: denied,
            latencyP95: LatencySummary(micros: latencies.withLock { $0 }).p95, bands: bands)
        trial.status = "complete"
        trial.finishedAt = Self.timestamp()
        trial.peakRSSBytes = Int64(statistics.peakRSSBytes)
        trial.wallMicros = statistics.wallMicros
        trial.cpuUserMicros = statistics.cpuUserMicros
        trial.cpuSystemMicros = statistics.cpuSystemMicros
        trial.scoring = Self.json(score)
        trial.gradeThresholds = thresholds
        try stored { () throws(StoreError) in try store.finish(trial) }
        return trialID
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
            pluginPath: URL(fileURLWithPath: pluginPath).standardizedFileURL.path, pluginSHA256: sha256,
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
        TrialRecord(
            status: "incomplete", pluginName: loaded.hello.name, pluginVersion: loaded.hello.version,
            pluginPath: launch.plugin.path, pluginSHA256: launch.plugin.sha256, pluginCaseKinds: loaded.hello.caseKinds,
            policyName: policy.name, policySHA256: policy.sha256, fixtureSet: fixtures.name,
            fixtureSeed: Int64(bitPattern: seed), fixtureSHA256: fixtures.sha256,
            isolation: Self.json(loaded.isolation.layers), isolationNotes: Self.json(loaded.isolation.notes),
            landlockABI: loaded.isolation.landlockABI, kernel: Self.kernel, sandpitVersion: Sandpit.version,
            workers: workers, startedAt: startedAt, coldStartMicros: loaded.coldStartMicros,
            loadStdout: Self.text(loaded.stdout), loadStderr: Self.text(loaded.stderr))
    }

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
        CaseRecord(
            trialId: trialID, caseId: result.caseID, position: result.index, kind: result.kind,
            outcome: result.outcome.rawValue, latencyMicros: result.latencyMicros, answer: text(result.answer),
            answerSHA256: SHA256.hex(of: result.answer), stdout: text(result.stdout), stderr: text(result.stderr),
            detail: result.detail, worker: result.worker)
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
