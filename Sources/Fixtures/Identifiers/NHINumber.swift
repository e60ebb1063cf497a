/// National Health Index numbers (HISO 10046): the old `AAANNNC` and the new `AAANNAX`.
/// Fixtures use only the `Z…` range, which is reserved for testing.
public enum NHINumber {
    /// Letters as NHI values: A=1 … H=8, J=9 … N=13, P=14 … Z=24 (no I, no O).
    static let letters: [Character] = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
    static let weights = [7, 6, 5, 4, 3, 2]

    /// The NHI value of an ASCII byte: digits 0…9, letters A=1 … Z=24 (no I, no O); nil
    /// for anything else, lower case included (numbers are issued in upper case).
    static func value(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte - 0x30)
        case 0x41...0x48: return Int(byte - 0x41) + 1  // A…H
        case 0x4A...0x4E: return Int(byte - 0x4A) + 9  // J…N
        case 0x50...0x5A: return Int(byte - 0x50) + 14  // P…Z
        default: return nil
        }
    }

    static func isLetter(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A && byte != 0x49 && byte != 0x4F }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// The weighted sum of the first six characters.
    static func sum<C: Collection<UInt8>>(_ c: C) -> Int? where C.Index == Int {
        var total = 0
        for k in 0..<6 {
            guard let v = value(c[c.startIndex + k]) else { return nil }
            total += v * weights[k]
        }
        return total
    }

    /// Whether `text` is a valid NHI in either format (upper case, as issued).
    public static func isValid(_ text: String) -> Bool { isValidOld(text) || isValidNew(text) }

    /// Whether seven ASCII bytes are a valid NHI in either format. For scanners that work on
    /// bytes: no string is made.
    public static func isValid<C: Collection<UInt8>>(bytes: C) -> Bool where C.Index == Int {
        isValidOld(bytes: bytes) || isValidNew(bytes: bytes)
    }

    /// `AAANNNC`: mod 11, a remainder of 0 is invalid, a check of 10 is written 0.
    public static func isValidOld(_ text: String) -> Bool { isValidOld(bytes: Array(text.utf8)) }

    static func isValidOld<C: Collection<UInt8>>(bytes c: C) -> Bool where C.Index == Int {
        let at = c.startIndex
        guard c.count == 7, (at..<(at + 3)).allSatisfy({ isLetter(c[$0]) }),
            ((at + 3)..<(at + 7)).allSatisfy({ isDigit(c[$0]) }), let s = sum(c)
        else { return false }
        let r = s % 11
        guard r != 0 else { return false }
        return (11 - r) % 10 == Int(c[at + 6] - 0x30)
    }

    /// `AAANNAX` (from 2022): mod 23, the check letter's value is 23 − r.
    public static func isValidNew(_ text: String) -> Bool { isValidNew(bytes: Array(text.utf8)) }

    static func isValidNew<C: Collection<UInt8>>(bytes c: C) -> Bool where C.Index == Int {
        let at = c.startIndex
        guard c.count == 7, (at..<(at + 3)).allSatisfy({ isLetter(c[$0]) }), isDigit(c[at + 3]), isDigit(c[at + 4]),
            isLetter(c[at + 5]), isLetter(c[at + 6]), let s = sum(c)
        else { return false }
        return value(c[at + 6]) == 23 - s % 23
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
