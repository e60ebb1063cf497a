import Foundation
import Testing

/// The leak-detector corpus: plugins that disclose the input in disguise, on every channel,
/// and plugins whose numbers must not count. Run through the built binary, scored as a trial.
@Suite(.enabled(if: Sandpit.builtPluginsExist, "needs `make plugins test-plugins` and a debug build"))
struct LeakCorpusTests {
    struct Expectation: Sendable, CustomTestStringConvertible {
        var plugin: String
        /// Identifier kinds every case's leaks must include (every such identifier planted, not disclosable).
        var kinds: Set<String>
        var channel: String
        var match: String?
        var testDescription: String { plugin }
    }

    static let numbers: Set<String> = ["ird", "nhi", "bank_account", "phone", "passport", "driver_licence", "dob"]
    static let everything = numbers.union(["name", "email", "address"])

    static let disguises: [Expectation] = [
        .init(plugin: "leak-spaced", kinds: numbers, channel: "answer", match: "normalised"),
        .init(plugin: "leak-dashed", kinds: numbers, channel: "answer", match: nil),
        .init(plugin: "leak-fullwidth", kinds: everything, channel: "answer", match: "normalised"),
        .init(plugin: "leak-lower", kinds: everything, channel: "answer", match: nil),
        .init(plugin: "leak-nomacron", kinds: everything, channel: "answer", match: nil),
        .init(plugin: "leak-escaped", kinds: everything, channel: "answer", match: "exact"),
        .init(plugin: "leak-plus64", kinds: ["phone"], channel: "answer", match: nil),
        .init(plugin: "leak-stderr", kinds: everything, channel: "stderr", match: "exact"),
        .init(plugin: "leak-stdout", kinds: everything, channel: "stdout", match: "exact"),
    ]

    static func trial(_ plugin: String, _ sandpit: Sandpit) throws -> [String: Any] {
        let result = try sandpit.run(
            [
                "run", Sandpit.hostile + "/\(plugin).so", "--cases", "triage,redact,summarise", "--workers", "2",
                "--json",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require((try result.json()["trials"] as? [[String: Any]])?.first)
    }

    /// Secret identifiers of the kinds asked for, by case, from the catalogue.
    static func planted(_ sandpit: Sandpit, kinds: Set<String>) throws -> [String: Set<String>] {
        var out: [String: Set<String>] = [:]
        for kind in ["triage", "redact", "summarise"] {
            let export = try sandpit.run(["fixtures", "export", "--kind", kind, "--jsonl"])
            for line in export.stdout.split(separator: "\n") {
                let c = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let ids = (c["identifiers"] as? [[String: Any]] ?? []).filter {
                    $0["disclose"] as? Bool == false && kinds.contains($0["kind"] as? String ?? "")
                }
                out[c["id"] as! String] = Set(ids.compactMap { $0["kind"] as? String })
            }
        }
        return out
    }

    @Test(arguments: disguises)
    func disguisedLeaksAreFound(_ expectation: Expectation) throws {
        let sandpit = try Sandpit()
        let report = try Self.trial(expectation.plugin, sandpit)
        let planted = try Self.planted(sandpit, kinds: expectation.kinds)
        let leaks = try #require(report["leaks"] as? [[String: Any]])
        var found: [String: Set<String>] = [:]
        for leak in leaks {
            #expect(leak["channel"] as? String == expectation.channel)
            if let match = expectation.match, expectation.kinds.contains(leak["identifier_kind"] as? String ?? "") {
                #expect(leak["match"] as? String == match, "\(leak)")
            }
            #expect(!(leak["excerpt"] as? String ?? "").isEmpty)
            found[leak["case_id"] as! String, default: []].insert(leak["identifier_kind"] as! String)
        }
        for (caseID, kinds) in planted where !kinds.isEmpty {
            let missed = kinds.subtracting(found[caseID] ?? [])
            // plus64 rewrites only mobile numbers that follow a space.
            if expectation.plugin == "leak-plus64" && missed == ["phone"] { continue }
            #expect(missed.isEmpty, "\(caseID): missed \(missed)")
        }
        let summary = try #require(report["summary"] as? [String: Any])
        #expect(summary["leak_rate"] as? Double == 1)
        #expect(summary["unexpected_identifiers"] as? Int == 0)
    }

    @Test func lookalikesFailingTheirChecksumsScoreZero() throws {
        let sandpit = try Sandpit()
        let summary = try #require(try Self.trial("leak-lookalike", sandpit)["summary"] as? [String: Any])
        #expect(summary["leaks"] as? Int == 0)
        #expect(summary["unexpected_identifiers"] as? Int == 0)
        #expect(summary["leak_rate"] as? Double == 0)
    }

    @Test func inventedIdentifiersAreUnexpectedNotLeaks() throws {
        let sandpit = try Sandpit()
        let report = try Self.trial("leak-invented", sandpit)
        let summary = try #require(report["summary"] as? [String: Any])
        let cases = summary["cases"] as? Int ?? 0
        #expect(summary["leaks"] as? Int == 0)
        #expect(summary["unexpected_identifiers"] as? Int == 3 * cases)
    }

    @Test func scoringTheSameTrialTwiceGivesTheSameScores() throws {
        let sandpit = try Sandpit()
        let plugins = [Sandpit.plugins + "/pattern-redactor.so", Sandpit.plugins + "/echo.so"]
        func scores() throws -> [String] {
            let result = try sandpit.run(["run"] + plugins + ["--cases", "redact,extract", "--json"])
            return try (try result.json()["trials"] as? [[String: Any]] ?? []).map { report in
                let summary = report["summary"] as? [String: Any] ?? [:]
                let parts: [String: Any] = [
                    "quality": summary["quality"] ?? [:], "privacy": summary["privacy"] ?? [:],
                    "grades": summary["grades"] ?? [:],
                    "leaks": report["leaks"] ?? [],
                    "scores": (report["cases"] as? [[String: Any]] ?? []).map { $0["score"] ?? 0 },
                ]
                return String(
                    decoding: try JSONSerialization.data(withJSONObject: parts, options: [.sortedKeys]), as: UTF8.self)
            }
        }
        let first = try scores()
        #expect(first.count == 2)
        #expect(try scores() == first)
    }
}
