import Glibc

/// A JSON value from a plugin's answer or a fixture's gold answer.
///
/// Scoring parses every answer, so it has its own small parser over UTF-8 bytes instead of
/// `JSONSerialization`, which cost more than all the grading that follows (a 2 KB answer:
/// about 4.7 µs there, 0.6 µs here, measured side by side). Strict RFC 8259, nesting at most
/// 64 deep; anything else is not an answer.
enum AnswerJSON: Sendable, Hashable {
    case object([String: AnswerJSON])
    case array([AnswerJSON])
    /// A string's UTF-8 bytes, escapes decoded: graders search bytes, so most strings are
    /// never made into a `String`.
    case string([UInt8])
    case number(Double)
    case bool(Bool)
    case null

    /// The value `bytes` hold, or nil when they are not exactly one JSON value.
    static func parse(_ bytes: [UInt8]) -> AnswerJSON? {
        bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            parser.skipSpace()
            guard let value = parser.value(depth: 0) else { return nil }
            parser.skipSpace()
            return parser.index == buffer.count ? value : nil
        }
    }

    static func parse(_ text: String) -> AnswerJSON? { parse(Array(text.utf8)) }

    subscript(key: String) -> AnswerJSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    var string: String? {
        if case .string(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// A string's UTF-8 bytes.
    var utf8: [UInt8]? {
        if case .string(let bytes) = self { return bytes }
        return nil
    }

    /// A number that is a whole number an `Int` can hold.
    var int: Int? {
        if case .number(let value) = self, let whole = Int(exactly: value) { return whole }
        return nil
    }

    var array: [AnswerJSON]? {
        if case .array(let values) = self { return values }
        return nil
    }

    var object: [String: AnswerJSON]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The strings of an array, other elements skipped.
    var strings: [String] { array?.compactMap(\.string) ?? [] }

    /// Every string in the value, keys included, in document order of a depth-first walk
    /// (object members in key order, so the result is deterministic).
    func allStrings(into out: inout [String]) {
        switch self {
        case .string(let bytes): out.append(String(decoding: bytes, as: UTF8.self))
        case .array(let values): for value in values { value.allStrings(into: &out) }
        case .object(let members):
            for key in members.keys.sorted() {
                out.append(key)
                members[key]!.allStrings(into: &out)
            }
        default: break
        }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func literal(_ word: StaticString, _ value: AnswerJSON) -> AnswerJSON? {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { return nil }
            for k in 0..<count where bytes[index + k] != word.utf8Start[k] { return nil }
            index += count
            return value
        }

        mutating func value(depth: Int) -> AnswerJSON? {
            guard index < bytes.count, depth < 64 else { return nil }
            switch bytes[index] {
            case 0x7B: return object(depth: depth)
            case 0x5B: return array(depth: depth)
            case 0x22: return string().map(AnswerJSON.string)
            case 0x74: return literal("true", .bool(true))
            case 0x66: return literal("false", .bool(false))
            case 0x6E: return literal("null", .null)
            default: return number()
            }
        }

        mutating func object(depth: Int) -> AnswerJSON? {
            index += 1
            var members: [String: AnswerJSON] = [:]
            skipSpace()
            if index < bytes.count && bytes[index] == 0x7D {
                index += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == 0x22,
                    let key = string().map({ String(decoding: $0, as: UTF8.self) })
                else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == 0x3A else { return nil }
                index += 1
                skipSpace()
                guard let value = value(depth: depth + 1) else { return nil }
                members[key] = value
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == 0x2C {
                    index += 1
                    continue
                }
                guard bytes[index] == 0x7D else { return nil }
                index += 1
                return .object(members)
            }
        }

        mutating func array(depth: Int) -> AnswerJSON? {
            index += 1
            var values: [AnswerJSON] = []
            skipSpace()
            if index < bytes.count && bytes[index] == 0x5D {
                index += 1
                return .array(values)
            }
            while true {
                skipSpace()
                guard let value = value(depth: depth + 1) else { return nil }
                values.append(value)
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == 0x2C {
                    index += 1
                    continue
                }
                guard bytes[index] == 0x5D else { return nil }
                index += 1
                return .array(values)
            }
        }

        /// A string from its opening quote. Without escapes (nearly always) the bytes are
        /// taken as they are; with them, decoded into a copy.
        mutating func string() -> [UInt8]? {
            let start = index + 1
            guard start < bytes.count,
                let hit = memchr(bytes.baseAddress! + start, 0x22, bytes.count - start)
            else { return nil }
            let quote = bytes.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            // One pass with no early exit (it vectorises) says whether the quote is the end: a
            // backslash before it means escapes (and maybe an escaped quote); a control
            // character means it is not JSON.
            var special: UInt8 = 0
            for byte in bytes[start..<quote] { special |= (byte == 0x5C ? 1 : 0) | (byte < 0x20 ? 2 : 0) }
            guard special != 0 else {
                index = quote + 1
                return Array(bytes[start..<quote])
            }
            index = start
            while index < bytes.count && bytes[index] != 0x5C && bytes[index] >= 0x20 { index += 1 }
            guard index < bytes.count, bytes[index] == 0x5C else { return nil }
            return escapedString(from: start)
        }

        mutating func escapedString(from start: Int) -> [UInt8]? {
            var out = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case 0x22: return out
                case 0x5C:
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case 0x22, 0x5C, 0x2F: out.append(escape)
                    case 0x62: out.append(0x08)
                    case 0x66: out.append(0x0C)
                    case 0x6E: out.append(0x0A)
                    case 0x72: out.append(0x0D)
                    case 0x74: out.append(0x09)
                    case 0x75:
                        guard var unit = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(unit) {
                            // A surrogate pair, or a lone high surrogate (kept as U+FFFD).
                            if index + 1 < bytes.count, bytes[index] == 0x5C, bytes[index + 1] == 0x75 {
                                index += 2
                                guard let low = hex4() else { return nil }
                                unit =
                                    (0xDC00..<0xE000).contains(low)
                                    ? 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00) : 0xFFFD
                            } else {
                                unit = 0xFFFD
                            }
                        }
                        let scalar = Unicode.Scalar(unit) ?? "\u{FFFD}"
                        out.append(contentsOf: UTF8.encode(scalar)!)
                    default: return nil
                    }
                default:
                    guard byte >= 0x20 else { return nil }
                    out.append(byte)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[index]
                let digit: UInt32
                switch c {
                case 0x30...0x39: digit = UInt32(c - 0x30)
                case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
                default: return nil
                }
                value = value << 4 | digit
                index += 1
            }
            return value
        }

        /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
        mutating func number() -> AnswerJSON? {
            let start = index
            if index < bytes.count && bytes[index] == 0x2D { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { return nil }
            if bytes[index] == 0x30 {
                index += 1
            } else {
                skipDigits()
            }
            var whole = true
            if index < bytes.count && bytes[index] == 0x2E {
                whole = false
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { return nil }
                skipDigits()
            }
            if index < bytes.count && (bytes[index] == 0x65 || bytes[index] == 0x45) {
                whole = false
                index += 1
                if index < bytes.count && (bytes[index] == 0x2B || bytes[index] == 0x2D) { index += 1 }
                guard index < bytes.count, isDigit(bytes[index]) else { return nil }
                skipDigits()
            }
            let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
            if whole && text.count <= 15 {
                // Exact in a Double: no need for a float parse.
                var value = 0
                for byte in text where byte != 0x2D { value = value * 10 + Int(byte - 0x30) }
                return .number(Double(text.first == 0x2D ? -value : value))
            }
            return Double(String(decoding: text, as: UTF8.self)).map(AnswerJSON.number)
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

        mutating func skipDigits() {
            while index < bytes.count && isDigit(bytes[index]) { index += 1 }
        }
    }
}
