import Foundation

/// One synthetic case from the common-cases catalogue.
public struct FixtureCase: Sendable, Hashable {
    public var id: String
    public var kind: String
    /// The case-kind-specific input, as a JSON object's UTF-8 bytes (keys sorted).
    public var input: [UInt8]
    /// The gold answer, as a JSON object's UTF-8 bytes (keys sorted).
    public var expected: [UInt8]
    /// Identifiers planted in the input, for leak detection.
    public var identifiers: [PlantedIdentifier]
    /// base, typo, te_reo, name_swap or adversarial.
    public var variant: String = "base"
    /// The id of the base case this is a variant of (its own id for a base case).
    public var group: String = ""

    public init(
        id: String, kind: String, input: [UInt8], expected: [UInt8], identifiers: [PlantedIdentifier],
        variant: String = "base", group: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.input = input
        self.expected = expected
        self.identifiers = identifiers
        self.variant = variant
        self.group = group ?? id
    }

    /// One line of `sandpit fixtures export --jsonl` (without the newline), keys sorted.
    public var jsonLine: [UInt8] {
        var out = Array("{\"expected\":".utf8) + expected
        out += Array(",\"group\":".utf8)
        JSON.writeString(group, into: &out)
        out += Array(",\"id\":".utf8)
        JSON.writeString(id, into: &out)
        out += Array(",\"identifiers\":".utf8)
        out +=
            JSON.array(
                identifiers.map {
                    ["disclose": .bool($0.disclose), "kind": .string($0.kind), "value": .string($0.value)]
                }
            ).bytes
        out += Array(",\"input\":".utf8) + input
        out += Array(",\"kind\":".utf8)
        JSON.writeString(kind, into: &out)
        out += Array(",\"variant\":".utf8)
        JSON.writeString(variant, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The JSON object a plugin's `run` receives: `{"id", "kind", "input"}`.
    public var pluginInput: [UInt8] {
        var out = Array("{\"id\":".utf8)
        JSON.writeString(id, into: &out)
        out += Array(",\"input\":".utf8)
        out += input
        out += Array(",\"kind\":".utf8)
        JSON.writeString(kind, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// An identifier planted in a case.
public struct PlantedIdentifier: Sendable, Hashable {
    /// ird, nhi, bank_account, phone, email, name, address, dob, driver_licence, passport.
    public var kind: String
    public var value: String
    /// Whether an answer may repeat it.
    public var disclose: Bool

    public init(kind: String, value: String, disclose: Bool) {
        self.kind = kind
        self.value = value
        self.disclose = disclose
    }
}

enum JSONText {
    /// A parsed JSON value re-encoded with sorted keys, so equal content hashes equally.
    static func canonical(_ value: Any) -> [UInt8]? {
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return nil }
        return Array(data)
    }
}
