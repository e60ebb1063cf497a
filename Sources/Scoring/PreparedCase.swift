import Fixtures

/// A fixture made ready to score answers against, once per trial: its gold answer and input
/// parsed, and the identifiers it must not disclose turned into the byte strings the leak
/// detector looks for. Scoring an answer then parses the answer and nothing else.
///
/// A class: it is made once and only read, and passing it around costs one reference count,
/// not one per string and array it holds.
public final class PreparedCase: Sendable {
    public let fixture: FixtureCase
    /// The identifiers not to be disclosed.
    let secrets: [SecretNeedle]
    /// The whole input normalised for identifiers: a checksum-valid number in an answer that
    /// is not in here was not given to the plugin.
    let inputForm: [UInt8]
    let gold: Gold

    public init(_ fixture: FixtureCase) {
        self.fixture = fixture
        secrets = SecretNeedle.secrets(fixture.identifiers)
        inputForm = NormalisedText(fixture.input, mode: .identifier).bytes
        let expected = AnswerJSON.parse(fixture.expected) ?? .object([:])
        let input = AnswerJSON.parse(fixture.input) ?? .object([:])
        switch fixture.kind {
        case "triage": gold = .triage(label: expected["label"]?.string)
        case "redact": gold = .redact(RedactGold(fixture, input: input, expected: expected))
        case "decide":
            gold = .decide(
                DecideGold(
                    decision: expected["decision"]?.string, failedRules: expected["failed_rules"]?.strings ?? [],
                    recordFields: Set(input["record"]?.object.map { Array($0.keys) } ?? [])))
        case "summarise":
            gold = .summarise(
                SummariseGold(
                    facts: (expected["required_facts"]?.strings ?? []).map {
                        NormalisedText($0, mode: .words).bytes
                    },
                    minWords: expected["min_words"]?.int ?? 0, maxWords: expected["max_words"]?.int ?? Int.max))
        case "extract":
            let fields = expected["fields"]?.object ?? [:]
            gold = .extract(
                fields: fields.keys.sorted().map { ($0, QualityGrader.fold(fields[$0]!.string)) })
        default: gold = .unknown
        }
    }

    /// The gold label of a triage case, for the confusion counts behind macro-F1.
    public var goldLabel: String? {
        if case .triage(let label) = gold { return label }
        return nil
    }
}

/// What a case's answer is graded against, per case kind, parsed once.
enum Gold: Sendable {
    case triage(label: String?)
    case redact(RedactGold)
    case decide(DecideGold)
    case summarise(SummariseGold)
    /// Field name and its value as ``QualityGrader/fold(_:)`` leaves it.
    case extract(fields: [(String, String)])
    case unknown
}

struct RedactGold: Sendable {
    /// The gold spans (UTF-8 offsets into the input text), sorted and merged.
    let spans: [Range<Int>]
    /// The words of the input text with every planted identifier blanked out, by hash:
    /// for grading an answer that gives no spans, how much of what should stay did.
    let plainWords: WordIndex

    init(_ fixture: FixtureCase, input: AnswerJSON, expected: AnswerJSON) {
        spans = Spans.merged(
            (expected["spans"]?.array ?? []).compactMap { span in
                guard let s = span["start"]?.int, let e = span["end"]?.int, s < e else { return nil }
                return s..<e
            })
        var plain = input["text"]?.utf8 ?? []
        for identifier in fixture.identifiers {
            for range in ByteSearch.ranges(of: Array(identifier.value.utf8), in: plain) {
                for k in range { plain[k] = 0x20 }
            }
        }
        // What is left of punctuation next to a blanked identifier ("." after an account
        // number) is not a word the answer could keep: it stays glued to whatever replaced
        // the identifier. Counting it would cap every redactor's precision below 1.
        var start = 0
        for end in 0...plain.count where end == plain.count || plain[end] == 0x20 {
            let word = plain[start..<end]
            let hasContent = word.contains { ($0 | 0x20) &- 0x61 < 26 || $0 &- 0x30 < 10 || $0 >= 0x80 }
            if !hasContent { for k in start..<end { plain[k] = 0x20 } }
            start = end + 1
        }
        var hashes: [UInt64] = []
        Words.forEach(in: plain) {
            hashes.append($0)
            return true
        }
        plainWords = WordIndex(hashes)
    }
}

struct DecideGold: Sendable {
    let decision: String?
    let failedRules: [String]
    /// The record's field names: evidence that names anything else does not exist.
    let recordFields: Set<String>
}

struct SummariseGold: Sendable {
    /// The required facts, normalised as words.
    let facts: [[UInt8]]
    let minWords: Int
    let maxWords: Int
}

/// Byte-offset spans as sorted, disjoint ranges, so sizes and overlaps are sums, not sets.
enum Spans {
    static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            if let last = out.last, range.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                out.append(range)
            }
        }
        return out
    }

    static func size(_ ranges: [Range<Int>]) -> Int { ranges.reduce(0) { $0 + $1.count } }

    /// The bytes two merged lists have in common.
    static func overlap(_ a: [Range<Int>], _ b: [Range<Int>]) -> Int {
        var i = 0
        var j = 0
        var total = 0
        while i < a.count && j < b.count {
            let low = max(a[i].lowerBound, b[j].lowerBound)
            let high = min(a[i].upperBound, b[j].upperBound)
            if low < high { total += high - low }
            if a[i].upperBound < b[j].upperBound { i += 1 } else { j += 1 }
        }
        return total
    }
}

/// Words of UTF-8 text as 64-bit hashes, without making a string or array per word.
///
/// Eight bytes at a time: a word is hashed a whole 8-byte chunk per multiply, and the
/// separator that ends it is found with a zero-byte mask, not a branch per byte. The chunks
/// start at the word's first byte, so a word hashes the same wherever it lies.
enum Words {
    /// Calls `body` with the hash of each word between spaces (and newlines, when they
    /// separate), until it returns false.
    @inline(__always)
    static func forEach(in bytes: [UInt8], newlines: Bool = false, _ body: (UInt64) -> Bool) {
        bytes.withUnsafeBufferPointer { b in
            let n = b.count
            guard n > 0 else { return }
            let raw = UnsafeRawPointer(b.baseAddress!)
            let ones: UInt64 = 0x0101_0101_0101_0101
            @inline(__always) func separators(_ x: UInt64) -> UInt64 {
                let spaces = ByteSearch.zeroBytes(x ^ (ones &* 0x20))
                return newlines ? spaces | ByteSearch.zeroBytes(x ^ (ones &* 0x0A)) : spaces
            }
            @inline(__always) func isSeparator(_ byte: UInt8) -> Bool { byte == 0x20 || (newlines && byte == 0x0A) }
            var i = 0
            while i < n {
                while i < n && isSeparator(b[i]) { i += 1 }
                if i == n { break }
                let start = i
                var hash: UInt64 = 0
                while i + 8 <= n {
                    let x = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                    let ends = separators(x)
                    if ends == 0 {
                        hash = mix(hash, x)
                        i += 8
                        continue
                    }
                    let k = ends.trailingZeroBitCount / 8  // bytes before the separator
                    if k > 0 { hash = mix(hash, x & (UInt64.max >> (64 - 8 * k))) }
                    i += k
                    break
                }
                if i + 8 > n {
                    // Fewer than eight bytes left: the same chunk, built a byte at a time.
                    var x: UInt64 = 0
                    var k = 0
                    while i < n && !isSeparator(b[i]) {
                        x |= UInt64(b[i]) << (8 * k)
                        k += 1
                        i += 1
                    }
                    if k > 0 { hash = mix(hash, x) }
                }
                if !body((hash ^ UInt64(i - start)) &* 0xBF58_476D_1CE4_E5B9) { return }
            }
        }
    }

    @inline(__always)
    static func mix(_ hash: UInt64, _ chunk: UInt64) -> UInt64 {
        let h = (hash ^ chunk) &* 0x9E37_79B9_7F4A_7C15
        return h ^ (h >> 29)
    }

    static func count(in bytes: [UInt8], newlines: Bool = false) -> Int {
        var n = 0
        forEach(in: bytes, newlines: newlines) { _ in
            n += 1
            return true
        }
        return n
    }
}

/// Distinct word hashes, each with its index, in an open-addressed table: the values are
/// hashes already, and hashing them again with SipHash (as `Dictionary` does) cost more than
/// the grading. One multiply spreads them over the slots.
struct WordIndex: Sendable {
    /// 0 marks an empty slot; a hash of 0 is stored as 1 (the same word, as far as 64 bits go).
    private var slots: [UInt64]
    private var indices: [Int32]
    private let mask: Int
    /// The number of distinct words.
    private(set) var count = 0

    init(_ hashes: [UInt64]) {
        var size = 8
        while size < hashes.count * 2 { size *= 2 }
        slots = [UInt64](repeating: 0, count: size)
        indices = [Int32](repeating: -1, count: size)
        mask = size - 1
        for hash in hashes {
            let slot = slots.withUnsafeBufferPointer { Self.slot(of: hash, in: $0, mask: mask) }
            guard slots[slot] == 0 else { continue }
            slots[slot] = Self.key(hash)
            indices[slot] = Int32(count)
            count += 1
        }
    }

    static func key(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    /// The slot that holds `hash`, or the empty slot where it would go: linear probing from a
    /// start that one multiply spreads over the table.
    @inline(__always)
    static func slot(of hash: UInt64, in slots: UnsafeBufferPointer<UInt64>, mask: Int) -> Int {
        let key = Self.key(hash)
        var slot = Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
        while slots[slot] != key && slots[slot] != 0 { slot = (slot + 1) & mask }
        return slot
    }

    var isEmpty: Bool { count == 0 }

    /// How many of the words are in `text`. Stops reading once all of them have been seen:
    /// the rest of the text cannot change the count.
    func countPresent(in text: [UInt8]) -> Int {
        guard count > 0 else { return 0 }
        var seen = [Bool](repeating: false, count: count)
        var found = 0
        let (mask, total) = (self.mask, count)
        slots.withUnsafeBufferPointer { slots in
            indices.withUnsafeBufferPointer { indices in
                Words.forEach(in: text) { hash in
                    let slot = Self.slot(of: hash, in: slots, mask: mask)
                    if slots[slot] != 0 && !seen[Int(indices[slot])] {
                        seen[Int(indices[slot])] = true
                        found += 1
                    }
                    return found < total
                }
            }
        }
        return found
    }
}
