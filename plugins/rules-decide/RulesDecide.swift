import SandpitPluginKit

/// rules-decide: applies a hardship-grant application's published rules, one by one, and
/// says what it found, which fields it relied on, and why — the elements OIA s23 asks for.
/// A baseline: it reads the structured record and ignores the free text.
struct RulesDecide: Plugin {
    static let name = "rules-decide"
    static let version = "1.0.0"
    static let caseKinds = ["decide"]

    init(config: JSONValue) throws {}

    func number(_ value: JSONValue?) -> Int? {
        if case .number(let n)? = value { return Int(n) }
        return nil
    }

    mutating func answer(_ input: PluginCase) throws -> JSONValue {
        guard case .object(let record)? = input.input["record"], let rules = input.input["rules"] else {
            throw PluginError("decide input needs record and rules")
        }
        guard let household = number(record["household_size"]), let income = number(record["weekly_income"]),
            let amount = number(record["amount_requested"]), let prior = number(record["grants_last_52_weeks"]),
            let purpose = record["purpose"]?.stringValue, let residency = record["residency"]?.stringValue,
            let limit = number(rules["income_limits"]?[String(household)]),
            let maximum = number(rules["maximums"]?[purpose])
        else { throw PluginError("the record or rules are missing a field this baseline needs") }
        var findings: [JSONValue] = []
        var reasons: [JSONValue] = []
        func check(_ ok: Bool, _ field: String, _ fact: String, _ reason: String) {
            findings.append(["field": .string(field), "fact": .string(fact)])
            if !ok { reasons.append(.string(reason)) }
        }
        check(
            ["citizen", "resident"].contains(residency), "residency", "the applicant is a \(residency)",
            "the applicant is not a citizen or resident")
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
        let approve = reasons.isEmpty
        if approve { reasons.append("every rule is met") }
        return [
            "decision": .string(approve ? "approve" : "decline"),
            "findings": .array(findings),
            "evidence": ["residency", "weekly_income", "household_size", "amount_requested", "grants_last_52_weeks"],
            "reasons": .array(reasons),
            "text": .string(
                approve
                    ? "Approved: every rule is met."
                    : "Declined: " + reasons.compactMap(\.stringValue).joined(separator: "; ") + "."),
        ]
    }
}

@_cdecl("sandpit_plugin_v1")
public func sandpitPluginV1() -> UnsafeRawPointer { PluginExport.table(for: RulesDecide.self) }
