import Foundation
import Yams

/// A YAML mapping read field by field, with errors that name the file, line and key.
struct Fields {
    let file: String
    let context: String
    private let mark: Mark?
    private var entries: [(key: String, node: Node, line: Int?)] = []

    init(_ node: Node, file: String, context: String) throws(PolicyError) {
        self.file = file
        self.context = context
        self.mark = node.mark
        guard let mapping = node.mapping else {
            throw PolicyError(file: file, line: node.mark?.line, "\(context) must be a mapping of keys to values")
        }
        var seen = Set<String>()
        for (key, value) in mapping {
            guard let name = key.string else {
                throw PolicyError(file: file, line: key.mark?.line, "keys in \(context) must be strings")
            }
            guard seen.insert(name).inserted else {
                throw PolicyError(file: file, line: key.mark?.line, "\(name) appears twice in \(context)")
            }
            entries.append((name, value, key.mark?.line))
        }
    }

    func node(_ key: String) -> Node? { entries.first { $0.key == key }?.node }

    func line(_ key: String) -> Int? { entries.first { $0.key == key }?.line ?? mark?.line }

    private func error(_ key: String, _ message: String) -> PolicyError {
        PolicyError(file: file, line: line(key), "\(key): \(message)")
    }

    func rejectUnknown(_ known: Set<String>) throws(PolicyError) {
        for entry in entries where !known.contains(entry.key) {
            let list = known.sorted().joined(separator: ", ")
            throw PolicyError(file: file, line: entry.line, "unknown key \(entry.key) in \(context) (known: \(list))")
        }
    }

    func string(_ key: String) throws(PolicyError) -> String {
        guard let value = try optionalString(key) else { throw error(key, "missing (required in \(context))") }
        return value
    }

    func optionalString(_ key: String) throws(PolicyError) -> String? {
        guard let node = node(key) else { return nil }
        guard node.scalar != nil, let value = node.string else { throw error(key, "must be a string") }
        return value
    }

    func stringList(_ key: String) throws(PolicyError) -> [String] {
        guard let value = try optionalStringList(key) else { throw error(key, "missing (required in \(context))") }
        return value
    }

    func optionalStringList(_ key: String) throws(PolicyError) -> [String]? {
        guard let node = node(key) else { return nil }
        guard let items = node.sequence else { throw error(key, "must be a list") }
        var out: [String] = []
        for item in items {
            guard item.scalar != nil, let value = item.string else {
                throw PolicyError(file: file, line: item.mark?.line, "\(key): every entry must be a string")
            }
            out.append(value)
        }
        return out
    }

    /// Each entry with the line it is on.
    func optionalStringListWithLines(_ key: String) throws(PolicyError) -> [(String, Int?)]? {
        guard let node = node(key) else { return nil }
        guard let items = node.sequence else { throw error(key, "must be a list") }
        var out: [(String, Int?)] = []
        for item in items {
            guard item.scalar != nil, let value = item.string else {
                throw PolicyError(file: file, line: item.mark?.line, "\(key): every entry must be a string")
            }
            out.append((value, item.mark?.line ?? line(key)))
        }
        return out
    }

    func optionalBool(_ key: String) throws(PolicyError) -> Bool? {
        guard let node = node(key) else { return nil }
        guard node.scalar != nil, let text = node.string, ["true", "false"].contains(text) else {
            throw error(key, "must be true or false")
        }
        return text == "true"
    }

    func fields(_ key: String) throws(PolicyError) -> Fields {
        guard let value = try optionalFields(key) else { throw error(key, "missing (required in \(context))") }
        return value
    }

    func optionalFields(_ key: String) throws(PolicyError) -> Fields? {
        guard let node = node(key) else { return nil }
        return try Fields(node, file: file, context: key)
    }

    func unsigned(_ key: String) throws(PolicyError) -> UInt64? {
        guard let node = node(key) else { return nil }
        guard let text = node.string, node.scalar != nil, let value = UInt64(text) else {
            throw error(key, "must be a whole number, not \(node.string ?? "a list or mapping")")
        }
        return value
    }

    func seconds(_ key: String) throws(PolicyError) -> Double? {
        guard let node = node(key) else { return nil }
        guard let text = node.string, node.scalar != nil, let value = Double(text), value > 0, value.isFinite else {
            throw error(key, "must be a positive number of seconds")
        }
        return value
    }

    /// A byte count: a whole number with an optional unit (B, KiB, MiB, GiB, KB, MB, GB).
    func bytes(_ key: String) throws(PolicyError) -> UInt64? {
        guard let node = node(key) else { return nil }
        guard let text = node.string, node.scalar != nil, let value = ByteCount.parse(text) else {
            throw error(key, "must be a size like 512MiB or 1GiB, not \(node.string ?? "a list or mapping")")
        }
        return value
    }
}

/// Parses and prints sizes such as `512MiB`.
public enum ByteCount {
    static let units: [(String, UInt64)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000),
        ("B", 1),
    ]

    /// The number of bytes `text` names, or nil.
    public static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = UInt64(number) else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: factor)
            return overflow ? nil : product
        }
        return UInt64(trimmed)
    }
}
