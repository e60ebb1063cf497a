import Foundation

/// Parses argument conditions as policies write them:
/// `arg0 == AF_UNIX`, `arg2 & PROT_EXEC == 0`, `arg1 != TIOCSTI`, `arg0 <= 2`,
/// `arg3 & (MAP_SHARED | MAP_FIXED) == 0`. Values are numbers (decimal, 0x hex, 0o octal,
/// negative) or named constants (``PolicyConstants``), or several joined with `|`.
public enum ConditionParser {
    /// Parses one condition for an argument of `syscall`.
    ///
    /// - Throws: a message naming what is wrong, for the caller to place in a ``PolicyError``.
    public static func parse(_ text: String, syscall: String) throws(ConditionError) -> ArgumentCondition {
        let tokens = tokenize(text)
        guard tokens.count >= 3, tokens[0].hasPrefix("arg"), let index = Int(tokens[0].dropFirst(3)),
            (0...5).contains(index)
        else { throw ConditionError("\"\(text)\": a condition starts with arg0 … arg5") }
        let is32 = PolicyConstants.int32Arguments[syscall]?.contains(index) ?? false
        var rest = Array(tokens.dropFirst())
        var mask: UInt64?
        if rest.first == "&" {
            guard let opIndex = rest.firstIndex(where: { ["==", "!=", "<", "<=", ">", ">="].contains($0) }) else {
                throw ConditionError("\"\(text)\": a mask needs == VALUE after it")
            }
            mask = try value(Array(rest[1..<opIndex]), in: text)
            rest = Array(rest[opIndex...])
        }
        guard rest.count >= 2 else { throw ConditionError("\"\(text)\": expected an operator and a value") }
        var right = try value(Array(rest.dropFirst()), in: text)
        let op: ArgumentCondition.Operator
        switch rest[0] {
        case "==":
            if let mask {
                guard right & ~mask == 0 else {
                    throw ConditionError("\"\(text)\": can never hold (the value has bits outside the mask)")
                }
                return .masked(index, is32 ? mask & 0xffff_ffff : mask, equals: right)
            }
            if is32 { return .masked(index, 0xffff_ffff, equals: right & 0xffff_ffff) }
            op = .equal
        case "!=": op = .notEqual
        case "<": op = .less
        case "<=": op = .lessOrEqual
        case ">": op = .greater
        case ">=": op = .greaterOrEqual
        default: throw ConditionError("\"\(text)\": unknown operator \(rest[0]) (use == != < <= > >=)")
        }
        guard mask == nil else { throw ConditionError("\"\(text)\": a mask can only be compared with ==") }
        if is32 { right &= 0xffff_ffff }
        return ArgumentCondition(index, op, right)
    }

    static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current = ""
        var chars = Array(text)
        var i = 0
        func flush() {
            if !current.isEmpty { tokens.append(current) }
            current = ""
        }
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" {
                flush()
            } else if "()|&".contains(c) {
                flush()
                tokens.append(String(c))
            } else if "=!<>".contains(c) {
                flush()
                if i + 1 < chars.count, chars[i + 1] == "=" {
                    tokens.append(String([c, "="]))
                    i += 1
                } else {
                    tokens.append(String(c))
                }
            } else {
                current.append(c)
            }
            i += 1
        }
        flush()
        chars = []
        return tokens
    }

    /// `A | B | 0x4`, optionally in parentheses.
    static func value(_ tokens: [String], in text: String) throws(ConditionError) -> UInt64 {
        let parts = tokens.filter { $0 != "(" && $0 != ")" }
        guard !parts.isEmpty else { throw ConditionError("\"\(text)\": a value is missing") }
        var result: UInt64 = 0
        var expectValue = true
        for part in parts {
            if expectValue {
                result |= try number(part, in: text)
            } else if part != "|" {
                throw ConditionError("\"\(text)\": expected | between values, found \(part)")
            }
            expectValue.toggle()
        }
        guard !expectValue else { throw ConditionError("\"\(text)\": a value is missing after |") }
        return result
    }

    static func number(_ token: String, in text: String) throws(ConditionError) -> UInt64 {
        if let named = PolicyConstants.values[token] { return named }
        var digits = Substring(token)
        let negative = digits.hasPrefix("-")
        if negative { digits = digits.dropFirst() }
        let parsed: UInt64?
        if digits.hasPrefix("0x") {
            parsed = UInt64(digits.dropFirst(2).replacingOccurrences(of: "_", with: ""), radix: 16)
        } else if digits.hasPrefix("0o") {
            parsed = UInt64(digits.dropFirst(2), radix: 8)
        } else {
            parsed = UInt64(digits)
        }
        guard let parsed else {
            throw ConditionError("\"\(text)\": unknown constant \(token) (see `sandpit policy constants`)")
        }
        return negative ? UInt64(bitPattern: -Int64(bitPattern: parsed)) : parsed
    }
}

/// A condition that does not parse.
public struct ConditionError: Error, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
