import ComparisonStore
import Foundation
import Sandbox
import Scoring

/// One trial as `show --json` prints it and `run --json` lists it. Scripts depend on
/// these names: add fields, never rename or remove one.
struct TrialReport: Encodable {
    struct Plugin: Encodable {
        var name, version, path, sha256: String
        var caseKinds: String
        enum CodingKeys: String, CodingKey { case name, version, path, sha256, caseKinds = "case_kinds" }
    }
    struct PolicyRef: Encodable { var name, sha256: String }
    struct FixturesRef: Encodable {
        var set: String
        var seed: Int64
        var sha256: String
    }
    struct Trial: Encodable {
        var id: Int64
        var status: String
        var plugin: Plugin
        var policy: PolicyRef
        var fixtures: FixturesRef
        var isolation: [String: Bool]
        var isolationNotes: [String]
        var landlockABI: Int
        var startedAt: String
        var finishedAt: String?
        var error: String?
        var workers: Int
        var kernel: String
        var sandpitVersion: String
        /// Nil when no worker became ready (a failed trial).
        var coldStartMs: Double?
        /// A worker's service times failed the host's checks: latency is shown, not graded.
        var timingInconsistent: Bool
        var timingNotes: [String]
        enum CodingKeys: String, CodingKey {
            case id, status, plugin, policy, fixtures, isolation, error, workers, kernel
            case isolationNotes = "isolation_notes", landlockABI = "landlock_abi", startedAt = "started_at"
            case finishedAt = "finished_at", sandpitVersion = "sandpit_version", coldStartMs = "cold_start_ms"
            case timingInconsistent = "timing_inconsistent", timingNotes = "timing_notes"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(status, forKey: .status)
            try c.encode(plugin, forKey: .plugin)
            try c.encode(policy, forKey: .policy)
            try c.encode(fixtures, forKey: .fixtures)
            try c.encode(isolation, forKey: .isolation)
            try c.encode(isolationNotes, forKey: .isolationNotes)
            try c.encode(landlockABI, forKey: .landlockABI)
            try c.encode(startedAt, forKey: .startedAt)
            try c.encode(finishedAt, forKey: .finishedAt)  // null while incomplete
            try c.encode(error, forKey: .error)
            try c.encode(workers, forKey: .workers)
            try c.encode(kernel, forKey: .kernel)
            try c.encode(sandpitVersion, forKey: .sandpitVersion)
            try c.encode(coldStartMs, forKey: .coldStartMs)
            try c.encode(timingInconsistent, forKey: .timingInconsistent)
            try c.encode(timingNotes, forKey: .timingNotes)
        }
    }
    struct Summary: Encodable {
        var cases: Int
        var outcomes: [String: Int]
        var safetyEvents: Int
        var deniedSyscalls: Int
        /// Files and connections Landlock refused (from the kernel's audit records).
        var deniedAccesses: Int
        var safetyByCategory: [String: Int]
        var leaks: Int
        var leakRate: Double
        var unexpectedIdentifiers: Int
        var privacy: TrialScore.Privacy?
        var quality: [String: TrialScore.KindQuality]
        var safety: TrialScore.Safety?
        var grades: [String: String]
        var gradesVersion: Int?
        var latencyMs: LatencySummary
        /// Nil when no case was answered.
        var throughputCasesPerS: Double?
        /// Nil when no worker was measured.
        var peakRSSBytes: Int64?
        var cpuUserMs: Double
        var cpuSystemMs: Double
        enum CodingKeys: String, CodingKey {
            case cases, outcomes, leaks, privacy, quality, safety, grades
            case safetyEvents = "safety_events", deniedSyscalls = "denied_syscalls", deniedAccesses = "denied_accesses"
            case safetyByCategory = "safety_by_category", latencyMs = "latency_ms", leakRate = "leak_rate"
            case unexpectedIdentifiers = "unexpected_identifiers", gradesVersion = "grades_version"
            case throughputCasesPerS = "throughput_cases_per_s", peakRSSBytes = "peak_rss_bytes"
            case cpuUserMs = "cpu_user_ms", cpuSystemMs = "cpu_system_ms"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(cases, forKey: .cases)
            try c.encode(outcomes, forKey: .outcomes)
            try c.encode(leaks, forKey: .leaks)
            try c.encodeIfPresent(privacy, forKey: .privacy)
            try c.encode(quality, forKey: .quality)
            try c.encodeIfPresent(safety, forKey: .safety)
            try c.encode(grades, forKey: .grades)
            try c.encode(safetyEvents, forKey: .safetyEvents)
            try c.encode(deniedSyscalls, forKey: .deniedSyscalls)
            try c.encode(deniedAccesses, forKey: .deniedAccesses)
            try c.encode(safetyByCategory, forKey: .safetyByCategory)
            try c.encode(latencyMs, forKey: .latencyMs)
            try c.encode(leakRate, forKey: .leakRate)
            try c.encode(unexpectedIdentifiers, forKey: .unexpectedIdentifiers)
            try c.encodeIfPresent(gradesVersion, forKey: .gradesVersion)
            // null, not absent, where nothing was measured.
            try c.encode(throughputCasesPerS, forKey: .throughputCasesPerS)
            try c.encode(peakRSSBytes, forKey: .peakRSSBytes)
            try c.encode(cpuUserMs, forKey: .cpuUserMs)
            try c.encode(cpuSystemMs, forKey: .cpuSystemMs)
        }
    }
    struct Event: Encodable {
        var kind: String
        var syscall: String?
        var detail: String
        var category: String
        var phase: String
        var caseID: String?
        var arguments: [UInt64]
        enum CodingKeys: String, CodingKey {
            case kind, syscall, detail, category, phase, arguments
            case caseID = "case_id"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(kind, forKey: .kind)
            try c.encode(syscall, forKey: .syscall)
            try c.encode(detail, forKey: .detail)
            try c.encode(category, forKey: .category)
            try c.encode(phase, forKey: .phase)
            try c.encode(caseID, forKey: .caseID)
            try c.encode(arguments, forKey: .arguments)
        }
    }
    struct Case: Encodable {
        var id, kind, outcome: String
        /// The plugin's service time (the worker's measure, checked by the host).
        var latencyMs: Double
        /// What the host saw; nil for cases never run.
        var hostLatencyMs: Double?
        var detail: String?
        var answer: String
        var stdout: String
        var stderr: String
        var score: Double?
        var scoreParts: [String: Double]?
        var safetyEvents: [Event]
        var leaks: [Leak]
        enum CodingKeys: String, CodingKey {
            case id, kind, outcome, detail, answer, stdout, stderr, leaks, score
            case latencyMs = "latency_ms", safetyEvents = "safety_events", scoreParts = "score_parts"
            case hostLatencyMs = "host_latency_ms"
        }
    }

    var trial: Trial
    var summary: Summary
    var cases: [Case]
    var safetyEvents: [Event]
    var leaks: [Leak]
    enum CodingKeys: String, CodingKey {
        case trial, summary, cases, leaks
        case safetyEvents = "safety_events"
    }

    /// Reads trial `id` and everything recorded with it.
    static func load(id: Int64, store: ComparisonStore) throws(CLIError) -> TrialReport {
        guard let record = try stored({ () throws(StoreError) in try store.trial(id: id) }) else {
            throw CLIError(.notFound, "no trial \(id) in \(store.path) (see sandpit trials)")
        }
        let caseRecords = try stored { () throws(StoreError) in try store.cases(trial: id) }
        let eventRecords = try stored { () throws(StoreError) in try store.events(trial: id) }
        let leakRecords = try stored { () throws(StoreError) in try store.leaks(trial: id) }
        return TrialReport(record: record, cases: caseRecords, events: eventRecords, leaks: leakRecords)
    }

    init(
        record: TrialRecord, cases caseRecords: [CaseRecord], events eventRecords: [SafetyEventRecord],
        leaks leakRecords: [LeakRecord]
    ) {
        let allLeaks = leakRecords.map {
            Leak(
                caseID: $0.caseId, identifierKind: $0.identifierKind,
                channel: Leak.Channel(rawValue: $0.channel) ?? .answer,
                match: Leak.Match(rawValue: $0.match) ?? .exact, excerpt: $0.excerpt)
        }
        let leaksByCase = Dictionary(grouping: allLeaks, by: \.caseID)
        let scoring = record.scoring.flatMap { try? JSONDecoder().decode(TrialScore.self, from: Data($0.utf8)) }
        let events = eventRecords.map { e in
            Event(
                kind: e.kind, syscall: e.syscall, detail: e.detail, category: e.category, phase: e.phase,
                caseID: e.caseId,
                arguments: (try? JSONDecoder().decode([UInt64].self, from: Data(e.arguments.utf8))) ?? [])
        }
        let byCase = Dictionary(grouping: events.filter { $0.caseID != nil }, by: { $0.caseID! })
        cases = caseRecords.map { c in
            Case(
                id: c.caseId, kind: c.kind, outcome: c.outcome, latencyMs: Double(c.latencyMicros) / 1000,
                hostLatencyMs: c.hostLatencyMicros.map { Double($0) / 1000 },
                detail: c.detail, answer: c.answer, stdout: c.stdout, stderr: c.stderr, score: c.score,
                scoreParts: c.scoreParts.flatMap {
                    try? JSONDecoder().decode([String: Double].self, from: Data($0.utf8))
                },
                safetyEvents: byCase[c.caseId] ?? [], leaks: leaksByCase[c.caseId] ?? [])
        }
        safetyEvents = events
        leaks = allLeaks
        var outcomes = Dictionary(uniqueKeysWithValues: Outcome.allCases.map { ($0.rawValue, 0) })
        for c in caseRecords { outcomes[c.outcome, default: 0] += 1 }
        let timed = caseRecords.filter { Outcome(rawValue: $0.outcome)?.isTimed == true }.map(\.latencyMicros)
        let wall = Double(record.wallMicros) / 1e6
        let ran = caseRecords.filter { $0.outcome != Outcome.notRun.rawValue }.count
        summary = Summary(
            cases: caseRecords.count, outcomes: outcomes, safetyEvents: events.count,
            deniedSyscalls: events.filter { $0.kind == SafetyEvent.Kind.deniedSyscall.rawValue }.count,
            deniedAccesses: events.filter { $0.kind == SafetyEvent.Kind.deniedAccess.rawValue }.count,
            safetyByCategory: Dictionary(grouping: events, by: \.category).mapValues(\.count), leaks: allLeaks.count,
            leakRate: scoring?.privacy.leakRate ?? 0,
            unexpectedIdentifiers: scoring?.privacy.unexpectedIdentifiers ?? 0,
            privacy: scoring?.privacy, quality: scoring?.quality ?? [:], safety: scoring?.safety,
            grades: scoring?.grades ?? [:], gradesVersion: scoring?.gradesVersion,
            latencyMs: LatencySummary(micros: timed),
            throughputCasesPerS: wall > 0 && !timed.isEmpty ? (Double(ran) / wall).rounded() : nil,
            peakRSSBytes: record.peakRSSBytes > 0 ? record.peakRSSBytes : nil,
            cpuUserMs: Double(record.cpuUserMicros) / 1000,
            cpuSystemMs: Double(record.cpuSystemMicros) / 1000)
        let isolation = (try? JSONDecoder().decode([String: Bool].self, from: Data(record.isolation.utf8))) ?? [:]
        let notes = (try? JSONDecoder().decode([String].self, from: Data(record.isolationNotes.utf8))) ?? []
        trial = Trial(
            id: record.id ?? 0, status: record.status,
            plugin: Plugin(
                name: record.pluginName, version: record.pluginVersion, path: record.pluginPath,
                sha256: record.pluginSHA256, caseKinds: record.pluginCaseKinds),
            policy: PolicyRef(name: record.policyName, sha256: record.policySHA256),
            fixtures: FixturesRef(set: record.fixtureSet, seed: record.fixtureSeed, sha256: record.fixtureSHA256),
            isolation: isolation, isolationNotes: notes, landlockABI: record.landlockABI, startedAt: record.startedAt,
            finishedAt: record.finishedAt, error: record.error, workers: record.workers, kernel: record.kernel,
            sandpitVersion: record.sandpitVersion,
            coldStartMs: record.coldStartMicros > 0 ? Double(record.coldStartMicros) / 1000 : nil,
            timingInconsistent: record.timingInconsistent,
            timingNotes: record.timingNotes.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
                ?? [])
    }
}
