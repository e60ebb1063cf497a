import Foundation
import Testing

@testable import Fixtures

@Suite struct FixtureSetTests {
    @Test func catalogueHasEveryKindAndVariant() throws {
        let set = try Catalogue.set()
        #expect(set.kinds == ["decide", "extract", "redact", "summarise", "triage"])
        for kind in set.kinds {
            let cases = set.cases.filter { $0.kind == kind }
            #expect(cases.count == Catalogue.defaultBases * Variant.allCases.count)
            #expect(Set(cases.map(\.variant)) == Set(Variant.allCases.map(\.rawValue)))
        }
        #expect(Set(set.cases.map(\.id)).count == set.cases.count)
        let labels = Set(
            set.cases.filter { $0.kind == "triage" }.compactMap { c -> String? in
                (try? JSONSerialization.jsonObject(with: Data(c.expected)) as? [String: Any])?["label"] as? String
            })
        #expect(labels.count == 6)
    }

    @Test func sameSeedSameBytesOtherSeedOtherCases() throws {
        let a = try Catalogue.set(seed: 7)
        let b = try Catalogue.set(seed: 7)
        #expect(a.jsonl == b.jsonl)
        #expect(a.sha256 == b.sha256 && a.sha256.count == 64)
        #expect(try Catalogue.set(seed: 8).sha256 != a.sha256)
        // The shipped catalogue's hash is a constant of this generator version: a change to it
        // is a change to every trial's fixtures, and must come with a version bump.
        #expect(try Catalogue.set().sha256 == Catalogue.set().sha256)
    }

    @Test func anyStretchOfCasesMatchesTheWhole() {
        let whole = Catalogue.cases(kind: "redact", split: .eval, seed: 3, count: 40)
        let stretch = Catalogue.cases(kind: "redact", split: .eval, seed: 3, count: 10, from: 25)
        #expect(whole[25..<35].map(\.jsonLine) == stretch.map(\.jsonLine))
    }

    @Test func trainAndEvalSplitsShareNoCase() throws {
        let eval = try Catalogue.set(split: .eval)
        let train = try Catalogue.set(split: .train)
        #expect(Set(eval.cases.map(\.id)).isDisjoint(with: train.cases.map(\.id)))
        #expect(Set(eval.cases.map { $0.input }).isDisjoint(with: train.cases.map { $0.input }))
    }

    @Test func everyPlantedIdentifierIsInItsInputAndValid() throws {
        for split in Catalogue.Split.allCases {
            for c in try Catalogue.set(split: split).cases {
                let text = String(decoding: c.input, as: UTF8.self)
                for identifier in c.identifiers {
                    // JSON escapes nothing in these values, so the raw input holds them as written.
                    #expect(text.contains(identifier.value), "\(c.id): \(identifier.kind) \(identifier.value)")
                    switch identifier.kind {
                    case "ird": #expect(IRDNumber.isValid(identifier.value))
                    case "nhi": #expect(NHINumber.isValid(identifier.value) && identifier.value.hasPrefix("Z"))
                    case "bank_account": #expect(BankAccount.isValid(identifier.value))
                    case "passport": #expect(Passport.isWellFormed(identifier.value))
                    case "driver_licence": #expect(DriverLicence.isWellFormed(identifier.value))
                    case "phone": #expect(PhoneNumber.nationalDigits(identifier.value) != nil)
                    default: break
                    }
                }
                #expect(!c.identifiers.isEmpty, "\(c.id) plants nothing")
            }
        }
    }

    @Test func redactionSpansCoverExactlyTheIdentifiers() throws {
        for c in try Catalogue.set(kinds: ["redact"]).cases {
            let input = try #require(try JSONSerialization.jsonObject(with: Data(c.input)) as? [String: Any])
            let text = Array((input["text"] as? String ?? "").utf8)
            let expected = try #require(try JSONSerialization.jsonObject(with: Data(c.expected)) as? [String: Any])
            let spans = try #require(expected["spans"] as? [[String: Any]])
            let values = Set(c.identifiers.map(\.value))
            for span in spans {
                let start = span["start"] as! Int
                let end = span["end"] as! Int
                #expect(values.contains(String(decoding: text[start..<end], as: UTF8.self)), "\(c.id) \(span)")
            }
        }
    }

    @Test func variantsKeepTheGoldAnswer() throws {
        let set = try Catalogue.set(kinds: ["triage", "decide"])
        for group in Dictionary(grouping: set.cases, by: \.group).values {
            #expect(
                Set(group.map(\.expected)).count == 1 || group.first?.kind == "decide",
                "\(group.first?.group ?? ""): a variant changed the answer")
            #expect(group.count == Variant.allCases.count)
        }
        let adversarial = set.cases.filter { $0.variant == "adversarial" }
        #expect(adversarial.allSatisfy { String(decoding: $0.input, as: UTF8.self).contains("IRD number") })
        let swapped = set.cases.filter { $0.variant == "name_swap" }
        for c in swapped {
            let base = try #require(set.cases.first { $0.id == c.group })
            #expect(
                base.identifiers.first { $0.kind == "name" }?.value != c.identifiers.first { $0.kind == "name" }?.value)
        }
    }

    @Test func pluginInputIsTheCaseObject() throws {
        for c in try Catalogue.set().cases.prefix(300) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(c.pluginInput)) as? [String: Any])
            #expect(object["id"] as? String == c.id)
            #expect(object["kind"] as? String == c.kind)
            #expect(object["input"] is [String: Any])
            #expect(object["expected"] == nil, "the gold answer must never reach the plugin")
        }
    }

    @Test func seededOrderIsDeterministic() throws {
        let set = try Catalogue.set(kinds: ["triage"])
        #expect(set.selecting(seed: 0, limit: nil).map(\.id) == set.cases.map(\.id))
        #expect(set.selecting(seed: 7, limit: nil).map(\.id) == set.selecting(seed: 7, limit: nil).map(\.id))
        #expect(set.selecting(seed: 7, limit: nil).map(\.id) != set.selecting(seed: 8, limit: nil).map(\.id))
        #expect(Set(set.selecting(seed: 7, limit: nil).map(\.id)) == Set(set.cases.map(\.id)))
        #expect(set.selecting(seed: 7, limit: 5).count == 5)
    }

    @Test func exportedFileLoadsBackWithTheSameCases() throws {
        let set = try Catalogue.set(kinds: ["extract"])
        let path = NSTemporaryDirectory() + "sandpit-export-\(UUID().uuidString).jsonl"
        try Data(set.jsonl).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let loaded = try FixtureSet.load(file: path)
        #expect(loaded.cases.map(\.id) == set.cases.map(\.id))
        #expect(loaded.cases.map(\.identifiers) == set.cases.map(\.identifiers))
        #expect(loaded.sha256 == set.sha256, "the file's hash is the set's hash")
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
        let error = #expect(throws: FixtureError.self) { try Catalogue.set(kinds: ["astrology"]) }
        #expect(error?.description.contains("unknown case kind astrology") == true)
    }
}
