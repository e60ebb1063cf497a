import ArgumentParser
import ComparisonStore
import Foundation

/// `sandpit show TRIAL`: one trial in full.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one trial: summary, cases, safety events.")

    @Argument(help: "The trial's id (see sandpit trials).")
    var trial: Int64

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        try reporting {
            // No store at all: no trial by that id either.
            guard FileManager.default.fileExists(atPath: storeOptions.path) else {
                throw CLIError(.notFound, "no trial \(trial): no store at \(storeOptions.path)")
            }
            let store = try storeOptions.openForReading()
            let report = try TrialReport.load(id: trial, store: store)
            if output.json {
                try Output.json(report)
                return
            }
            let t = report.trial
            Output.line("Trial #\(t.id)  \(t.status)")
            Output.line("  plugin    \(t.plugin.name) \(t.plugin.version)  (\(t.plugin.path))")
            Output.line("  sha256    \(t.plugin.sha256)")
            Output.line("  policy    \(t.policy.name)  sha256 \(t.policy.sha256.prefix(16))…")
            Output.line(
                "  fixtures  \(t.fixtures.set) seed \(t.fixtures.seed)  sha256 \(t.fixtures.sha256.prefix(16))…")
            Output.line("  started   \(t.startedAt)   finished \(t.finishedAt ?? "—")")
            if let error = t.error { Output.line("  error     \(error)") }
            let on = t.isolation.filter(\.value).keys.sorted().joined(separator: ", ")
            let off = t.isolation.filter { !$0.value }.keys.sorted().joined(separator: ", ")
            Output.line("  isolation \(on.isEmpty ? "none" : on)")
            if !off.isEmpty { Output.line("  inactive  \(off)") }
            for note in t.isolationNotes { Output.line("            \(note)") }
            let s = report.summary
            Output.line("")
            let outcomes = s.outcomes.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            Output.line("  cases     \(s.cases)   \(outcomes.joined(separator: ", "))")
            let l = s.latencyMs
            let f = ComparisonTable.format
            Output.line("  latency   p50 \(f(l.p50)) ms  p95 \(f(l.p95)) ms  p99 \(f(l.p99)) ms  max \(f(l.max)) ms")
            if t.timingInconsistent {
                Output.line("  timing    timing_inconsistent: the worker's service times failed the host's checks;")
                Output.line("            latency is not graded")
                for note in t.timingNotes { Output.line("            \(note)") }
            }
            Output.line(
                "  safety    \(s.safetyEvents) events, \(s.deniedSyscalls) denied system calls, "
                    + "\(s.deniedAccesses) denied accesses"
                    + (s.safetyByCategory.isEmpty
                        ? ""
                        : "  ("
                            + s.safetyByCategory.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                                separator: ", ") + ")"))
            let troubled = report.cases.filter { $0.outcome != "ok" }
            if !troubled.isEmpty {
                Output.line("")
                Output.line("Cases that did not end ok:")
                Output.line(
                    TextTable.render(
                        [["CASE", "OUTCOME", "DETAIL"]]
                            + troubled.prefix(50).map { [$0.id, $0.outcome, String(($0.detail ?? "").prefix(90))] }))
                if troubled.count > 50 { Output.line("… and \(troubled.count - 50) more (use --json)") }
            }
            if !report.safetyEvents.isEmpty {
                Output.line("")
                Output.line("Safety events:")
                Output.line(
                    TextTable.render(
                        [["CASE", "PHASE", "KIND", "SYSCALL", "CATEGORY", "DETAIL"]]
                            + report.safetyEvents.prefix(50).map {
                                [
                                    $0.caseID ?? "(loading)", $0.phase, $0.kind, $0.syscall ?? "", $0.category,
                                    String($0.detail.prefix(70)),
                                ]
                            }))
                if report.safetyEvents.count > 50 {
                    Output.line("… and \(report.safetyEvents.count - 50) more (use --json)")
                }
            }
        }
    }
}
