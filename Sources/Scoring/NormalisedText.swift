import Foundation

/// Text brought to a form where reformatted identifiers match: Unicode compatibility forms
/// folded (full-width digits), case folded, macrons removed, and — for identifiers —
/// separators dropped (spaces, dashes, dots, slashes, `+`, brackets), so `49 091 850`,
/// `49-091-850` and `４９０９１８５０` all read `49091850`.
///
/// Works on UTF-8 bytes with a table for ASCII, because it runs over every answer that does
/// not hold a secret verbatim; only scalars outside ASCII, macrons, full-width forms and the
/// usual spaces and dashes take Foundation's NFKC. Each byte of the result remembers where
/// its character starts in the original, so a match can be shown in the original text.
struct NormalisedText {
    enum Mode {
        /// Separators dropped: for numbers and codes.
        case identifier
        /// Runs of white space become one space: for names, emails, addresses.
        case words
    }

    let bytes: [UInt8]
    /// For each byte of `bytes`, the offset in `original` of the character it came from.
    let origin: [Int32]
    let original: [UInt8]

    /// What an ASCII byte becomes: itself lower-cased, `drop`, or (words) `space`.
    static let drop: UInt8 = 0xFF
    static let space: UInt8 = 0xFE
    static let identifierTable: [UInt8] = table(.identifier)
    static let wordsTable: [UInt8] = table(.words)

    static func table(_ mode: Mode) -> [UInt8] {
        (0..<128).map { (value: Int) -> UInt8 in
            let byte = UInt8(value)
            switch (mode, byte) {
            case (.identifier, 0x20), (.identifier, 0x2D), (.identifier, 0x2E), (.identifier, 0x2F),
                (.identifier, 0x2B), (.identifier, 0x28), (.identifier, 0x29), (.identifier, 0x5F),
                (.identifier, 0x2C), (.identifier, 0x09), (.identifier, 0x0A), (.identifier, 0x0D),
                (.identifier, 0x3A):
                return drop
            case (.words, 0x20), (.words, 0x09), (.words, 0x0A), (.words, 0x0D): return space
            case (_, 0x41...0x5A): return byte + 0x20
            default: return byte
            }
        }
    }

    init(_ text: String, mode: Mode) { self.init(Array(text.utf8), mode: mode) }

    init(_ original: [UInt8], mode: Mode) {
        var out = Output(capacity: original.count + 16)
        defer { out.deallocate() }
        var lastWasSpace = true
        let table = mode == .identifier ? Self.identifierTable : Self.wordsTable
        // Every mapped byte goes through the ASCII table again, so a full-width space or
        // dash is dropped or collapsed like its ASCII twin.
        @inline(__always) func emit(_ byte: UInt8, _ at: Int) {
            let mapped = byte < 0x80 ? table[Int(byte)] : byte
            if mapped == Self.drop { return }
            if mapped == Self.space {
                if lastWasSpace { return }
                lastWasSpace = true
                out.append(0x20, at)
            } else {
                lastWasSpace = false
                out.append(mapped, at)
            }
        }
        var i = 0
        let count = original.count
        original.withUnsafeBufferPointer { b in
            table.withUnsafeBufferPointer { table in
                while i < count {
                    // A run of ASCII, with everything in locals: the common case, and the loop
                    // the compiler keeps in registers only when nothing else shares it.
                    var n = out.count
                    var space = lastWasSpace
                    let (bytes, origin, capacity) = (out.bytes, out.origin, out.capacity)
                    while i < count && n < capacity {
                        let byte = b[i]
                        if byte >= 0x80 { break }
                        let mapped = table[Int(byte)]
                        if mapped == Self.space {
                            if !space {
                                bytes[n] = 0x20
                                origin[n] = Int32(truncatingIfNeeded: i)
                                n += 1
                                space = true
                            }
                        } else if mapped != Self.drop {
                            bytes[n] = mapped
                            origin[n] = Int32(truncatingIfNeeded: i)
                            n += 1
                            space = false
                        }
                        i += 1
                    }
                    out.count = n
                    lastWasSpace = space
                    if i < count && b[i] < 0x80 { out.grow() }
                    if i >= count || b[i] < 0x80 { continue }
                    multiByte()
                }
            }
        }
        func multiByte() {
            let lead = original[i]
            guard let (scalar, length) = Self.decode(original, at: i) else {
                emit(lead, i)
                i += 1
                return
            }
            switch scalar {
            case 0x101, 0x100: emit(0x61, i)
            case 0x113, 0x112: emit(0x65, i)
            case 0x12B, 0x12A: emit(0x69, i)
            case 0x14D, 0x14C: emit(0x6F, i)
            case 0x16B, 0x16A: emit(0x75, i)
            case 0x304: break  // a combining macron: "a" + U+0304 reads like "ā", so like "a"
            case 0xFF01...0xFF5E: emit(UInt8(scalar - 0xFF01 + 0x21), i)  // full-width ASCII, as NFKC maps it
            case 0xA0, 0x2007, 0x2009, 0x202F: emit(0x20, i)
            case 0x2010...0x2014, 0x2212: emit(0x2D, i)
            default:
                // Anything else: its NFKC form, case folded, kept as UTF-8.
                let folded = String(Unicode.Scalar(scalar)!).precomposedStringWithCompatibilityMapping
                    .lowercased()
                for byte in folded.utf8 { emit(byte, i) }
            }
            i += length
        }
        self.bytes = Array(UnsafeBufferPointer(start: out.bytes, count: out.count))
        self.origin = Array(UnsafeBufferPointer(start: out.origin, count: out.count))
        self.original = original
    }

    /// The normalised bytes and their origins as they are written: plain stores into memory
    /// this owns, where two `Array.append`s per byte (each checking capacity and uniqueness)
    /// cost more than the normalising itself.
    private struct Output {
        var bytes: UnsafeMutablePointer<UInt8>
        var origin: UnsafeMutablePointer<Int32>
        var count = 0
        var capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            bytes = .allocate(capacity: capacity)
            origin = .allocate(capacity: capacity)
        }

        @inline(__always)
        mutating func append(_ byte: UInt8, _ at: Int) {
            if count == capacity { grow() }
            bytes[count] = byte
            origin[count] = Int32(truncatingIfNeeded: at)
            count += 1
        }

        /// NFKC can make one scalar many bytes (U+FDFA is 33): rare, so growth is simple.
        mutating func grow() {
            let larger = capacity * 2
            let newBytes = UnsafeMutablePointer<UInt8>.allocate(capacity: larger)
            let newOrigin = UnsafeMutablePointer<Int32>.allocate(capacity: larger)
            newBytes.update(from: bytes, count: count)
            newOrigin.update(from: origin, count: count)
            deallocate()
            (bytes, origin, capacity) = (newBytes, newOrigin, larger)
        }

        func deallocate() {
            bytes.deallocate()
            origin.deallocate()
        }
    }

    /// The scalar a multi-byte UTF-8 sequence at `i` encodes and its length, or nil when the
    /// bytes are not well-formed UTF-8 (each such byte is then kept as it is).
    static func decode(_ b: [UInt8], at i: Int) -> (UInt32, Int)? {
        let lead = b[i]
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: (length, value) = (2, UInt32(lead & 0x1F))
        case 0xE0...0xEF: (length, value) = (3, UInt32(lead & 0x0F))
        case 0xF0...0xF4: (length, value) = (4, UInt32(lead & 0x07))
        default: return nil
        }
        guard i + length <= b.count else { return nil }
        for k in 1..<length {
            let next = b[i + k]
            guard next & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(next & 0x3F)
        }
        // Overlong forms and surrogates are not well-formed.
        guard Unicode.Scalar(value) != nil, length < 3 || value >= (length == 3 ? 0x800 : 0x10000) else { return nil }
        return (value, length)
    }

    /// The original text around a match, the match itself replaced by `mask`.
    func excerpt(_ range: Range<Int>, mask: String) -> String {
        let first = Int(origin[range.lowerBound])
        var end = Int(origin[range.upperBound - 1]) + 1
        while end < original.count && original[end] & 0xC0 == 0x80 { end += 1 }
        return Excerpt.masked(original, first..<end, mask: mask)
    }
}

/// The text around a match with the match itself masked, on one line.
enum Excerpt {
    /// Bytes of context kept on each side.
    static let context = 24

    static func masked(_ bytes: [UInt8], _ range: Range<Int>, mask: String) -> String {
        var from = max(0, range.lowerBound - context)
        var to = min(bytes.count, range.upperBound + context)
        // Do not cut a UTF-8 sequence in half.
        while from > 0 && bytes[from] & 0xC0 == 0x80 { from -= 1 }
        while to < bytes.count && bytes[to] & 0xC0 == 0x80 { to += 1 }
        let ellipsis: [UInt8] = [0xE2, 0x80, 0xA6]  // …
        var mask = mask
        return mask.withUTF8 { maskBytes in
            let capacity = (to - from) - range.count + maskBytes.count + 2 * ellipsis.count
            // Written straight into the string's storage: leaks are many when a plugin echoes.
            return String(unsafeUninitializedCapacity: capacity) { out in
                var n = 0
                func put<C: Collection<UInt8>>(_ part: C) {
                    for byte in part {
                        out[n] = byte == 0x0A || byte == 0x0D || byte == 0x09 ? 0x20 : byte
                        n += 1
                    }
                }
                if from > 0 { put(ellipsis) }
                put(bytes[from..<range.lowerBound])
                put(maskBytes)
                put(bytes[range.upperBound..<to])
                if to < bytes.count { put(ellipsis) }
                return n
            }
        }
    }
}

/// Byte-string search.
enum ByteSearch {
    static func ranges(of needle: [UInt8], in haystack: [UInt8]) -> [Range<Int>] {
        guard !needle.isEmpty, needle.count <= haystack.count else { return [] }
        var found: [Range<Int>] = []
        var start = 0
        while let i = first(needle, in: haystack, from: start) {
            found.append(i..<(i + needle.count))
            start = i + needle.count
        }
        return found
    }

    static func contains(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        first(needle, in: haystack, from: 0) != nil
    }

    /// Where `needle` first occurs at or after `start`.
    ///
    /// Eight positions at a time: a position is a candidate when the haystack has the
    /// needle's first byte there and its last byte `count − 1` further on (both tested with
    /// exact zero-byte masks over two 8-byte loads); only candidates are compared. A
    /// `memchr` on the first byte alone stops at every `0` of every phone number.
    static func first(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, start >= 0, needle.count <= haystack.count - start else { return nil }
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                let base = UnsafeRawPointer(h.baseAddress!)
                let length = n.count
                let ones: UInt64 = 0x0101_0101_0101_0101
                let firstByte = ones &* UInt64(n[0])
                let lastByte = ones &* UInt64(n[length - 1])
                let last = h.count - length  // the last position a match can start at
                var i = start
                while i + 8 <= last + 1 {
                    let a = base.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ firstByte
                    let b = base.loadUnaligned(fromByteOffset: i + length - 1, as: UInt64.self) ^ lastByte
                    var candidates = zeroBytes(a) & zeroBytes(b)
                    while candidates != 0 {
                        let at = i + candidates.trailingZeroBitCount / 8
                        if memcmp(base + at, n.baseAddress!, length) == 0 { return at }
                        candidates &= candidates &- 1
                    }
                    i += 8
                }
                while i <= last {
                    if h[i] == n[0] && memcmp(base + i, n.baseAddress!, length) == 0 { return i }
                    i += 1
                }
                return nil
            }
        }
    }

    /// 0x80 in each byte of `x` that is zero, and nothing anywhere else (no borrows between bytes).
    @inline(__always)
    static func zeroBytes(_ x: UInt64) -> UInt64 {
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((x & low) &+ low) | x | low)
    }
}
