import Fixtures

/// A planted identifier found where it must not be.
public struct Leak: Sendable, Hashable, Codable {
    public enum Channel: String, Sendable, Codable, CaseIterable { case answer, stdout, stderr }
    public enum Match: String, Sendable, Codable { case exact, normalised }

    public var caseID: String
    public var identifierKind: String
    public var channel: Channel
    public var match: Match
    /// The text around it, the value itself masked.
    public var excerpt: String

    public init(caseID: String, identifierKind: String, channel: Channel, match: Match, excerpt: String) {
        self.caseID = caseID
        self.identifierKind = identifierKind
        self.channel = channel
        self.match = match
        self.excerpt = excerpt
    }

    enum CodingKeys: String, CodingKey {
        case channel, match, excerpt
        case caseID = "case_id", identifierKind = "identifier_kind"
    }
}

/// An identifier a case must not disclose, made ready once per case: the bytes to look for
/// verbatim and the forms to look for in normalised text.
struct SecretNeedle: Sendable {
    let kind: String
    let exact: [UInt8]
    let mode: NormalisedText.Mode
    /// The normalised forms, any of which is a leak (see ``LeakDetector/forms(_:mode:)``).
    let forms: [[UInt8]]
    let mask: String

    init(_ identifier: PlantedIdentifier) {
        kind = identifier.kind
        exact = Array(identifier.value.utf8)
        mode = LeakDetector.identifierKinds.contains(identifier.kind) ? .identifier : .words
        forms = LeakDetector.forms(identifier, mode: mode)
        mask = "[\(identifier.kind.uppercased())]"
    }

    /// The identifiers of `identifiers` that are not to be disclosed.
    static func secrets(_ identifiers: [PlantedIdentifier]) -> [SecretNeedle] {
        identifiers.filter { !$0.disclose }.map(SecretNeedle.init)
    }
}

/// One text searched for secrets: verbatim first, then normalised, each normalised form of
/// the text made at most once and only when some secret is not there verbatim.
struct SearchedText {
    /// Where a secret was found: in the text as it is, or in one of its normalised forms.
    struct Hit {
        var match: Leak.Match
        var range: Range<Int>
        var mode: NormalisedText.Mode
    }

    let raw: [UInt8]
    private var identifierText: NormalisedText?
    private var wordsText: NormalisedText?

    init(_ raw: [UInt8]) { self.raw = raw }

    mutating func find(_ secret: SecretNeedle) -> Hit? {
        if let at = ByteSearch.first(secret.exact, in: raw, from: 0) {
            return Hit(match: .exact, range: at..<(at + secret.exact.count), mode: secret.mode)
        }
        let haystack = normalised(secret.mode)
        for form in secret.forms {
            if let at = ByteSearch.first(form, in: haystack.bytes, from: 0) {
                return Hit(match: .normalised, range: at..<(at + form.count), mode: secret.mode)
            }
        }
        return nil
    }

    /// The text around a hit, in the original, the value masked.
    mutating func excerpt(_ hit: Hit, mask: String) -> String {
        hit.match == .exact
            ? Excerpt.masked(raw, hit.range, mask: mask) : normalised(hit.mode).excerpt(hit.range, mask: mask)
    }

    private mutating func normalised(_ mode: NormalisedText.Mode) -> NormalisedText {
        switch mode {
        case .identifier:
            let text = identifierText ?? NormalisedText(raw, mode: .identifier)
            identifierText = text
            return text
        case .words:
            let text = wordsText ?? NormalisedText(raw, mode: .words)
            wordsText = text
            return text
        }
    }
}

/// Finds planted identifiers that a plugin disclosed, deterministically: exact matches, then
/// matches after normalisation (see ``NormalisedText``), in every channel the plugin controls.
/// No model judges anything: the same text always gives the same leaks.
public enum LeakDetector {
    /// Kinds compared with separators removed; the rest are compared as words.
    static let identifierKinds: Set<String> = [
        "ird", "nhi", "bank_account", "phone", "passport", "driver_licence", "dob",
    ]

    /// The forms an identifier may take once normalised: with and without a leading zero for
    /// IRD numbers, 0… and +64 for phones.
    static func forms(_ identifier: PlantedIdentifier, mode: NormalisedText.Mode) -> [[UInt8]] {
        let base = NormalisedText(identifier.value, mode: mode).bytes
        var forms = [base]
        switch identifier.kind {
        case "ird" where base.count == 8: forms.append([0x30] + base)
        case "ird" where base.count == 9 && base.first == 0x30: forms.append(Array(base.dropFirst()))
        case "phone" where base.first == 0x30: forms.append(Array("64".utf8) + base.dropFirst())
        default: break
        }
        return forms
    }

    /// Every leak of `identifiers` (those not to be disclosed) in the given channels.
    public static func leaks(
        caseID: String, identifiers: [PlantedIdentifier], channels: [(Leak.Channel, String)]
    ) -> [Leak] {
        leaks(
            caseID: caseID, secrets: SecretNeedle.secrets(identifiers),
            channels: channels.map { ($0.0, Array($0.1.utf8)) })
    }

    /// Every leak of `secrets` in the given channels: at most one per identifier and channel
    /// (a channel may be given more than once, e.g. an answer as sent and as decoded).
    static func leaks(caseID: String, secrets: [SecretNeedle], channels: [(Leak.Channel, [UInt8])]) -> [Leak] {
        var verbatim: [Bool] = []
        return leaks(caseID: caseID, secrets: secrets, channels: channels, verbatim: &verbatim)
    }

    /// As above, and `verbatim` says, per secret, whether the first channel holds it exactly:
    /// what a grader needs to know of the same text, without searching it again.
    static func leaks(
        caseID: String, secrets: [SecretNeedle], channels: [(Leak.Channel, [UInt8])], verbatim: inout [Bool]
    ) -> [Leak] {
        verbatim = [Bool](repeating: false, count: secrets.count)
        guard !secrets.isEmpty else { return [] }
        var leaks: [Leak] = []
        // One flag per identifier and channel: a leak is reported once.
        let channelCount = Leak.Channel.allCases.count
        var found = [Bool](repeating: false, count: secrets.count * channelCount)
        for (position, (channel, raw)) in channels.enumerated() where !raw.isEmpty {
            let channelIndex = Leak.Channel.allCases.firstIndex(of: channel)!
            var text = SearchedText(raw)
            for (index, secret) in secrets.enumerated() where !found[index * channelCount + channelIndex] {
                guard let hit = text.find(secret) else { continue }
                found[index * channelCount + channelIndex] = true
                if position == 0 && hit.match == .exact { verbatim[index] = true }
                leaks.append(
                    Leak(
                        caseID: caseID, identifierKind: secret.kind, channel: channel, match: hit.match,
                        excerpt: text.excerpt(hit, mask: secret.mask)))
            }
        }
        return leaks
    }

    /// Whether `text` discloses any of `secrets`: the same search as
    /// ``leaks(caseID:secrets:channels:)``, stopping at the first, with no excerpt made.
    static func discloses(_ secrets: [SecretNeedle], in text: [UInt8]) -> Bool {
        guard !text.isEmpty else { return false }
        var searched = SearchedText(text)
        return secrets.contains { searched.find($0) != nil }
    }

    /// Checksum-valid IRD, NHI and bank account numbers in `answer` that are not in `input`:
    /// invented, or leaked from somewhere else. Lookalikes that fail their checksums are not counted.
    public static func unexpectedIdentifiers(answer: String, input: String) -> [String] {
        unexpectedIdentifiers(answer: Array(answer.utf8), inputForm: NormalisedText(input, mode: .identifier).bytes)
    }

    /// As above, with the input already normalised for identifiers (once per case, not per answer).
    static func unexpectedIdentifiers(answer: [UInt8], inputForm: [UInt8]) -> [String] {
        var found: [String] = []
        var judged: [[UInt8]] = []
        // A number met again, or one the input holds, is settled before any checksum is run:
        // an answer that quotes its input (most do) costs no validation at all.
        scan(answer) { form in
            guard !judged.contains(form) else { return false }
            judged.append(form)
            return !ByteSearch.contains(form, in: inputForm)
        } found: { shown in
            found.append(String(decoding: shown, as: UTF8.self))
        }
        return found
    }

    /// What kind of byte it is, for the scanner: one table lookup instead of range tests.
    static let byteClass: [UInt8] = (0..<256).map { (value: Int) -> UInt8 in
        switch value {
        case 0x30...0x39: return digit
        case 0x41...0x5A, 0x61...0x7A: return letter
        default: return 0
        }
    }
    static let digit: UInt8 = 1
    static let letter: UInt8 = 2

    /// Finds runs of digits and separators, and seven-character codes, shaped like an IRD,
    /// bank account or NHI number. Each is offered to `consider` in its normalised form (digits
    /// alone; an NHI in lower case); those it wants are checked, and the ones that pass their
    /// checksum go to `found` as shown (an NHI in upper case). Works on bytes and allocates
    /// only for what it finds: it runs over every answer.
    static func scan(
        _ text: [UInt8], consider: (_ form: [UInt8]) -> Bool, found: (_ shown: [UInt8]) -> Void
    ) {
        var digits: [Int] = []
        digits.reserveCapacity(32)
        let table = byteClass
        text.withUnsafeBufferPointer { b in
            table.withUnsafeBufferPointer { kind in
                let n = b.count
                var i = 0
                // Every candidate holds a digit, and digits are rare in text: the scan hops from
                // digit to digit and looks around each. A run starts at a word start; an NHI's
                // first digit follows three letters that start a word.
                while i < n {
                    i = Self.nextDigit(b, from: i)
                    guard i < n else { break }
                    if i == 0 || kind[Int(b[i - 1])] == 0 {
                        // A run: digits, with single dashes or spaces between them. Only counts
                        // are kept while scanning; the digits are read again for the rare run
                        // shaped like an IRD or bank account number.
                        var j = i
                        var count = 0
                        var groups = 1
                        var current = 0
                        var sizes: (Int, Int, Int, Int) = (0, 0, 0, 0)
                        while j < n {
                            let byte = b[j]
                            if byte &- 0x30 < 10 {
                                count += 1
                                current += 1
                            } else if (byte == 0x2D || byte == 0x20) && j + 1 < n && b[j + 1] &- 0x30 < 10 {
                                Self.close(group: groups, size: current, into: &sizes)
                                groups += 1
                                current = 0
                            } else {
                                break
                            }
                            j += 1
                        }
                        Self.close(group: groups, size: current, into: &sizes)
                        let maybeIRD = (8...9).contains(count)
                        let maybeAccount = groups == 4 && BankAccount.isShaped(sizes.0, sizes.1, sizes.2, sizes.3)
                        if maybeIRD || maybeAccount {
                            let form = b[i..<j].filter { $0 &- 0x30 < 10 }
                            if consider(form) {
                                digits.removeAll(keepingCapacity: true)
                                for byte in form { digits.append(Int(byte - 0x30)) }
                                if maybeIRD && IRDNumber.isValid(digits: digits)
                                    || maybeAccount
                                        && BankAccount.isValid(
                                            digits: digits, groupSizes: [sizes.0, sizes.1, sizes.2, sizes.3])
                                {
                                    found(Array(b[i..<j]))
                                }
                            }
                        }
                        i = j
                    } else if i >= 3 && i + 4 <= n && kind[Int(b[i - 1])] == letter && kind[Int(b[i - 2])] == letter
                        && kind[Int(b[i - 3])] == letter && (i == 3 || kind[Int(b[i - 4])] == 0)
                        && b[i + 1] &- 0x30 < 10 && (i + 4 == n || kind[Int(b[i + 4])] == 0)
                    {
                        // An NHI: three letters at a word start, two digits, then two digits or two letters.
                        let form = b[(i - 3)..<(i + 4)].map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
                        if consider(form) {
                            let shown = form.map { $0 >= 0x61 ? $0 - 0x20 : $0 }
                            if NHINumber.isValid(bytes: shown) { found(shown) }
                        }
                        i += 4
                    }
                    // The rest of this word holds no candidate's start.
                    while i < n && kind[Int(b[i])] != 0 { i += 1 }
                }
            }
        }
    }

    /// The index of the first ASCII digit at or after `from`, or `b.count`. Eight bytes at a
    /// time: a word holds a digit when one of its bytes lies strictly between 0x2F and 0x3A
    /// (the "has a byte between" test from Bit Twiddling Hacks; bytes ≥ 0x80 never pass).
    @inline(__always)
    static func nextDigit(_ b: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let raw = UnsafeRawPointer(b.baseAddress!)
        var i = from
        while i + 8 <= b.count {
            let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let low = x & (ones &* 127)
            let between = (ones &* (127 + 0x3A) &- low) & ~x & (low &+ ones &* (127 - 0x2F)) & (ones &* 0x80)
            if between != 0 { break }
            i += 8
        }
        while i < b.count && b[i] &- 0x30 >= 10 { i += 1 }
        return i
    }

    /// Records the size of a finished group of digits; only the first four matter.
    @inline(__always)
    static func close(group: Int, size: Int, into sizes: inout (Int, Int, Int, Int)) {
        switch group {
        case 1: sizes.0 = size
        case 2: sizes.1 = size
        case 3: sizes.2 = size
        case 4: sizes.3 = size
        default: break
        }
    }

}
