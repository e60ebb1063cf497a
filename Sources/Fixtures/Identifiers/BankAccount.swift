/// New Zealand bank account numbers, `BB-bbbb-AAAAAAA-SS(S)`, checked by the bank's algorithm.
public enum BankAccount {
    /// Bank → branch ranges, from the Payments NZ register (a change there is a change here).
    public static let register: [Int: [ClosedRange<Int>]] = [
        1: [1...999, 1100...1199, 1800...1899], 2: [1...999, 1200...1299],
        3: [1...999, 1300...1399, 1500...1599, 1700...1799, 1900...1999], 6: [1...999, 1400...1499],
        8: [6500...6599], 9: [0...0], 10: [5165...5169], 11: [5000...6499, 6600...8999],
        12: [3000...3299, 3400...3499, 3600...3699], 13: [4900...4999], 14: [4700...4799], 15: [3900...3999],
        16: [4400...4499], 17: [3300...3399], 18: [3500...3599], 19: [4600...4649], 20: [4100...4199],
        21: [4800...4899], 22: [4000...4049], 23: [3700...3799], 24: [4300...4399], 25: [2500...2599],
        26: [2600...2699], 27: [3800...3849], 28: [2100...2149], 29: [2150...2299], 30: [2900...2949],
        31: [2800...2849], 33: [6700...6799], 35: [2400...2499], 38: [9000...9499],
    ]

    enum Algorithm: String { case a = "A", b = "B", d = "D", e = "E", f = "F", g = "G", x = "X" }

    static let weights: [Algorithm: (weights: [Int], modulus: Int)] = [
        .a: ([0, 0, 6, 3, 7, 9, 0, 0, 10, 5, 8, 4, 2, 1, 0, 0, 0, 0], 11),
        .b: ([0, 0, 0, 0, 0, 0, 0, 0, 10, 5, 8, 4, 2, 1, 0, 0, 0, 0], 11),
        .d: ([0, 0, 0, 0, 0, 0, 0, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0], 11),
        .e: ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 4, 3, 2, 0, 0, 0, 1], 11),
        .f: ([0, 0, 0, 0, 0, 0, 0, 1, 7, 3, 1, 7, 3, 1, 0, 0, 0, 0], 10),
        .g: ([0, 0, 0, 0, 0, 0, 0, 1, 3, 7, 1, 3, 7, 1, 0, 3, 7, 1], 10),
    ]

    static func algorithm(bank: Int, base: Int) -> Algorithm {
        switch bank {
        case 8: return .d
        case 9: return .e
        case 25, 33: return .f
        case 26, 28, 29: return .g
        case 31: return .x
        default: return base < 990_000 ? .a : .b
        }
    }

    /// The four parts, padded to 2, 4, 8 and 4 digits; nil when `text` is not shaped like an account.
    static func parts(_ text: String) -> (bank: Int, branch: Int, base: Int, suffix: Int, digits: [Int])? {
        let groups = text.split(whereSeparator: { $0 == "-" || $0 == " " })
        guard groups.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }) else { return nil }
        return parts(digits: groups.flatMap { $0.compactMap(\.wholeNumberValue) }, groupSizes: groups.map(\.count))
    }

    /// Whether groups of digits of these sizes are shaped like an account: 2, 3–4, 7–8 and 2–4.
    public static func isShaped(_ bank: Int, _ branch: Int, _ base: Int, _ suffix: Int) -> Bool {
        bank == 2 && (3...4).contains(branch) && (7...8).contains(base) && (2...4).contains(suffix)
    }

    /// The four parts of digits already split into groups of the given sizes.
    static func parts(digits: [Int], groupSizes: [Int]) -> (
        bank: Int, branch: Int, base: Int, suffix: Int, digits: [Int]
    )? {
        guard groupSizes.count == 4, isShaped(groupSizes[0], groupSizes[1], groupSizes[2], groupSizes[3]),
            digits.count == groupSizes.reduce(0, +)
        else { return nil }
        var padded: [Int] = []
        padded.reserveCapacity(18)
        var numbers: [Int] = []
        var at = 0
        for (size, width) in zip(groupSizes, [2, 4, 8, 4]) {
            padded += repeatElement(0, count: width - size)
            padded += digits[at..<(at + size)]
            numbers.append(digits[at..<(at + size)].reduce(0) { $0 * 10 + $1 })
            at += size
        }
        return (numbers[0], numbers[1], numbers[2], numbers[3], padded)
    }

    /// Whether `text` names a registered bank and branch and passes that bank's check.
    public static func isValid(_ text: String) -> Bool {
        guard let p = parts(text) else { return false }
        return isValid(bank: p.bank, branch: p.branch, base: p.base, digits: p.digits)
    }

    /// The same check on digits a scanner has already split into the four groups (bank,
    /// branch, account base, suffix), with the size of each group. Groups of the wrong size
    /// are not an account.
    public static func isValid(digits: [Int], groupSizes: [Int]) -> Bool {
        guard let p = parts(digits: digits, groupSizes: groupSizes) else { return false }
        return isValid(bank: p.bank, branch: p.branch, base: p.base, digits: p.digits)
    }

    /// The check on the 18 padded digits.
    static func isValid(bank: Int, branch: Int, base: Int, digits: [Int]) -> Bool {
        guard let ranges = register[bank], ranges.contains(where: { $0.contains(branch) }) else { return false }
        let algorithm = algorithm(bank: bank, base: base)
        guard let (weights, modulus) = weights[algorithm] else { return true }  // X: always valid
        var sum = 0
        for (digit, weight) in zip(digits, weights) {
            var product = digit * weight
            if algorithm == .e || algorithm == .g {
                // Reduced by adding its digits, twice (63 → 9, 18 → 9).
                for _ in 0..<2 { product = product / 10 + product % 10 }
            }
            sum += product
        }
        return sum % modulus == 0
    }

    /// Banks fixtures draw from: several, so that several algorithms are exercised.
    static let generatedBanks = [1, 2, 3, 6, 8, 9, 12, 25, 26, 38]

    /// A valid account at a registered branch. Candidates are checked as digits; only the
    /// one that passes is formatted (generation must stay fast: 100,000 cases in seconds).
    public static func generate(_ rng: inout SplitMix64) -> String {
        let bank = rng.pick(generatedBanks)
        let range = rng.pick(register[bank]!)
        let branch = rng.int(in: range)
        let longSuffix = bank == 8 || bank == 26
        let suffix = longSuffix ? rng.int(in: 0...40) : rng.int(in: 0...5)
        var digits = [Int](repeating: 0, count: 18)
        func put(_ value: Int, at offset: Int, width: Int) {
            var v = value
            for i in stride(from: offset + width - 1, through: offset, by: -1) {
                digits[i] = v % 10
                v /= 10
            }
        }
        put(bank, at: 0, width: 2)
        put(branch, at: 2, width: 4)
        put(suffix, at: 14, width: 4)
        let below = weights[algorithm(bank: bank, base: 0)]
        let above = weights[algorithm(bank: bank, base: 990_000)]
        let reduces = [Algorithm.e, .g].contains(algorithm(bank: bank, base: 0))  // E and G add a product's digits
        while true {
            let base = rng.int(in: 1...9_999_999)
            put(base, at: 6, width: 8)
            guard let (w, modulus) = base < 990_000 ? below : above else { break }  // X: any base
            var sum = 0
            for i in 0..<18 where w[i] != 0 {
                var product = digits[i] * w[i]
                if reduces { for _ in 0..<2 { product = product / 10 + product % 10 } }
                sum += product
            }
            if sum % modulus == 0 {
                return pad(bank, 2) + "-" + pad(branch, 4) + "-" + pad(base, 7) + "-" + pad(suffix, longSuffix ? 3 : 2)
            }
        }
        return pad(bank, 2) + "-" + pad(branch, 4) + "-" + pad(rng.int(in: 1...9_999_999), 7) + "-" + pad(suffix, 2)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.utf8.count >= width ? text : String(repeating: "0", count: width - text.utf8.count) + text
    }
}
