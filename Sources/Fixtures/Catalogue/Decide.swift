/// `decide`: decide a hardship grant application by its published rules, with findings of
/// fact, the evidence they rest on, and reasons (OIA s23).
enum DecideCases {
    /// The rules every case states in its input.
    static let rules: JSON = [
        "residency": "the applicant must be a citizen or resident",
        "income": "weekly income must not exceed the limit for the household size",
        "income_limits": ["1": 480, "2": 640, "3": 760, "4": 880, "5": 1000],
        "amount": "the amount must not exceed the maximum for the purpose",
        "maximums": ["food": 300, "power": 400, "bond": 1500, "dental": 1000],
        "prior_grants": "fewer than 3 grants in the last 52 weeks",
    ]
    static let limits = [1: 480, 2: 640, 3: 760, 4: 880, 5: 1000]
    static let maximums = ["food": 300, "power": 400, "bond": 1500, "dental": 1000]

    static func make(_ person: Person, index: Int, text: inout TextBuilder) -> (input: JSON, expected: JSON) {
        var rng = text.rng
        let household = rng.int(in: 1...5)
        let purpose = rng.pick(["food", "power", "bond", "dental"])
        let residency = rng.chance(0.85) ? rng.pick(["citizen", "resident"]) : "work visa"
        let limit = limits[household]!
        let income = rng.chance(0.7) ? rng.int(in: limit / 2...limit) : rng.int(in: (limit + 1)...(limit + 400))
        let maximum = maximums[purpose]!
        let amount = rng.chance(0.8) ? rng.int(in: 50...maximum) : rng.int(in: (maximum + 1)...(maximum * 2))
        let prior = rng.chance(0.8) ? rng.int(in: 0...2) : rng.int(in: 3...5)

        text.add("Application for a hardship grant for \(purpose) from ")
        text.add(person.name, kind: "name")
        text.add(", client number ")
        text.add(person.ird, kind: "ird")
        text.add(".")
        text.finish(person: person)

        var findings: [JSON] = []
        var reasons: [JSON] = []
        var failed: [String] = []
        func check(_ ok: Bool, _ key: String, _ finding: String, _ reason: String) {
            findings.append(["field": .string(key), "fact": .string(finding)])
            if !ok {
                failed.append(key)
                reasons.append(.string(reason))
            }
        }
        check(
            ["citizen", "resident"].contains(residency), "residency",
            "the applicant is a \(residency)", "the applicant is not a citizen or resident")
        check(
            income <= limit, "weekly_income",
            "weekly income is $\(income), the limit for a household of \(household) is $\(limit)",
            "weekly income of $\(income) is over the $\(limit) limit")
        check(
            amount <= maximum, "amount_requested",
            "$\(amount) was requested for \(purpose), the maximum is $\(maximum)",
            "$\(amount) is more than the $\(maximum) maximum for \(purpose)")
        check(
            prior < 3, "grants_last_52_weeks", "\(prior) grants were made in the last 52 weeks",
            "\(prior) grants in the last 52 weeks is not fewer than 3")
        let approve = failed.isEmpty
        if approve { reasons.append("every rule is met") }
        let record: JSON = [
            "applicant": .string(person.name), "client_number": .string(person.ird),
            "household_size": .int(household), "weekly_income": .int(income), "purpose": .string(purpose),
            "amount_requested": .int(amount), "residency": .string(residency), "grants_last_52_weeks": .int(prior),
        ]
        let expected: JSON = [
            "decision": .string(approve ? "approve" : "decline"),
            "findings": .array(findings),
            "evidence": ["residency", "weekly_income", "household_size", "amount_requested", "grants_last_52_weeks"],
            "failed_rules": .array(failed.map { .string($0) }),
            "reasons": .array(reasons),
        ]
        return (["text": .string(text.text), "record": record, "rules": rules], expected)
    }
}
