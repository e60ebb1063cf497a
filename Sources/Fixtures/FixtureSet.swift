import Digest
import Foundation

/// A set of cases read from the catalogue directory, with the hash a trial records.
public struct FixtureSet: Sendable {
    /// The set's name ("common-cases", or the file's name for a custom set).
    public var name: String
    public var cases: [FixtureCase]
    /// Lowercase hex SHA-256 over the files the cases came from, in kind order: the same
    /// files give the same hash on every machine.
    public var sha256: String
    /// Case kinds present, sorted.
    public var kinds: [String] { Array(Set(cases.map(\.kind))).sorted() }

    public init(name: String, cases: [FixtureCase], sha256: String) {
        self.name = name
        self.cases = cases
        self.sha256 = sha256
    }

    /// Loads `DIRECTORY/KIND/cases.jsonl` for each kind asked for (all kinds present when nil).
    ///
    /// - Throws: ``FixtureError`` naming the file and line of a corrupt case, or an unknown kind.
    public static func load(directory: String, kinds: [String]?) throws(FixtureError) -> FixtureSet {
        let available = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            FileManager.default.fileExists(atPath: "\(directory)/\($0)/cases.jsonl")
        }.sorted()
        guard !available.isEmpty else {
            throw FixtureError(path: directory, line: nil, "no case kinds found (expected KIND/cases.jsonl files)")
        }
        let wanted = kinds ?? available
        var cases: [FixtureCase] = []
        var hasher = SHA256()
        for kind in wanted.sorted() {
            guard available.contains(kind) else {
                throw FixtureError(
                    path: directory, line: nil,
                    "unknown case kind \(kind) (available: \(available.joined(separator: ", ")))")
            }
            let path = "\(directory)/\(kind)/cases.jsonl"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw FixtureError(path: path, line: nil, "cannot be read")
            }
            hasher.update(Array("\(kind)\n".utf8))
            hasher.update([UInt8](data))
            cases += try parse(data, path: path, kind: kind)
        }
        return FixtureSet(name: "common-cases", cases: cases, sha256: SHA256.hexString(hasher.finalize()))
    }

    /// SHA-256 over the cases' export lines, in order.
    public static func hash(_ cases: [FixtureCase]) -> String {
        var hasher = SHA256()
        for c in cases {
            hasher.update(c.jsonLine)
            hasher.update([0x0A])
        }
        return SHA256.hexString(hasher.finalize())
    }

    /// The cases as JSONL, one per line, as `sandpit fixtures export` writes them.
    public var jsonl: [UInt8] {
        var out: [UInt8] = []
        for c in cases {
            out += c.jsonLine
            out.append(0x0A)
        }
        return out
    }

    /// Loads one JSONL file of cases of any kinds.
    public static func load(file path: String) throws(FixtureError) -> FixtureSet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FixtureError(path: path, line: nil, "cannot be read")
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return FixtureSet(
            name: name, cases: try parse(data, path: path, kind: nil), sha256: SHA256.hex(of: [UInt8](data)))
    }

    /// Parses JSONL: one case object a line; blank lines are not allowed (a truncated file
    /// must not pass for a shorter one).
    static func parse(_ data: Data, path: String, kind expectedKind: String?) throws(FixtureError) -> [FixtureCase] {
        var cases: [FixtureCase] = []
        var seen = Set<String>()
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (offset, line) in lines.enumerated() {
            let number = offset + 1
            if line.isEmpty {
                if offset == lines.count - 1 { break }
                throw FixtureError(path: path, line: number, "empty line")
            }
            func fail(_ message: String) -> FixtureError { FixtureError(path: path, line: number, message) }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                throw fail("not a JSON object")
            }
            guard let id = object["id"] as? String, !id.isEmpty, id.utf8.count <= 128 else {
                throw fail("missing or bad \"id\" (a string of 1 to 128 characters)")
            }
            guard seen.insert(id).inserted else { throw fail("duplicate id \(id)") }
            guard let kind = object["kind"] as? String else { throw fail("missing \"kind\"") }
            if let expectedKind, kind != expectedKind {
                throw fail("kind \(kind) in the \(expectedKind) catalogue")
            }
            guard let input = object["input"] as? [String: Any], let inputBytes = JSONText.canonical(input) else {
                throw fail("missing \"input\" object")
            }
            guard let expected = object["expected"] as? [String: Any], let expectedBytes = JSONText.canonical(expected)
            else {
                throw fail("missing \"expected\" object")
            }
            guard let rawIdentifiers = object["identifiers"] as? [[String: Any]] else {
                throw fail("missing \"identifiers\" list")
            }
            var identifiers: [PlantedIdentifier] = []
            for entry in rawIdentifiers {
                guard let idKind = entry["kind"] as? String, let value = entry["value"] as? String,
                    let disclose = entry["disclose"] as? Bool
                else { throw fail("an identifier needs kind, value and disclose") }
                guard inputContains(input, value) else {
                    throw fail("identifier \(idKind) is not in the case's input")
                }
                identifiers.append(PlantedIdentifier(kind: idKind, value: value, disclose: disclose))
            }
            cases.append(
                FixtureCase(id: id, kind: kind, input: inputBytes, expected: expectedBytes, identifiers: identifiers))
        }
        return cases
    }

    static func inputContains(_ value: Any, _ needle: String) -> Bool {
        switch value {
        case let text as String: return text.contains(needle)
        case let object as [String: Any]: return object.values.contains { inputContains($0, needle) }
        case let array as [Any]: return array.contains { inputContains($0, needle) }
        default: return false
        }
    }

    /// The cases in a seeded order (seed 0 keeps file order), at most `limit` of them.
    public func selecting(seed: UInt64, limit: Int?) -> [FixtureCase] {
        var ordered = cases
        if seed != 0 {
            var rng = SplitMix64(seed: seed)
            for i in stride(from: ordered.count - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                ordered.swapAt(i, j)
            }
        }
        if let limit { ordered = Array(ordered.prefix(limit)) }
        return ordered
    }
}

/// A small, fast PRNG with a fixed definition, so a seed means the same order everywhere.
public struct SplitMix64: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A fixture file that cannot be used, with where.
public struct FixtureError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var message: String

    public init(path: String, line: Int?, _ message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)" }
}
