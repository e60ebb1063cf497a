import Fixtures
import Foundation
import SandpitPluginKit

/// pattern-redactor: finds personal information with patterns, and keeps only the numbers
/// that pass their checksums (IRD, NHI, bank accounts). It redacts (`redact`), pulls form
/// fields (`extract`), and summarises by redacting and keeping the opening sentences
/// (`summarise`). No model: what a vendor's model must beat.
struct PatternRedactor: Plugin {
    static let name = "pattern-redactor"
    static let version = "1.0.0"
    static let caseKinds = ["redact", "extract", "summarise"]

    struct Pattern {
        var kind: String
        var regex: NSRegularExpression
        /// Capture group holding the value (0: the whole match).
        var group: Int
        var check: (String) -> Bool
    }

    static let nameWords = "[A-ZĀĒĪŌŪ][\\p{L}'’-]+(?: (?:van der |de |Te |te )?[A-ZĀĒĪŌŪ][\\p{L}'’-]+){1,3}"

    let patterns: [Pattern]

    init(config: JSONValue) throws {
        func make(_ kind: String, _ pattern: String, group: Int = 0, check: @escaping (String) -> Bool = { _ in true })
            throws -> Pattern
        {
            Pattern(kind: kind, regex: try NSRegularExpression(pattern: pattern), group: group, check: check)
        }
        patterns = [
            try make("email", "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}"),
            try make("bank_account", "\\b\\d{2}-\\d{3,4}-\\d{7,8}-\\d{2,3}\\b", check: BankAccount.isValid),
            try make("ird", "\\b\\d{2,3}-\\d{3}-\\d{3}\\b|\\b\\d{8,9}\\b", check: IRDNumber.isValid),
            try make("nhi", "\\b[A-HJ-NP-Z]{3}(?:\\d{4}|\\d{2}[A-HJ-NP-Z]{2})\\b", check: NHINumber.isValid),
            try make(
                "phone", "(?:\\+64 ?|\\b0)\\d{1,2}[ -]?\\d{3}[ -]?\\d{3,4}\\b",
                check: { PhoneNumber.nationalDigits($0) != nil }),
            try make("passport", "\\b(?:LA|LD|LF|LH|EA|N)\\d{6}\\b"),
            try make("driver_licence", "\\b[A-Z]{2}\\d{6}\\b", check: { !Passport.isWellFormed($0) }),
            try make("dob", "\\b\\d{2}/\\d{2}/\\d{4}\\b"),
            try make(
                "address",
                "\\b\\d{1,4} [A-ZĀĒĪŌŪ][\\p{L} ]+ (?:Street|Road|Avenue|Crescent|Place|Terrace|Drive), [\\p{L} ]+, [\\p{L} ]+ \\d{4}\\b"
            ),
            try make(
                "name",
                "(?:[Mm]y name is|From:|Name:|the client|support person,|application [^.]* from) (\(Self.nameWords))",
                group: 1),
        ]
    }

    /// Every match, as UTF-8 byte spans, overlaps resolved in favour of the earlier and longer.
    func find(_ text: String) -> [(start: Int, end: Int, kind: String, value: String)] {
        let ns = text as NSString
        var found: [(start: Int, end: Int, kind: String, value: String)] = []
        for pattern in patterns {
            for match in pattern.regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
                let range = match.range(at: pattern.group)
                guard range.location != NSNotFound, let swiftRange = Range(range, in: text) else { continue }
                let value = String(text[swiftRange])
                guard pattern.check(value) else { continue }
                let start = text.utf8.distance(from: text.startIndex, to: swiftRange.lowerBound)
                let end = start + value.utf8.count
                if found.contains(where: { $0.start < end && start < $0.end }) { continue }
                found.append((start, end, pattern.kind, value))
            }
        }
        return found.sorted { $0.start < $1.start }
    }

    func redacted(_ text: String, _ spans: [(start: Int, end: Int, kind: String, value: String)]) -> String {
        var bytes = Array(text.utf8)
        for span in spans.reversed() {
            bytes.replaceSubrange(span.start..<span.end, with: Array("[\(span.kind.uppercased())]".utf8))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    mutating func answer(_ input: PluginCase) throws -> JSONValue {
        guard let text = input.input["text"]?.stringValue else { throw PluginError("the case has no text") }
        let spans = find(text)
        switch input.kind {
        case "redact":
            return [
                "text": .string(redacted(text, spans)),
                "spans": .array(
                    spans.map {
                        ["start": .number(Double($0.start)), "end": .number(Double($0.end)), "kind": .string($0.kind)]
                    }),
            ]
        case "extract":
            var fields: [String: JSONValue] = [:]
            for (kind, field) in [
                ("name", "name"), ("dob", "date_of_birth"), ("address", "address"), ("phone", "phone"), ("ird", "ird"),
            ] {
                if let span = spans.first(where: { $0.kind == kind }) { fields[field] = .string(span.value) }
            }
            return ["fields": .object(fields)]
        default:  // summarise: the complaint's own sentences, minus who made it, within 60 words
            let body = redacted(text, spans).split(separator: ".").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.contains("[") && !$0.hasPrefix("Complaint to") }
            var words: [Substring] = []
            for sentence in body {
                let next = sentence.split(separator: " ")
                if words.count + next.count > 60 { break }
                words += next
            }
            return ["text": .string(words.joined(separator: " "))]
        }
    }
}

@_cdecl("sandpit_plugin_v1")
public func sandpitPluginV1() -> UnsafeRawPointer { PluginExport.table(for: PatternRedactor.self) }
