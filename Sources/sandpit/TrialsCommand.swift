import ArgumentParser
import ComparisonStore
import Foundation

/// `sandpit trials`: every trial in the store, newest first.
struct TrialsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trials", abstract: "List the trials in the store.")

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    struct Row: Encodable {
        var id: Int64
        var plugin: String
        var version: String
        var policy: String
        var status: String
        var cases: Int
        var ok: Int
        var startedAt: String
        var finishedAt: String?
        enum CodingKeys: String, CodingKey {
            case id, plugin, version, policy, status, cases, ok
            case startedAt = "started_at", finishedAt = "finished_at"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(plugin, forKey: .plugin)
            try c.encode(version, forKey: .version)
            try c.encode(policy, forKey: .policy)
            try c.encode(status, forKey: .status)
            try c.encode(cases, forKey: .cases)
            try c.encode(ok, forKey: .ok)
            try c.encode(startedAt, forKey: .startedAt)
            try c.encode(finishedAt, forKey: .finishedAt)
        }
    }

    func run() throws {
        try reporting {
            let store = try storeOptions.openForReading()
            let rows = try stored { () throws(StoreError) in
                var rows: [Row] = []
                for t in try store.trials() {
                    let cases = try store.cases(trial: t.id!)
                    rows.append(
                        Row(
                            id: t.id!,
                            plugin: t.pluginName.isEmpty
                                ? URL(fileURLWithPath: t.pluginPath).lastPathComponent : t.pluginName,
                            version: t.pluginVersion, policy: t.policyName, status: t.status, cases: cases.count,
                            ok: cases.filter { $0.outcome == "ok" }.count, startedAt: t.startedAt,
                            finishedAt: t.finishedAt))
                }
                return rows
            }
            if output.json {
                try Output.json(["trials": rows])
                return
            }
            guard !rows.isEmpty else {
                Output.line("No trials in \(store.path) yet. Start one with: sandpit run PLUGIN.so")
                return
            }
            let table =
                [["ID", "PLUGIN", "VERSION", "POLICY", "STATUS", "CASES", "OK", "STARTED"]]
                + rows.map {
                    ["\($0.id)", $0.plugin, $0.version, $0.policy, $0.status, "\($0.cases)", "\($0.ok)", $0.startedAt]
                }
            Output.line(TextTable.render(table))
        }
    }
}

/// Left-aligned columns separated by two spaces.
enum TextTable {
    static func render(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }
}
