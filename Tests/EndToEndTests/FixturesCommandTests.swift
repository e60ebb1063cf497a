import Foundation
import Testing

/// `sandpit fixtures …` on the built binary.
@Suite(.enabled(if: Sandpit.builtPluginsExist, "needs `make plugins test-plugins` and a debug build"))
struct FixturesCommandTests {
    @Test func exportIsByteIdenticalForTheSameSeedAndCount() throws {
        let sandpit = try Sandpit()
        let a = try sandpit.run(["fixtures", "export", "--kind", "redact", "--seed", "11", "--count", "30", "--jsonl"])
        let b = try sandpit.run(["fixtures", "export", "--kind", "redact", "--seed", "11", "--count", "30", "--jsonl"])
        let c = try sandpit.run(["fixtures", "export", "--kind", "redact", "--seed", "12", "--count", "30", "--jsonl"])
        #expect(a.status == 0)
        #expect(a.stdout == b.stdout)
        #expect(a.stdout != c.stdout)
        let lines = a.stdout.split(separator: "\n")
        #expect(lines.count == 30)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for key in ["id", "kind", "input", "expected", "identifiers"] { #expect(object[key] != nil) }
            let input = String(describing: object["input"]!)
            for identifier in object["identifiers"] as? [[String: Any]] ?? [] {
                #expect(line.contains(identifier["value"] as! String), "planted value appears")
                _ = input
            }
        }
        let train = try sandpit.run(["fixtures", "export", "--split", "train", "--count", "5", "--jsonl"])
        #expect(train.stdout.contains("\"id\":\"triage-train-0001\""))
    }

    @Test func listAndShow() throws {
        let sandpit = try Sandpit()
        let list = try sandpit.run(["fixtures", "list", "--json"])
        #expect(list.status == 0)
        let json = try list.json()
        #expect((json["sha256"] as? String)?.count == 64)
        let kinds = try #require(json["kinds"] as? [[String: Any]])
        #expect(kinds.compactMap { $0["kind"] as? String } == ["decide", "extract", "redact", "summarise", "triage"])
        let show = try sandpit.run(["fixtures", "show", "decide-0002-te-reo"])
        #expect(show.status == 0)
        #expect(show.stdout.contains("\"decision\""))
        let missing = try sandpit.run(["fixtures", "show", "nope-0001"])
        #expect(missing.status == 6)
    }

    @Test(arguments: [
        (["fixtures", "export", "--kind", "astrology", "--jsonl"], "unknown kind astrology"),
        (["fixtures", "export", "--seed", "banana", "--jsonl"], "banana"),
        (["fixtures", "export", "--split", "test", "--jsonl"], "--split is eval or train"),
        (["run", "x.so", "--seed", "-3"], "seed"),
    ])
    func badArgumentsAreUsageErrors(arguments: [String], message: String) throws {
        let sandpit = try Sandpit()
        let result = try sandpit.run(arguments)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func aCorruptFixtureFileIsRefusedWithItsLine() throws {
        let sandpit = try Sandpit()
        let exported = try sandpit.run(["fixtures", "export", "--kind", "triage", "--count", "3", "--jsonl"])
        var lines = exported.stdout.split(separator: "\n").map(String.init)
        lines[1] = String(lines[1].dropLast(5))  // a hand edit gone wrong
        let path = sandpit.directory + "/cases.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let result = try sandpit.run(["run", Sandpit.plugins + "/echo.so", "--fixtures", path])
        #expect(result.status == 5)
        #expect(result.stderr == "sandpit: error: \(path):2: not a JSON object\n")
    }
}
