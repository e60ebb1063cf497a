/// Checks that bytes are exactly one JSON object (RFC 8259) in valid UTF-8.
///
/// Used on every answer, so it is a single pass with no allocation, and strict:
/// trailing bytes, bad escapes, lone surrogates and nesting deeper than 256 fail.
public enum JSONObjectValidator {
    /// Whether `bytes` hold one JSON object and nothing else but white space.
    public static func isObject(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) != nil else { return false }
        var scanner = Scanner(bytes: bytes)
        scanner.skipSpace()
        guard scanner.peek() == UInt8(ascii: "{"), scanner.value(depth: 0) else { return false }
        scanner.skipSpace()
        return scanner.atEnd
    }

    /// Whether `bytes` hold one JSON object and nothing else but white space.
    public static func isObject(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { isObject($0) }
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var i = 0

        var atEnd: Bool { i == bytes.count }
        func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0a || bytes[i] == 0x0d || bytes[i] == 0x09 {
                i += 1
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - i >= count else { return false }
            for k in 0..<count where bytes[i + k] != word.utf8Start[k] { return false }
            i += count
            return true
        }

        mutating func value(depth: Int) -> Bool {
            guard depth < 256, let c = peek() else { return false }
            switch c {
            case UInt8(ascii: "{"):
                i += 1
                skipSpace()
                if peek() == UInt8(ascii: "}") {
                    i += 1
                    return true
                }
                while true {
                    skipSpace()
                    guard peek() == UInt8(ascii: "\""), string() else { return false }
                    skipSpace()
                    guard peek() == UInt8(ascii: ":") else { return false }
                    i += 1
                    skipSpace()
                    guard value(depth: depth + 1) else { return false }
                    skipSpace()
                    guard let next = peek() else { return false }
                    i += 1
                    if next == UInt8(ascii: "}") { return true }
                    guard next == UInt8(ascii: ",") else { return false }
                }
            case UInt8(ascii: "["):
                i += 1
                skipSpace()
                if peek() == UInt8(ascii: "]") {
                    i += 1
                    return true
                }
                while true {
                    skipSpace()
                    guard value(depth: depth + 1) else { return false }
                    skipSpace()
                    guard let next = peek() else { return false }
                    i += 1
                    if next == UInt8(ascii: "]") { return true }
                    guard next == UInt8(ascii: ",") else { return false }
                }
            case UInt8(ascii: "\""): return string()
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            default: return number()
            }
        }

        mutating func string() -> Bool {
            i += 1  // opening quote
            var pendingHigh = false
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    return !pendingHigh
                }
                if c < 0x20 { return false }
                if c == UInt8(ascii: "\\") {
                    i += 1
                    guard let e = peek() else { return false }
                    if e == UInt8(ascii: "u") {
                        guard bytes.count - i >= 5, let unit = hex4(at: i + 1) else { return false }
                        i += 5
                        if (0xD800..<0xDC00).contains(unit) {
                            if pendingHigh { return false }
                            pendingHigh = true
                        } else if (0xDC00..<0xE000).contains(unit) {
                            if !pendingHigh { return false }
                            pendingHigh = false
                        } else if pendingHigh {
                            return false
                        }
                        continue
                    }
                    guard "\"\\/bfnrt".utf8.contains(e), !pendingHigh else { return false }
                    i += 1
                    continue
                }
                if pendingHigh { return false }
                i += 1
            }
            return false
        }

        func hex4(at offset: Int) -> UInt32? {
            var value: UInt32 = 0
            for k in 0..<4 {
                let c = bytes[offset + k]
                let digit: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
                default: return nil
                }
                value = value << 4 | digit
            }
            return value
        }

        mutating func digits() -> Int {
            let start = i
            while let c = peek(), c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") { i += 1 }
            return i - start
        }

        mutating func number() -> Bool {
            if peek() == UInt8(ascii: "-") { i += 1 }
            if peek() == UInt8(ascii: "0") {
                i += 1
            } else {
                guard digits() > 0 else { return false }
            }
            if peek() == UInt8(ascii: ".") {
                i += 1
                guard digits() > 0 else { return false }
            }
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                i += 1
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { return false }
            }
            return true
        }
    }
}
