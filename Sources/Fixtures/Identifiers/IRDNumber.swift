/// New Zealand IRD (tax) numbers: 8 or 9 digits, the last a check digit (REFERENCE.md §1).
public enum IRDNumber {
    static let primaryWeights = [3, 2, 7, 6, 5, 4, 3, 2]
    static let secondaryWeights = [7, 4, 3, 2, 5, 2, 7, 6]
    /// Valid numbers are below this; IR may raise it (kept configurable, as the reference advises).
    nonisolated(unsafe) public static var upperBound = 150_000_000

    /// Whether `text` (digits, with or without dashes or spaces) is a valid IRD number.
    public static func isValid(_ text: String) -> Bool {
        Digits.only(text, allowing: "- ").map(isValid(digits:)) ?? false
    }

    /// The same check on digits a scanner has already read.
    public static func isValid(digits: [Int]) -> Bool {
        guard digits.count == 8 || digits.count == 9 else { return false }
        let number = digits.reduce(0) { $0 * 10 + $1 }
        guard number > 10_000_000 && number < upperBound else { return false }
        return checkDigit(base: digits.dropLast()) == digits.last
    }

    /// The check digit for a 7- or 8-digit base, or nil when the base has none.
    public static func checkDigit(base: [Int]) -> Int? {
        checkDigit(base: base[...])
    }

    /// As above, on a slice: scanners check every 8- and 9-digit run they meet, so this
    /// allocates nothing.
    public static func checkDigit(base: ArraySlice<Int>) -> Int? {
        guard base.count <= 8 else { return nil }
        let pad = 8 - base.count
        for pass in 0..<2 {
            let weights = pass == 0 ? primaryWeights : secondaryWeights
            var sum = 0
            for (k, digit) in base.enumerated() { sum += digit * weights[pad + k] }
            let r = sum % 11
            let check = r == 0 ? 0 : 11 - r
            if check != 10 { return check }
        }
        return nil
    }

    /// A valid number: 9 digits when `long`, else 8; printed `NN-NNN-NNN` or `NNN-NNN-NNN`.
    public static func generate(_ rng: inout SplitMix64, long: Bool) -> String {
        while true {
            let base = long ? rng.int(in: 10_000_000...14_999_999) : rng.int(in: 1_000_001...9_999_999)
            guard let check = checkDigit(base: Digits.of(base)) else { continue }
            let number = base * 10 + check
            guard number > 10_000_000 && number < upperBound else { continue }
            let head = number / 1_000_000
            let middle = number / 1000 % 1000
            let tail = number % 1000
            return "\(head)-\(BankAccount.pad(middle, 3))-\(BankAccount.pad(tail, 3))"
        }
    }
}

/// Small helpers for digit strings.
enum Digits {
    /// The digits of `text`, ignoring the separator characters in `allowing`; nil if anything else appears.
    static func only(_ text: String, allowing separators: String) -> [Int]? {
        var out: [Int] = []
        for scalar in text.unicodeScalars {
            if let value = scalar.properties.numericType == .decimal ? Int(String(scalar)) : nil, scalar.isASCII {
                out.append(value)
            } else if !separators.unicodeScalars.contains(scalar) {
                return nil
            }
        }
        return out
    }

    static func of(_ number: Int) -> [Int] {
        var digits: [Int] = []
        var n = number
        repeat {
            digits.append(n % 10)
            n /= 10
        } while n > 0
        return digits.reversed()
    }
}

extension SplitMix64 {
    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// A uniformly chosen element.
    public mutating func pick<T>(_ items: [T]) -> T { items[int(in: 0...(items.count - 1))] }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
}
