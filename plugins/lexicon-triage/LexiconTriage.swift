import SandpitPluginKit

/// lexicon-triage: routes an enquiry by weighted terms, in English and te reo Māori.
///
/// A second baseline beside the C keyword counter: terms carry weights (a "visa" says more
/// than a "form"), words are compared without case or macrons, and the answer says how
/// sure it is and which terms decided it. No learning; honest about being a lexicon.
struct LexiconTriage: Plugin {
    static let name = "lexicon-triage"
    static let version = "1.0.0"
    static let caseKinds = ["triage"]

    /// label → (term, weight). Multi-word terms are matched as phrases.
    static let lexicon: [String: [(String, Double)]] = [
        "income_support": [
            ("benefit", 3), ("jobseeker", 4), ("hardship", 3), ("grant", 2), ("work and income", 4),
            ("accommodation supplement", 4), ("studylink", 4), ("nz super", 3), ("food", 1), ("solo parent", 2),
            ("sanction", 3), ("supported living", 4), ("payment", 1), ("moni", 1),
        ],
        "tax": [
            ("tax", 3), ("kiwisaver", 4), ("student loan", 4), ("working for families", 4), ("gst", 4), ("myir", 4),
            ("paye", 4), ("refund", 2), ("ir3", 4), ("provisional", 3), ("payslip", 2), ("penalty", 1),
        ],
        "health": [
            ("hospital", 3), ("gp", 3), ("doctor", 3), ("prescription", 4), ("vaccination", 4), ("specialist", 3),
            ("medical", 2), ("surgery", 2), ("mental health", 4), ("midwife", 4), ("nurse", 3), ("pharmacy", 3),
            ("waiting list", 2), ("hauora", 3), ("emergency department", 3), ("maternity", 3),
        ],
        "injury": [
            ("acc", 4), ("injury", 4), ("injured", 4), ("accident", 3), ("claim", 2), ("physio", 3), ("hurt", 2),
            ("rehabilitation", 3), ("broke", 2), ("compensation", 3), ("slipped", 2), ("fell", 1), ("falling", 1),
        ],
        "housing": [
            ("state house", 4), ("kainga ora", 4), ("tenancy", 4), ("mould", 3), ("rent", 2), ("housing", 3),
            ("whare", 3), ("heat pump", 3), ("leaking", 2), ("council flat", 3), ("roof", 2), ("lock", 1),
            ("motel", 2), ("transfer", 1),
        ],
        "immigration": [
            ("visa", 5), ("residence", 4), ("passport", 2), ("migrant", 4), ("refugee", 4), ("pacific access", 4),
            ("working holiday", 4), ("green list", 4),
        ],
    ]

    init(config: JSONValue) throws {}

    mutating func answer(_ input: PluginCase) throws -> JSONValue {
        guard let text = input.input["text"]?.stringValue else { throw PluginError("triage input has no text") }
        let folded = Array((" " + Self.fold(text) + " ").utf8)
        var scores: [(label: String, score: Double, terms: [String])] = []
        for (label, terms) in Self.lexicon {
            var score = 0.0
            var hits: [String] = []
            for (term, weight) in terms where Self.contains(folded, Array((" " + term).utf8)) {
                score += weight
                hits.append(term)
            }
            scores.append((label, score, hits))
        }
        scores.sort { $0.score != $1.score ? $0.score > $1.score : $0.label < $1.label }
        let best = scores[0]
        let total = scores.reduce(0) { $0 + $1.score }
        let confidence = total > 0 ? best.score / total : 0
        return [
            "label": .string(best.score > 0 ? best.label : "income_support"),
            "confidence": .number((confidence * 100).rounded() / 100),
            "text": .string(best.terms.isEmpty ? "no known terms" : "matched: " + best.terms.joined(separator: ", ")),
        ]
    }

    /// Whether `needle` occurs in `haystack`, byte for byte: a term starts at a word boundary.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        outer: for start in 0...(haystack.count - needle.count) {
            for offset in 0..<needle.count where haystack[start + offset] != needle[offset] { continue outer }
            return true
        }
        return false
    }

    /// Lowercase, macrons removed, punctuation as spaces.
    static func fold(_ text: String) -> String {
        let macrons: [Character: Character] = ["ā": "a", "ē": "e", "ī": "i", "ō": "o", "ū": "u"]
        return String(
            text.lowercased().map { character -> Character in
                if let plain = macrons[character] { return plain }
                return character.isLetter || character.isNumber ? character : " "
            })
    }
}

@_cdecl("sandpit_plugin_v1")
public func sandpitPluginV1() -> UnsafeRawPointer { PluginExport.table(for: LexiconTriage.self) }
