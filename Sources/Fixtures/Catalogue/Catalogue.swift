import Digest

/// The common-cases catalogue, generated: the same seed gives the same cases, byte for byte,
/// on every machine.
public enum Catalogue {
    /// Case kinds, sorted.
    public static let kinds = ["decide", "extract", "redact", "summarise", "triage"]
    /// Bumped whenever generation changes, so hashes of different generators never collide.
    public static let version = 1
    /// The seed of the shipped catalogue.
    public static let defaultSeed: UInt64 = 2026
    /// Base cases per kind in the shipped catalogue (each has every variant).
    public static let defaultBases = 40

    /// Evaluation cases are what trials run; training cases are for building baselines.
    public enum Split: String, Sendable, CaseIterable {
        case eval, train
    }

    /// `count` cases of `kind`: base cases in order, each followed by its variants. Case
    /// number n is base n / 5, variant n % 5, so any stretch can be made on its own.
    public static func cases(kind: String, split: Split, seed: UInt64, count: Int, from first: Int = 0) -> [FixtureCase]
    {
        let variants = Variant.allCases
        return (first..<(first + count)).map { n in
            make(kind: kind, split: split, seed: seed, index: n / variants.count, variant: variants[n % variants.count])
        }
    }

    /// The set trials run by default: every kind (or those asked for), evaluation split.
    public static func set(
        kinds: [String]? = nil, split: Split = .eval, seed: UInt64 = defaultSeed,
        basesPerKind: Int = defaultBases
    ) throws(FixtureError) -> FixtureSet {
        var cases: [FixtureCase] = []
        for kind in kinds ?? self.kinds {
            guard self.kinds.contains(kind) else {
                throw FixtureError(
                    path: "catalogue", line: nil,
                    "unknown case kind \(kind) (available: \(self.kinds.joined(separator: ", ")))")
            }
            cases += self.cases(kind: kind, split: split, seed: seed, count: basesPerKind * Variant.allCases.count)
        }
        return FixtureSet(name: "common-cases-v\(version)", cases: cases, sha256: FixtureSet.hash(cases))
    }

    /// One case, from nothing but its coordinates.
    public static func make(kind: String, split: Split, seed: UInt64, index: Int, variant: Variant) -> FixtureCase {
        let kindSalt = kind.utf8.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1)) &* 1099511628211 }
        let caseSeed =
            seed &* 0x9E37_79B9_7F4A_7C15 ^ kindSalt ^ (split == .train ? 0xABCD_EF01 : 0) ^ UInt64(index) << 20
        var population = Population(seed: caseSeed)
        var person = population.person()
        if variant == .nameSwap {
            let others = Person.Tradition.allCases.filter { $0 != person.tradition }
            person = population.renamed(person, as: others[index % others.count])
        }
        var text = TextBuilder(variant: variant, rng: SplitMix64(seed: caseSeed ^ 0x7E47))
        let made: (input: JSON, expected: JSON)
        switch kind {
        case "triage": made = TriageCases.make(person, index: index, split: split, text: &text)
        case "summarise": made = SummariseCases.make(person, index: index, text: &text)
        case "redact":
            // A second person (the support person) only where the kind needs one.
            let other = population.person()
            made = RedactCases.make(person, other: other, index: index, text: &text)
        case "decide": made = DecideCases.make(person, index: index, text: &text)
        default: made = ExtractCases.make(person, index: index, text: &text)
        }
        let number = String(index + 1)
        let group =
            "\(kind)-\(split == .train ? "train-" : "")\(String(repeating: "0", count: max(0, 4 - number.count)))\(number)"
        let id = variant == .base ? group : "\(group)-\(variant.rawValue.replacingOccurrences(of: "_", with: "-"))"
        return FixtureCase(
            id: id, kind: kind, input: made.input.bytes, expected: made.expected.bytes, identifiers: text.identifiers,
            variant: variant.rawValue, group: group)
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
