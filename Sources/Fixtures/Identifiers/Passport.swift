/// New Zealand passport numbers, and the ICAO 9303 machine-readable-zone check digit.
public enum Passport {
    /// Prefixes seen on NZ passports (unverified as a complete list: REFERENCE.md §1).
    static let prefixes = ["LA", "LD", "LF", "LH", "EA", "N"]

    /// Whether `text` has the shape of an NZ passport number (there is no public checksum).
    public static func isWellFormed(_ text: String) -> Bool {
        for prefix in prefixes where text.hasPrefix(prefix) {
            let rest = text.dropFirst(prefix.count)
            return rest.count == 6 && rest.allSatisfy { $0.isASCII && $0.isNumber }
        }
        return false
    }

    /// The MRZ check digit of `field`: weights 7, 3, 1; digits as themselves, A–Z as 10–35, `<` as 0.
    public static func checkDigit(_ field: String) -> Int? {
        let weights = [7, 3, 1]
        var sum = 0
        for (i, c) in field.enumerated() {
            let value: Int
            if let digit = c.wholeNumberValue, c.isASCII {
                value = digit
            } else if c == "<" {
                value = 0
            } else if let ascii = c.asciiValue, c.isUppercase {
                value = Int(ascii) - 55
            } else {
                return nil
            }
            sum += value * weights[i % 3]
        }
        return sum % 10
    }

    /// Whether an MRZ document-number field (9 characters, `<`-padded) followed by its check digit is valid.
    public static func isValidMRZNumber(_ text: String) -> Bool {
        guard text.count == 10, let check = text.last?.wholeNumberValue else { return false }
        return checkDigit(String(text.prefix(9))) == check
    }

    /// A well-formed passport number.
    public static func generate(_ rng: inout SplitMix64) -> String {
        rng.pick(prefixes) + BankAccount.pad(rng.int(in: 0...999_999), 6)
    }

    /// The number as it appears in an MRZ: padded to 9 with `<`, then its check digit.
    public static func mrz(_ number: String) -> String {
        let field = number + String(repeating: "<", count: max(0, 9 - number.count))
        return field + String(checkDigit(field) ?? 0)
    }
}

/// Driver licence numbers: two letters and six digits (no public checksum).
public enum DriverLicence {
    public static func isWellFormed(_ text: String) -> Bool {
        let c = Array(text)
        return c.count == 8 && c[0..<2].allSatisfy { $0.isASCII && $0.isUppercase }
            && c[2..<8].allSatisfy { $0.isASCII && $0.isNumber }
    }

    public static func generate(_ rng: inout SplitMix64) -> String {
        let letters = Array("ABCDEFGHJKLMNPRSTUVWXYZ")
        return String([rng.pick(letters), rng.pick(letters)]) + BankAccount.pad(rng.int(in: 0...999_999), 6)
    }
}

/// New Zealand phone numbers, in the forms people write them.
public enum PhoneNumber {
    static let mobilePrefixes = ["020", "021", "022", "027", "028", "029"]
    static let landlinePrefixes = ["03", "04", "06", "07", "09"]

    /// A mobile (`021 234 5678`) or landline (`04 123 4567`) number.
    public static func generate(_ rng: inout SplitMix64, mobile: Bool) -> String {
        if mobile {
            return "\(rng.pick(mobilePrefixes)) \(rng.int(in: 200...999)) \(BankAccount.pad(rng.int(in: 0...9999), 4))"
        }
        return "\(rng.pick(landlinePrefixes)) \(rng.int(in: 200...999)) \(BankAccount.pad(rng.int(in: 0...9999), 4))"
    }

    /// The national digits (leading 0) of `text` in 0… or +64 form, or nil when it is not a NZ number.
    public static func nationalDigits(_ text: String) -> String? {
        var digits = text.filter { $0.isASCII && $0.isNumber }
        if text.trimmingPrefix(" ").hasPrefix("+64") || (digits.hasPrefix("64") && !text.hasPrefix("0")) {
            digits = "0" + digits.dropFirst(2)
        }
        guard digits.hasPrefix("0"), (9...11).contains(digits.count) else { return nil }
        let valid =
            mobilePrefixes.contains { digits.hasPrefix($0) } || landlinePrefixes.contains { digits.hasPrefix($0) }
            || digits.hasPrefix("0800") || digits.hasPrefix("0508")
        return valid ? digits : nil
    }
}
