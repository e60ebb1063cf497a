import Fixtures
import Foundation
import Testing

@testable import Scoring

/// The byte-level parts scoring is built from, each checked against the plain way of doing
/// the same thing: they exist to be fast, and must not be different.
@Suite struct FastPathTests {
    /// A small deterministic generator, so failures reproduce.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: Range<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    }

    // MARK: AnswerJSON

    @Test(arguments: [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
        #"  {"text" : "line\none \"quoted\" \\ \/ \u00e9 \ud83d\ude00 tab\t"}  "#,
        #"{"n":-12.5e2,"m":0,"k":123456789012345678}"#,
        #"[1,2,3]"#,
        #""just a string""#,
        #"{"dup":1,"dup":2}"#,
    ])
    func parsesLikeJSONSerialization(text: String) throws {
        let ours = try #require(AnswerJSON.parse(text))
        let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        #expect(Self.same(ours, theirs), "\(text)")
    }

    @Test(arguments: [
        "", "{", "}", #"{"a":}"#, #"{"a":1,}"#, "[1,]", #"{"a" 1}"#, "01", "1.", ".5", "+1", "tru", "nul",
        "{\"a\":\"\u{01}\"}", #"{"a":"\x"}"#, #"{"a":"\u12G4"}"#, #"{"a":1} x"#, #"{"a":"unterminated}"#,
    ])
    func rejectsWhatIsNotJSON(text: String) {
        #expect(AnswerJSON.parse(text) == nil, "\(text)")
    }

    @Test func nestingIsBounded() {
        #expect(AnswerJSON.parse(String(repeating: "[", count: 63) + String(repeating: "]", count: 63)) != nil)
        #expect(AnswerJSON.parse(String(repeating: "[", count: 100_000)) == nil, "deep input fails, not the stack")
    }

    @Test func everyCatalogueFileParses() throws {
        for kind in Catalogue.kinds {
            for c in Catalogue.cases(kind: kind, split: .eval, seed: 3, count: 25) {
                for bytes in [c.input, c.expected] {
                    let ours = try #require(AnswerJSON.parse(bytes))
                    #expect(Self.same(ours, try JSONSerialization.jsonObject(with: Data(bytes))))
                }
            }
        }
    }

    static func same(_ ours: AnswerJSON, _ theirs: Any) -> Bool {
        switch ours {
        case .null: return theirs is NSNull
        case .bool(let value): return (theirs as? Bool) == value
        case .number(let value): return (theirs as? NSNumber)?.doubleValue == value
        case .string: return ours.string == theirs as? String
        case .array(let values):
            guard let other = theirs as? [Any], other.count == values.count else { return false }
            return zip(values, other).allSatisfy { same($0, $1) }
        case .object(let members):
            guard let other = theirs as? [String: Any], other.count == members.count else { return false }
            return members.allSatisfy { key, value in other[key].map { same(value, $0) } ?? false }
        }
    }

    // MARK: ByteSearch

    @Test func searchAgreesWithANaiveSearch() {
        var random = Random(state: 1)
        for _ in 0..<3000 {
            // A small alphabet, so partial matches and near misses are common.
            let haystack = (0..<random.int(0..<80)).map { _ in UInt8(0x30 + random.int(0..<3)) }
            let needle = (0..<random.int(1..<6)).map { _ in UInt8(0x30 + random.int(0..<3)) }
            let start = random.int(0..<(haystack.count + 2))
            let naive =
                start > haystack.count - needle.count
                ? nil
                : (start...(haystack.count - needle.count)).first {
                    Array(haystack[$0..<($0 + needle.count)]) == needle
                }
            #expect(ByteSearch.first(needle, in: haystack, from: start) == naive, "\(haystack) \(needle) \(start)")
        }
        #expect(ByteSearch.first([], in: [1, 2], from: 0) == nil)
        #expect(ByteSearch.ranges(of: [0x61], in: Array("banana".utf8)) == [1..<2, 3..<4, 5..<6])
    }

    // MARK: Spans and words

    @Test func spanArithmeticAgreesWithSets() {
        var random = Random(state: 2)
        for _ in 0..<500 {
            func spans() -> [Range<Int>] {
                (0..<random.int(0..<6)).map { _ in
                    let start = random.int(0..<60)
                    return start..<(start + random.int(0..<15))
                }
            }
            let (a, b) = (spans(), spans())
            let setA = Set(a.flatMap { Array($0) })
            let setB = Set(b.flatMap { Array($0) })
            let (mergedA, mergedB) = (Spans.merged(a), Spans.merged(b))
            #expect(Spans.size(mergedA) == setA.count)
            #expect(Spans.overlap(mergedA, mergedB) == setA.intersection(setB).count)
        }
    }

    @Test func wordsHashTheSameWhereverTheyLie() {
        var random = Random(state: 3)
        let vocabulary = ["a", "te", "kōrero", "hardship", "applications", "x1234567", "12345678", "ninecharsx", "."]
        for _ in 0..<300 {
            let words = (0..<random.int(1..<30)).map { _ in vocabulary[random.int(0..<vocabulary.count)] }
            let separators = (0..<words.count).map { _ in
                random.int(0..<3) == 0 ? "  " : random.int(0..<4) == 0 ? "\n" : " "
            }
            let text = zip(words, separators).map { $0 + $1 }.joined()
            var hashes: [UInt64] = []
            Words.forEach(in: Array(text.utf8), newlines: true) {
                hashes.append($0)
                return true
            }
            let expected = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { word -> UInt64 in
                var one: UInt64 = 0
                Words.forEach(in: Array(word.utf8)) {
                    one = $0
                    return true
                }
                return one
            }
            #expect(hashes == expected, "\(text)")
            #expect(Words.count(in: Array(text.utf8), newlines: true) == expected.count)
            #expect(Set(expected).count == Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" })).count)
        }
    }

    @Test func wordIndexCountsDistinctWordsPresent() {
        func hashes(_ text: String) -> [UInt64] {
            var out: [UInt64] = []
            Words.forEach(in: Array(text.utf8)) {
                out.append($0)
                return true
            }
            return out
        }
        let index = WordIndex(hashes("the grant was paid to the client on time"))
        #expect(index.count == 8)
        #expect(index.countPresent(in: Array("client the the nothing time".utf8)) == 3)
        #expect(index.countPresent(in: []) == 0)
        #expect(WordIndex([]).countPresent(in: Array("anything".utf8)) == 0)
    }

    // MARK: NormalisedText

    @Test func normalisesLikeTheDefinition() {
        let text = "Ā ngā  TANGATA\t４９-091 kōrero e\u{0301} a\u{0304}"
        let words = NormalisedText(text, mode: .words)
        #expect(String(decoding: words.bytes, as: UTF8.self) == "a nga tangata 49-091 korero \u{e9} a")
        let identifier = NormalisedText("(021) 234–5678, ＺＺＺ００１６", mode: .identifier)
        #expect(String(decoding: identifier.bytes, as: UTF8.self) == "0212345678zzz0016")
        // Origins point at the first byte of the character each byte came from.
        let ird = NormalisedText("IRD ４９ 0", mode: .identifier)
        #expect(ird.origin == [0, 1, 2, 4, 7, 11])
    }

    @Test func malformedUTF8IsKeptNotTrusted() {
        let bytes: [UInt8] = [0x41, 0xC3, 0x28, 0xE2, 0x82, 0x41, 0xF0, 0x9F, 0x98]
        let normalised = NormalisedText(bytes, mode: .words)
        #expect(normalised.bytes.count == normalised.origin.count)
        #expect(normalised.bytes.first == 0x61)
    }

    @Test func expansionBeyondTheFirstGuessGrows() {
        // U+FDFA is one scalar of 3 bytes whose NFKC form is 33 bytes.
        let text = String(repeating: "\u{FDFA}", count: 40)
        let normalised = NormalisedText(text, mode: .words)
        #expect(normalised.bytes.count > 40 * 30)
        #expect(normalised.bytes.count == normalised.origin.count)
    }

    @Test func excerptsKeepWholeCharactersOnOneLine() {
        // The 24-byte cut after the match falls inside an "ō" (two bytes each).
        let text = Array(
            ("Kia ora, this is about my grant,\nmy IRD is 49-091-850 " + String(repeating: "ō", count: 20)).utf8)
        let at = ByteSearch.first(Array("49-091-850".utf8), in: text, from: 0)!
        let excerpt = Excerpt.masked(text, at..<(at + 10), mask: "[IRD]")
        #expect(excerpt == "…out my grant, my IRD is [IRD] " + String(repeating: "ō", count: 12) + "…")
    }

    // MARK: Identifier scan

    @Test(arguments: [
        ("49091850", ["49091850"]),
        ("x49091850", []),  // inside a word
        ("49091850x", ["49091850"]),  // a run ends where the digits end
        ("IRD 049-091-850.", ["049-091-850"]),
        ("zzz0016 and ZZZ0016, ZZZ00166", ["ZZZ0016"]),  // same number once; 8 characters is not an NHI
        ("aZZZ0016", []),
        ("01-0242-0100194-00 and 01 0242 0100194 00", ["01-0242-0100194-00"]),
        ("49091851 ZZZ0017 01-0242-0100195-00", []),  // checksums fail
    ])
    func scanFindsValidNumbersAtWordStarts(text: String, expected: [String]) {
        #expect(LeakDetector.unexpectedIdentifiers(answer: text, input: "") == expected, "\(text)")
    }

    @Test func numbersInTheInputAreNotUnexpected() {
        #expect(LeakDetector.unexpectedIdentifiers(answer: "IRD 49 091 850", input: "IRD 49-091-850").isEmpty)
    }

    // MARK: Whole-case scoring

    @Test func escapedSecretsInAnAnswerAreLeaks() {
        let c = Catalogue.make(kind: "triage", split: .eval, seed: 5, index: 0, variant: .base)
        let secret = c.identifiers.first { !$0.disclose }!
        let escaped = secret.value.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()
        let scored = ScoredCase.score(
            c, outcome: "ok", answer: #"{"label":"other","note":""# + escaped + #""}"#, stdout: "", stderr: "",
            deniedSyscalls: 0)
        #expect(scored.leaks.contains { $0.identifierKind == secret.kind && $0.channel == .answer })
    }

    @Test func preparedAndUnpreparedScoringAgree() {
        for kind in Catalogue.kinds {
            for c in Catalogue.cases(kind: kind, split: .eval, seed: 4, count: 10) {
                let answer = String(decoding: c.expected, as: UTF8.self)
                let a = ScoredCase.score(c, outcome: "ok", answer: answer, stdout: "", stderr: "", deniedSyscalls: 0)
                let b = ScoredCase.score(
                    PreparedCase(c), outcome: "ok", answer: answer, stdout: "", stderr: "", deniedSyscalls: 0)
                #expect(a.score == b.score && a.leaks == b.leaks && a.unexpected == b.unexpected)
            }
        }
    }

    @Test func aPerfectRedactionKeepsFullPrecision() {
        // Punctuation left next to a removed identifier (the "." after an account number)
        // is not a word the redactor could have kept.
        for c in Catalogue.cases(kind: "redact", split: .eval, seed: 6, count: 20) {
            var text = String(decoding: AnswerJSON.parse(c.input)!["text"]!.utf8!, as: UTF8.self)
            for identifier in c.identifiers { text = text.replacingOccurrences(of: identifier.value, with: "[X]") }
            let answer = String(
                decoding: try! JSONSerialization.data(withJSONObject: ["text": text]), as: UTF8.self)
            let graded = QualityGrader.grade(c, answer: answer, ok: true)
            #expect(graded.parts["precision"] == 1 && graded.parts["recall"] == 1, "\(c.id): \(graded.parts)")
        }
    }
}
