import Fixtures

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
    /// The score of `answer` (the plugin's JSON text) for `fixture`.
    public static func grade(_ fixture: FixtureCase, answer: String, ok: Bool) -> CaseScore {
        grade(PreparedCase(fixture), answer: AnswerJSON.parse(answer), ok: ok)
    }

    /// The score of a parsed answer (nil when it was not JSON: graded as an empty object).
    /// `verbatim`, when known, says per secret whether the answer's text holds it at all.
    static func grade(_ prepared: PreparedCase, answer: AnswerJSON?, ok: Bool, verbatim: [Bool]? = nil)
        -> CaseScore
    {
        guard ok else { return CaseScore(score: 0, parts: [:]) }
        let given = answer ?? .object([:])
        switch prepared.gold {
        case .triage(let label): return triage(gold: label, answer: given)
        case .redact(let gold): return redact(prepared, gold: gold, answer: given, verbatim: verbatim)
        case .decide(let gold): return decide(gold, answer: given)
        case .summarise(let gold): return summarise(prepared, gold: gold, answer: given)
        case .extract(let fields): return extract(fields, answer: given)
        case .unknown: return CaseScore(score: 0, parts: [:])
        }
    }

    static func triage(gold: String?, answer: AnswerJSON) -> CaseScore {
        let label = answer["label"]?.string
        let right = label != nil && label == gold
        return CaseScore(score: right ? 1 : 0, parts: ["correct": right ? 1 : 0], label: label ?? "")
    }

    /// Span recall and precision over UTF-8 bytes, and F2 (missed personal information is the
    /// failure that matters). Without spans, recall comes from what is left in the text, and
    /// precision from how much of everything else survived.
    static func redact(_ prepared: PreparedCase, gold: RedactGold, answer: AnswerJSON, verbatim: [Bool]?)
        -> CaseScore
    {
        let text = answer["text"]?.utf8 ?? []
        let secrets = prepared.secrets
        // Residual leak: a value to remove that is still in the redacted text.
        let residual = secrets.indices.filter { k in
            verbatim?[k] != false && ByteSearch.contains(secrets[k].exact, in: text)
        }.count
        var recall: Double
        var precision: Double
        if let spans = answer["spans"]?.array {
            let predicted = Spans.merged(
                spans.compactMap { span in
                    guard let s = span["start"]?.int, let e = span["end"]?.int, s < e, e - s < 1 << 20 else {
                        return nil
                    }
                    return s..<e
                })
            let goldSize = Spans.size(gold.spans)
            let predictedSize = Spans.size(predicted)
            let common = Double(Spans.overlap(gold.spans, predicted))
            recall = goldSize == 0 ? 1 : common / Double(goldSize)
            precision = predictedSize == 0 ? (goldSize == 0 ? 1 : 0) : common / Double(predictedSize)
        } else {
            recall = secrets.isEmpty ? 1 : Double(secrets.count - residual) / Double(secrets.count)
            let keptCount = gold.plainWords.countPresent(in: text)
            precision = gold.plainWords.isEmpty ? 1 : Double(keptCount) / Double(gold.plainWords.count)
        }
        // Whatever the spans say, a value still in the text was not redacted.
        if residual > 0 && !secrets.isEmpty {
            recall = min(recall, Double(secrets.count - residual) / Double(secrets.count))
        }
        let f2 = precision + recall == 0 ? 0 : 5 * precision * recall / (4 * precision + recall)
        return CaseScore(
            score: f2,
            parts: [
                "recall": recall, "precision": precision, "f2": f2,
                "residual": Double(residual),
            ])
    }

    /// Decision accuracy and the completeness of the reasons (OIA s23): findings of fact,
    /// the evidence they rest on (fields that exist in the record), and reasons.
    static func decide(_ gold: DecideGold, answer: AnswerJSON) -> CaseScore {
        let correct = answer["decision"]?.string == gold.decision ? 1.0 : 0.0
        let findings = answer["findings"]?.array ?? []
        let hasFindings =
            findings.contains { finding in
                if let text = finding.string { return !text.isEmpty }
                return !(finding["fact"]?.string ?? "").isEmpty
            } ? 1.0 : 0.0
        let evidence = answer["evidence"]?.strings ?? []
        let failed = gold.failedRules
        let real = evidence.filter(gold.recordFields.contains)
        let evidenceScore: Double = {
            guard !evidence.isEmpty else { return 0 }
            let exists = Double(real.count) / Double(evidence.count)
            let covers = failed.isEmpty ? 1 : Double(failed.filter(real.contains).count) / Double(failed.count)
            return exists * covers
        }()
        let reasons = (answer["reasons"]?.strings ?? []).filter { !$0.isEmpty }
        let reasonScore = reasons.isEmpty ? 0.0 : min(1, Double(reasons.count) / Double(max(1, failed.count)))
        let completeness = (hasFindings + evidenceScore + reasonScore) / 3
        return CaseScore(
            score: (correct + completeness) / 2,
            parts: [
                "decision": correct, "findings": hasFindings, "evidence": evidenceScore,
                "reasons": reasonScore, "completeness": completeness,
            ])
    }

    /// Coverage of the required facts (compared as normalised words: case, macrons and runs of
    /// white space aside), no disclosure of who complained, and a length within bounds.
    static func summarise(_ prepared: PreparedCase, gold: SummariseGold, answer: AnswerJSON) -> CaseScore {
        let text = answer["text"]?.utf8 ?? []
        let facts = gold.facts
        // A fact is in its normal form already, so finding it as it is settles it; the text is
        // normalised only when some fact is not there verbatim.
        var covered = facts.map { ByteSearch.contains($0, in: text) }
        if covered.contains(false) {
            let normalised = NormalisedText(text, mode: .words).bytes
            for k in facts.indices where !covered[k] { covered[k] = ByteSearch.contains(facts[k], in: normalised) }
        }
        let coverage = facts.isEmpty ? 1 : Double(covered.filter { $0 }.count) / Double(facts.count)
        let words = Words.count(in: text, newlines: true)
        let lengthOK = words >= gold.minWords && words <= gold.maxWords ? 1.0 : 0.0
        let disclosed = LeakDetector.discloses(prepared.secrets, in: text)
        let privacy = disclosed ? 0.0 : 1.0
        return CaseScore(
            score: coverage * (lengthOK == 1 ? 1 : 0.5) * privacy,
            parts: ["coverage": coverage, "length": lengthOK, "no_disclosure": privacy])
    }

    /// The share of asked-for fields given exactly (white space and case aside).
    static func extract(_ gold: [(String, String)], answer: AnswerJSON) -> CaseScore {
        let given = answer["fields"]?.object ?? [:]
        let right = gold.filter { key, value in
            let answered = fold(given[key]?.string)
            return !answered.isEmpty && answered == value
        }.count
        let score = gold.isEmpty ? 0 : Double(right) / Double(gold.count)
        return CaseScore(score: score, parts: ["fields": score])
    }

    /// A field's value for comparison: lower case, runs of white space as one space.
    static func fold(_ value: String?) -> String {
        (value ?? "").lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
