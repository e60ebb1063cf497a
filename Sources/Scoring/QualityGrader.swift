import Fixtures
import Foundation

/// One case's quality, graded against its gold answer: a score from 0 to 1 and the parts it
/// is made of. A case that did not end `ok` scores 0.
public struct CaseScore: Sendable, Hashable, Codable {
    public var score: Double
    /// The parts, by name (e.g. "recall", "coverage"), each 0 to 1.
    public var parts: [String: Double]
    /// For triage: the label given, for the confusion counts behind macro-F1.
    public var label: String?

    public init(score: Double, parts: [String: Double] = [:], label: String? = nil) {
        self.score = score
        self.parts = parts
        self.label = label
    }
}

/// Grades answers per case kind (REFERENCE.md §4). Deterministic: no model, no randomness.
public enum QualityGrader {
    static func object(_ bytes: [UInt8]) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] ?? [:]
    }

    static func object(_ text: String) -> [String: Any] { object(Array(text.utf8)) }

    /// The score of `answer` (the plugin's JSON text) for `fixture`.
    public static func grade(_ fixture: FixtureCase, answer: String, ok: Bool) -> CaseScore {
        guard ok else { return CaseScore(score: 0, parts: [:]) }
        let expected = object(fixture.expected)
        let input = object(fixture.input)
        let given = object(answer)
        switch fixture.kind {
        case "triage": return triage(expected: expected, answer: given)
        case "redact": return redact(fixture, input: input, expected: expected, answer: given)
        case "decide": return decide(input: input, expected: expected, answer: given)
        case "summarise": return summarise(fixture, expected: expected, answer: given)
        case "extract": return extract(expected: expected, answer: given)
        default: return CaseScore(score: 0, parts: [:])
        }
    }

    static func triage(expected: [String: Any], answer: [String: Any]) -> CaseScore {
        let label = answer["label"] as? String
        let right = label != nil && label == expected["label"] as? String
        return CaseScore(score: right ? 1 : 0, parts: ["correct": right ? 1 : 0], label: label ?? "")
    }

    /// Span recall and precision over UTF-8 bytes, and F2 (missed personal information is the
    /// failure that matters). Without spans, recall comes from what is left in the text, and
    /// precision from how much of everything else survived.
    static func redact(_ fixture: FixtureCase, input: [String: Any], expected: [String: Any], answer: [String: Any])
        -> CaseScore
    {
        let gold = (expected["spans"] as? [[String: Any]] ?? []).compactMap { span -> Range<Int>? in
            guard let s = span["start"] as? Int, let e = span["end"] as? Int, s < e else { return nil }
            return s..<e
        }
        let goldBytes = Set(gold.flatMap { Array($0) })
        let text = answer["text"] as? String ?? ""
        let source = input["text"] as? String ?? ""
        // Residual leak: a value to remove that is still in the redacted text.
        let secret = fixture.identifiers.filter { !$0.disclose }
        let textBytes = Array(text.utf8)
        let residual = secret.filter { ByteSearch.contains(Array($0.value.utf8), in: textBytes) }.count
        var recall: Double
        var precision: Double
        if let spans = answer["spans"] as? [[String: Any]] {
            let predicted = Set(
                spans.flatMap { span -> [Int] in
                    guard let s = (span["start"] as? NSNumber)?.intValue, let e = (span["end"] as? NSNumber)?.intValue,
                        s < e, e - s < 1 << 20
                    else { return [] }
                    return Array(s..<e)
                })
            recall = goldBytes.isEmpty ? 1 : Double(goldBytes.intersection(predicted).count) / Double(goldBytes.count)
            precision =
                predicted.isEmpty
                ? (goldBytes.isEmpty ? 1 : 0)
                : Double(goldBytes.intersection(predicted).count) / Double(predicted.count)
        } else {
            recall = secret.isEmpty ? 1 : Double(secret.count - residual) / Double(secret.count)
            // The source's words with identifiers blanked out (bytes, not Foundation: this runs per case).
            var plain = Array(source.utf8)
            for identifier in fixture.identifiers {
                for range in ByteSearch.ranges(of: Array(identifier.value.utf8), in: plain) {
                    for k in range { plain[k] = 0x20 }
                }
            }
            let plainWords = Set(plain.split(separator: 0x20).map(Self.fnv))
            let answerWords = Set(textBytes.split(separator: 0x20).map(Self.fnv))
            let kept = plainWords.filter { answerWords.contains($0) }.count
            precision = plainWords.isEmpty ? 1 : Double(kept) / Double(plainWords.count)
        }
        // Whatever the spans say, a value still in the text was not redacted.
        if residual > 0 && !secret.isEmpty {
            recall = min(recall, Double(secret.count - residual) / Double(secret.count))
        }
        let f2 = precision + recall == 0 ? 0 : 5 * precision * recall / (4 * precision + recall)
        return CaseScore(
            score: f2,
            parts: [
                "recall": recall, "precision": precision, "f2": f2,
                "residual": Double(residual),
            ])
    }

    /// A 64-bit FNV-1a hash of a word: sets of hashes, not of byte arrays, keep this cheap.
    static func fnv(_ word: ArraySlice<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in word { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// Decision accuracy and the completeness of the reasons (OIA s23): findings of fact,
    /// the evidence they rest on (fields that exist in the record), and reasons.
    static func decide(input: [String: Any], expected: [String: Any], answer: [String: Any]) -> CaseScore {
        let correct = (answer["decision"] as? String) == (expected["decision"] as? String) ? 1.0 : 0.0
        let record = input["record"] as? [String: Any] ?? [:]
        let findings = answer["findings"] as? [Any] ?? []
        let hasFindings =
            findings.contains { f in
                if let text = f as? String { return !text.isEmpty }
                if let object = f as? [String: Any] { return !(object["fact"] as? String ?? "").isEmpty }
                return false
            } ? 1.0 : 0.0
        let evidence = (answer["evidence"] as? [Any] ?? []).compactMap { $0 as? String }
        let failed = expected["failed_rules"] as? [String] ?? []
        let real = evidence.filter { record[$0] != nil }
        let evidenceScore: Double = {
            guard !evidence.isEmpty else { return 0 }
            let exists = Double(real.count) / Double(evidence.count)
            let covers = failed.isEmpty ? 1 : Double(failed.filter(real.contains).count) / Double(failed.count)
            return exists * covers
        }()
        let reasons = (answer["reasons"] as? [Any] ?? []).compactMap { $0 as? String }.filter { !$0.isEmpty }
        let reasonScore = reasons.isEmpty ? 0.0 : min(1, Double(reasons.count) / Double(max(1, failed.count)))
        let completeness = (hasFindings + evidenceScore + reasonScore) / 3
        return CaseScore(
            score: (correct + completeness) / 2,
            parts: [
                "decision": correct, "findings": hasFindings, "evidence": evidenceScore,
                "reasons": reasonScore, "completeness": completeness,
            ])
    }

    /// Coverage of the required facts, no disclosure of who complained, and a length within bounds.
    static func summarise(_ fixture: FixtureCase, expected: [String: Any], answer: [String: Any]) -> CaseScore {
        let text = (answer["text"] as? String ?? "")
        let lower = text.lowercased()
        let facts = expected["required_facts"] as? [String] ?? []
        let coverage =
            facts.isEmpty ? 1 : Double(facts.filter { lower.contains($0.lowercased()) }.count) / Double(facts.count)
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).count
        let minWords = expected["min_words"] as? Int ?? 0
        let maxWords = expected["max_words"] as? Int ?? Int.max
        let lengthOK = words >= minWords && words <= maxWords ? 1.0 : 0.0
        let disclosed = !LeakDetector.leaks(
            caseID: fixture.id, identifiers: fixture.identifiers,
            channels: [(.answer, text)]
        ).isEmpty
        let privacy = disclosed ? 0.0 : 1.0
        return CaseScore(
            score: coverage * (lengthOK == 1 ? 1 : 0.5) * privacy,
            parts: ["coverage": coverage, "length": lengthOK, "no_disclosure": privacy])
    }

    /// The share of asked-for fields given exactly (white space and case aside).
    static func extract(expected: [String: Any], answer: [String: Any]) -> CaseScore {
        let gold = expected["fields"] as? [String: Any] ?? [:]
        let given = answer["fields"] as? [String: Any] ?? [:]
        func fold(_ value: Any?) -> String {
            (value as? String ?? "").lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        let right = gold.keys.filter { fold(gold[$0]) == fold(given[$0]) && !fold(given[$0]).isEmpty }.count
        let score = gold.isEmpty ? 0 : Double(right) / Double(gold.count)
        return CaseScore(score: score, parts: ["fields": score])
    }
}
