import Foundation
import Testing

@testable import Fixtures

@Suite struct FixtureSetTests {
    static let catalogue = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures").path

    @Test func shippedTriageCasesLoad() throws {
        let set = try FixtureSet.load(directory: Self.catalogue, kinds: ["triage"])
        #expect(set.cases.count >= 50)
        #expect(set.kinds == ["triage"])
        #expect(Set(set.cases.map(\.id)).count == set.cases.count)
        let labels = Set(
            set.cases.compactMap { c -> String? in
                (try? JSONSerialization.jsonObject(with: Data(c.expected)) as? [String: Any])?["label"] as? String
            })
        #expect(labels.count >= 5, "triage needs several services to route to")
    }

    @Test func hashIsStableAndDependsOnContent() throws {
        let a = try FixtureSet.load(directory: Self.catalogue, kinds: nil)
        let b = try FixtureSet.load(directory: Self.catalogue, kinds: nil)
        #expect(a.sha256 == b.sha256)
        #expect(a.sha256.count == 64)
    }

    @Test func pluginInputIsTheCaseObject() throws {
        let set = try FixtureSet.load(directory: Self.catalogue, kinds: ["triage"])
        for c in set.cases {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(c.pluginInput)) as? [String: Any])
            #expect(object["id"] as? String == c.id)
            #expect(object["kind"] as? String == "triage")
            #expect((object["input"] as? [String: Any])?["text"] is String)
            #expect(object["expected"] == nil, "the gold answer must never reach the plugin")
        }
    }

    @Test func seededOrderIsDeterministic() throws {
        let set = try FixtureSet.load(directory: Self.catalogue, kinds: ["triage"])
        #expect(set.selecting(seed: 0, limit: nil).map(\.id) == set.cases.map(\.id))
        #expect(set.selecting(seed: 7, limit: nil).map(\.id) == set.selecting(seed: 7, limit: nil).map(\.id))
        #expect(set.selecting(seed: 7, limit: nil).map(\.id) != set.selecting(seed: 8, limit: nil).map(\.id))
        #expect(Set(set.selecting(seed: 7, limit: nil).map(\.id)) == Set(set.cases.map(\.id)))
        #expect(set.selecting(seed: 7, limit: 5).count == 5)
    }

    func write(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "sandpit-fixture-\(UUID().uuidString).jsonl"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let good =
        #"{"id":"t-1","kind":"triage","input":{"text":"Hi Mere Tūhoe here"},"expected":{"label":"tax"},"identifiers":[{"kind":"name","value":"Mere Tūhoe","disclose":false}]}"#

    @Test(arguments: [
        ("\(good)\nnot json\n", 2, "not a JSON object"),
        ("\(good)\n\(good)\n", 2, "duplicate id t-1"),
        ("\(good)\n\n\(good)\n", 2, "empty line"),
        (#"{"id":"x","kind":"triage","expected":{},"identifiers":[]}"#, 1, "missing \"input\""),
        (
            #"{"id":"x","kind":"triage","input":{"text":"a"},"expected":{},"identifiers":[{"kind":"ird","value":"49091850","disclose":false}]}"#,
            1, "not in the case's input"
        ),
        (#"{"kind":"triage","input":{},"expected":{},"identifiers":[]}"#, 1, "missing or bad \"id\""),
    ])
    func corruptFilesNameTheLine(text: String, line: Int, message: String) throws {
        let path = try write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: FixtureError.self) { try FixtureSet.load(file: path) }
        #expect(error?.line == line)
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
        #expect(error?.description.hasPrefix(path) == true)
    }

    @Test func unknownKindIsRefused() {
        let error = #expect(throws: FixtureError.self) {
            try FixtureSet.load(directory: Self.catalogue, kinds: ["astrology"])
        }
        #expect(error?.description.contains("unknown case kind astrology") == true)
    }
}
