import Foundation

/// Text brought to a form where reformatted identifiers match: Unicode compatibility forms
/// folded (full-width digits), case folded, macrons removed, and — for identifiers —
/// separators dropped (spaces, dashes, dots, slashes, `+`, brackets), so `49 091 850`,
/// `49-091-850` and `４９０９１８５０` all read `49091850`.
///
/// Each byte of the result remembers which scalar of the original it came from, so a match
/// can be shown in the original text.
struct NormalisedText {
    enum Mode {
        /// Separators dropped: for numbers and codes.
        case identifier
        /// Runs of white space become one space: for names, emails, addresses.
        case words
    }

    let bytes: [UInt8]
    /// For each byte, the index of the original unicode scalar it came from.
    let origin: [Int32]
    let scalars: [Unicode.Scalar]

    static let separators: Set<UInt8> = [0x20, 0x2D, 0x2E, 0x2F, 0x2B, 0x28, 0x29, 0x5F, 0x2C, 0x09, 0x0A, 0x0D, 0x3A]
    static let macrons: [UInt32: UInt8] = [
        0x101: 0x61, 0x113: 0x65, 0x12B: 0x69, 0x14D: 0x6F, 0x16B: 0x75, 0x100: 0x61, 0x112: 0x65, 0x12A: 0x69,
        0x14C: 0x6F, 0x16A: 0x75,
    ]

    init(_ text: String, mode: Mode) {
        let scalars = Array(text.unicodeScalars)
        var bytes: [UInt8] = []
        var origin: [Int32] = []
        bytes.reserveCapacity(scalars.count)
        origin.reserveCapacity(scalars.count)
        var lastWasSpace = true
        func emit(_ byte: UInt8, _ index: Int) {
            if mode == .identifier && Self.separators.contains(byte) { return }
            if mode == .words && (byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D) {
                if lastWasSpace { return }
                lastWasSpace = true
                bytes.append(0x20)
                origin.append(Int32(index))
                return
            }
            lastWasSpace = false
            bytes.append(byte)
            origin.append(Int32(index))
        }
        for (index, scalar) in scalars.enumerated() {
            let value = scalar.value
            if value < 0x80 {
                let byte = UInt8(value)
                emit(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte, index)
            } else if let plain = Self.macrons[value] {
                emit(plain, index)
            } else if value >= 0xFF01 && value <= 0xFF5E {
                // Full-width ASCII (what NFKC maps them to), folded like ASCII.
                let byte = UInt8(value - 0xFF01 + 0x21)
                emit(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte, index)
            } else if value == 0xA0 || value == 0x2009 || value == 0x202F || value == 0x2007 {
                emit(0x20, index)
            } else if value == 0x2010 || value == 0x2011 || value == 0x2012 || value == 0x2013 || value == 0x2014 {
                emit(0x2D, index)
            } else {
                // Anything else: its NFKC form, case folded, kept as UTF-8.
                let folded = String(scalar).precomposedStringWithCompatibilityMapping.lowercased()
                for byte in folded.utf8 { emit(byte, index) }
            }
        }
        self.bytes = bytes
        self.origin = origin
        self.scalars = scalars
    }

    /// Byte ranges where `needle` occurs.
    func ranges(of needle: [UInt8]) -> [Range<Int>] {
        ByteSearch.ranges(of: needle, in: bytes)
    }

    /// The original text around a match, the match itself replaced by `mask`.
    func excerpt(_ range: Range<Int>, mask: String, context: Int = 24) -> String {
        let first = Int(origin[range.lowerBound])
        let last = Int(origin[range.upperBound - 1])
        let from = max(0, first - context)
        let to = min(scalars.count, last + 1 + context)
        var out = String.UnicodeScalarView()
        if from > 0 { out.append(contentsOf: "…".unicodeScalars) }
        out.append(contentsOf: scalars[from..<first])
        out.append(contentsOf: mask.unicodeScalars)
        out.append(contentsOf: scalars[(last + 1)..<to])
        if to < scalars.count { out.append(contentsOf: "…".unicodeScalars) }
        return String(out).replacingOccurrences(of: "\n", with: " ")
    }
}

/// Byte-string search: memchr for the first byte, then a compare.
enum ByteSearch {
    static func ranges(of needle: [UInt8], in haystack: [UInt8]) -> [Range<Int>] {
        guard !needle.isEmpty, needle.count <= haystack.count else { return [] }
        var found: [Range<Int>] = []
        haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                let base = h.baseAddress!
                var start = 0
                let last = h.count - n.count
                while start <= last {
                    guard let hit = memchr(base + start, Int32(n[0]), last - start + 1) else { break }
                    let i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + i, n.baseAddress!, n.count) == 0 {
                        found.append(i..<(i + n.count))
                        start = i + n.count
                    } else {
                        start = i + 1
                    }
                }
            }
        }
        return found
    }

    static func contains(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return false }
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                var start = 0
                let last = h.count - n.count
                while start <= last {
                    guard let hit = memchr(h.baseAddress! + start, Int32(n[0]), last - start + 1) else { return false }
                    let i = h.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(h.baseAddress! + i, n.baseAddress!, n.count) == 0 { return true }
                    start = i + 1
                }
                return false
            }
        }
    }
}
