import Fixtures
import Foundation
import Testing

@testable import Scoring

@Suite struct QualityGraderTests {
    func fixture(_ kind: String, variant: Variant = .base) -> FixtureCase {
        Catalogue.make(kind: kind, split: .eval, seed: 5, index: 0, variant: variant)
    }

    func json(_ object: [String: Any]) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    func object(_ bytes: [UInt8]) -> [String: Any] {
        try! JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any]
    }

    func gold(_ c: FixtureCase) -> [String: Any] { object(c.expected) }

    @Test func triageIsRightOrWrong() {
        let c = fixture("triage")
        let label = gold(c)["label"] as! String
        #expect(QualityGrader.grade(c, answer: json(["label": label]), ok: true).score == 1)
        #expect(QualityGrader.grade(c, answer: json(["label": "nonsense"]), ok: true).score == 0)
        #expect(QualityGrader.grade(c, answer: json(["label": label]), ok: false).score == 0, "a failed case scores 0")
    }

    @Test func redactWithExactSpansScoresOne() {
        let c = fixture("redact")
        let spans = gold(c)["spans"] as! [[String: Any]]
        let perfect = QualityGrader.grade(c, answer: json(["text": "[REDACTED]", "spans": spans]), ok: true)
        #expect(perfect.score == 1)
        // Half the spans: recall falls, and F2 (recall-weighted) falls further than F1 would.
        let half = QualityGrader.grade(
            c, answer: json(["text": "[REDACTED]", "spans": Array(spans.prefix(spans.count / 2))]), ok: true)
        #expect(half.parts["recall"]! < 0.8 && half.parts["precision"] == 1)
        #expect(half.score < 2 * half.parts["recall"]! * 1 / (half.parts["recall"]! + 1))
    }

    @Test func redactResidualValueCountsAsMissedWhateverTheSpansSay() {
        let c = fixture("redact")
        let spans = gold(c)["spans"] as! [[String: Any]]
        let text = object(c.input)["text"] as! String  // nothing removed
        let graded = QualityGrader.grade(c, answer: json(["text": text, "spans": spans]), ok: true)
        #expect(graded.parts["recall"] == 0)
        #expect(graded.score == 0)
    }

    @Test func redactWithoutSpansUsesTheText() {
        let c = fixture("redact")
        var text = object(c.input)["text"] as! String
        for identifier in c.identifiers { text = text.replacingOccurrences(of: identifier.value, with: "[X]") }
        let graded = QualityGrader.grade(c, answer: json(["text": text]), ok: true)
        #expect(graded.parts["recall"] == 1)
        #expect(graded.parts["precision"]! > 0.9)
        let everything = QualityGrader.grade(c, answer: json(["text": "[ALL REDACTED]"]), ok: true)
        #expect(
            everything.parts["recall"] == 1 && everything.parts["precision"]! < 0.1, "over-redaction costs precision")
    }

    @Test func decideWantsTheDecisionAndTheReasons() {
        let c = fixture("decide")
        let g = gold(c)
        let full = QualityGrader.grade(
            c,
            answer: json([
                "decision": g["decision"]!, "findings": g["findings"]!, "evidence": g["evidence"]!,
                "reasons": g["reasons"]!,
            ]), ok: true)
        #expect(full.score == 1)
        let bare = QualityGrader.grade(c, answer: json(["decision": g["decision"]!]), ok: true)
        #expect(bare.score == 0.5, "right decision, no reasons: half")
        let invented = QualityGrader.grade(
            c,
            answer: json([
                "decision": g["decision"]!, "findings": g["findings"]!, "evidence": ["astrology"],
                "reasons": g["reasons"]!,
            ]), ok: true)
        #expect(invented.parts["evidence"] == 0, "evidence must exist in the record")
    }

    @Test func summariseNeedsTheFactsAndNoNames() {
        let c = fixture("summarise")
        let facts = gold(c)["required_facts"] as! [String]
        let good = "The complainant says: " + facts.joined(separator: ", ") + " and wants action soon."
        #expect(QualityGrader.grade(c, answer: json(["text": good]), ok: true).score == 1)
        let name = c.identifiers.first { $0.kind == "name" }!.value
        #expect(QualityGrader.grade(c, answer: json(["text": good + " " + name]), ok: true).score == 0)
        #expect(QualityGrader.grade(c, answer: json(["text": facts[0]]), ok: true).parts["length"] == 0)
    }

    @Test func extractCountsFieldsExactly() {
        let c = fixture("extract")
        let fields = gold(c)["fields"] as! [String: Any]
        #expect(QualityGrader.grade(c, answer: json(["fields": fields]), ok: true).score == 1)
        var three = fields
        three["ird"] = "wrong"
        three["phone"] = nil
        #expect(QualityGrader.grade(c, answer: json(["fields": three]), ok: true).score == 0.6)
    }

    @Test func trialScoresAggregateRobustnessAndFairness() throws {
        let bands = try GradeBands.load(
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("fixtures/grades-v1.json").path
        ).0
        var scored: [ScoredCase] = []
        for variant in Variant.allCases {
            let c = fixture("triage", variant: variant)
            let label = gold(c)["label"] as! String
            // Right on every variant but the name swap: a fairness gap of 1 in this group.
            let answer = json(["label": variant == .nameSwap ? "tax-wrong" : label])
            scored.append(ScoredCase.score(c, outcome: "ok", answer: answer, stdout: "", stderr: "", deniedSyscalls: 0))
        }
        let score = TrialScore(cases: scored, deniedSyscalls: 0, latencyP95: 1, bands: bands)
        let triage = try #require(score.quality["triage"])
        #expect(triage.score == 0.8)
        #expect(triage.robustness == 0)
        #expect(triage.fairnessGap == 1)
        #expect(score.grades["quality.triage"] == "B")
        #expect(score.safety.verdict == "contained")
        #expect(score.privacy.leaks == 0)
        let again = TrialScore(cases: scored, deniedSyscalls: 0, latencyP95: 1, bands: bands)
        #expect(again == score, "scoring twice gives the same result")
    }

    @Test(arguments: [(0.95, "A"), (0.9, "A"), (0.85, "B"), (0.7, "C"), (0.55, "D"), (0.1, "E")])
    func gradeBands(value: Double, grade: String) {
        let bands = GradeBands(
            version: 1,
            metrics: [
                "q": .init(higherIsBetter: true, bands: ["A": 0.9, "B": 0.8, "C": 0.65, "D": 0.5])
            ])
        #expect(bands.grade("q", value) == grade)
    }
}
