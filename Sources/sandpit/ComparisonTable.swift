import Foundation

/// The side-by-side table `sandpit run` prints: one column per trial.
enum ComparisonTable {
    static func render(_ reports: [TrialReport]) -> String {
        var rows: [(String, [String])] = []
        func row(_ label: String, _ value: (TrialReport) -> String) { rows.append((label, reports.map(value))) }
        row("trial") { "#\($0.trial.id)" }
        row("plugin") {
            $0.trial.plugin.name.isEmpty
                ? URL(fileURLWithPath: $0.trial.plugin.path).lastPathComponent : $0.trial.plugin.name
        }
        row("version") { $0.trial.plugin.version }
        row("status") { $0.trial.status }
        row("policy") { $0.trial.policy.name }
        row("cases") { "\($0.summary.cases)" }
        for outcome in [
            "ok", "error", "timeout", "crashed", "killed_by_policy", "memory_limit", "output_limit", "protocol_error",
            "not_run",
        ] {
            if outcome == "ok" || reports.contains(where: { $0.summary.outcomes[outcome, default: 0] > 0 }) {
                row("  \(outcome)") { "\($0.summary.outcomes[outcome, default: 0])" }
            }
        }
        let kinds = Set(reports.flatMap { $0.summary.quality.keys }).sorted()
        for kind in kinds {
            row("quality \(kind)") { report in
                guard let q = report.summary.quality[kind] else { return "-" }
                let grade = report.summary.grades["quality.\(kind)"] ?? ""
                return String(format: "%.2f", q.score) + (grade.isEmpty ? "" : " \(grade)")
                    + String(format: ", worst %.2f", q.robustness)
            }
        }
        row("leaks") { r in
            let grade = r.summary.grades["leak_rate"] ?? ""
            return "\(r.summary.leaks), " + String(format: "%.0f%%", r.summary.leakRate * 100) + " of cases"
                + (grade.isEmpty ? "" : " \(grade)")
        }
        row("unexpected ids") { "\($0.summary.unexpectedIdentifiers)" }
        row("safety") { r in
            (r.summary.safety?.verdict ?? "-") + " (\(r.summary.safetyEvents) events)"
        }
        row("latency p50 ms") { format($0.summary.latencyMs.p50) }
        row("latency p95 ms") { r in
            format(r.summary.latencyMs.p95) + (r.summary.grades["latency_p95_ms"].map { " \($0)" } ?? "")
        }
        row("latency max ms") { format($0.summary.latencyMs.max) }
        if reports.contains(where: \.trial.timingInconsistent) {
            row("timing") { $0.trial.timingInconsistent ? "inconsistent, not graded" : "checked" }
        }
        row("cases/s") { $0.summary.throughputCasesPerS.map { String(Int($0)) } ?? missing }
        row("cold start ms") { format($0.trial.coldStartMs) }
        row("peak RSS MiB") { format($0.summary.peakRSSBytes.map { Double($0) / 1_048_576 }) }
        row("isolation") { isolationSummary($0.trial.isolation) }
        row("error") { $0.trial.error.map { String($0.prefix(60)) } ?? "" }
        if reports.allSatisfy({ $0.trial.error == nil }) { rows.removeLast() }

        let labelWidth = rows.map(\.0.count).max() ?? 0
        let widths = reports.indices.map { i in rows.map { $0.1[i].count }.max() ?? 0 }
        return rows.map { label, values in
            var line = label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
            for (i, value) in values.enumerated() {
                line += "  " + value.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            return String(line.reversed().drop(while: { $0 == " " }).reversed())
        }.joined(separator: "\n")
    }

    /// What a table shows where nothing was measured (JSON says null).
    static let missing = "–"

    static func format(_ value: Double?) -> String {
        guard let value else { return missing }
        return String(format: value < 10 ? "%.3f" : "%.1f", value)
    }

    /// The main layers, as short names; the count of all that are active.
    static func isolationSummary(_ layers: [String: Bool]) -> String {
        let short = [
            ("seccomp", "seccomp"), ("landlock", "landlock"), ("no_new_privs", "nnp"), ("user_namespace", "userns"),
            ("net_namespace", "netns"), ("rlimits", "rlimits"),
        ]
        guard !layers.isEmpty else { return "-" }
        let off = short.filter { layers[$0.0] != true }.map(\.1)
        let count = "\(layers.values.filter { $0 }.count)/\(layers.count) layers"
        return off.isEmpty ? count : count + ", no " + off.joined(separator: " ")
    }
}
