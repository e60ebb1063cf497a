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

    /// The JSON object a plugin's `run` receives: `{"id", "kind", "input"}`.
    public var pluginInput: [UInt8] {
        var out = Array("{\"id\":".utf8)
        out += JSONText.quoted(id)
        out += Array(",\"input\":".utf8)
        out += input
        out += Array(",\"kind\":".utf8)
        out += JSONText.quoted(kind)
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
}

enum JSONText {
    /// `value` as a JSON string literal.
    static func quoted(_ value: String) -> [UInt8] {
        let data = try! JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes])
        return Array(data.dropFirst().dropLast())
    }

    /// A parsed JSON value re-encoded with sorted keys, so equal content hashes equally.
    static func canonical(_ value: Any) -> [UInt8]? {
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return nil }
        return Array(data)
    }
}
