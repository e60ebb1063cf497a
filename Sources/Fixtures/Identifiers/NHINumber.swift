/// National Health Index numbers (HISO 10046): the old `AAANNNC` and the new `AAANNAX`.
/// Fixtures use only the `Z…` range, which is reserved for testing.
public enum NHINumber {
    /// Letters as NHI values: A=1 … H=8, J=9 … N=13, P=14 … Z=24 (no I, no O).
    static let letters: [Character] = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
    static let weights = [7, 6, 5, 4, 3, 2]

    static func value(_ c: Character) -> Int? {
        if let digit = c.wholeNumberValue, c.isASCII { return digit }
        return letters.firstIndex(of: c).map { $0 + 1 }
    }

    static func sum(_ chars: [Character]) -> Int? {
        var total = 0
        for (c, w) in zip(chars.prefix(6), weights) {
            guard let v = value(c) else { return nil }
            total += v * w
        }
        return total
    }

    static func isLetter(_ c: Character) -> Bool { letters.contains(c) }
    static func isDigit(_ c: Character) -> Bool { c.isASCII && c.wholeNumberValue != nil }

    /// Whether `text` is a valid NHI in either format (upper case, as issued).
    public static func isValid(_ text: String) -> Bool { isValidOld(text) || isValidNew(text) }

    /// `AAANNNC`: mod 11, a remainder of 0 is invalid, a check of 10 is written 0.
    public static func isValidOld(_ text: String) -> Bool {
        let c = Array(text)
        guard c.count == 7, c[0..<3].allSatisfy(isLetter), c[3..<7].allSatisfy(isDigit), let s = sum(c) else {
            return false
        }
        let r = s % 11
        guard r != 0 else { return false }
        return (11 - r) % 10 == c[6].wholeNumberValue
    }

    /// `AAANNAX` (from 2022): mod 23, the check letter's value is 23 − r.
    public static func isValidNew(_ text: String) -> Bool {
        let c = Array(text)
        guard c.count == 7, c[0..<3].allSatisfy(isLetter), c[3..<5].allSatisfy(isDigit), isLetter(c[5]),
            isLetter(c[6]), let s = sum(c)
        else { return false }
        return value(c[6]) == 23 - s % 23
    }

    /// A valid test-range NHI in the old or new format, computed on values (no string parsing).
    public static func generate(_ rng: inout SplitMix64, newFormat: Bool) -> String {
        while true {
            // Values: letters 1...24, digits 0...9. Z is 24.
            var v = [24, rng.int(in: 1...24), rng.int(in: 1...24), rng.int(in: 0...9), rng.int(in: 0...9)]
            v.append(newFormat ? rng.int(in: 1...24) : rng.int(in: 0...9))
            let s = zip(v, weights).reduce(0) { $0 + $1.0 * $1.1 }
            var text = String(letters[v[0] - 1]) + String(letters[v[1] - 1]) + String(letters[v[2] - 1])
            text += String(v[3]) + String(v[4])
            if newFormat {
                text += String(letters[v[5] - 1]) + String(letters[23 - s % 23 - 1])
            } else {
                let r = s % 11
                guard r != 0 else { continue }
                text += String(v[5]) + String((11 - r) % 10)
            }
            return text
        }
    }
}
