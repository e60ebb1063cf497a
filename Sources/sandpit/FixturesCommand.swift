import ArgumentParser
import Fixtures
import Foundation

/// `sandpit fixtures`: the common-cases catalogue.
struct FixturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fixtures", abstract: "List, show and export the synthetic common-cases catalogue.",
        subcommands: [List.self, Show.self, Export.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Case kinds, counts and the catalogue's hash.")
        @OptionGroup var output: OutputOptions

        struct Row: Encodable {
            var kind: String
            var eval: Int
            var train: Int
            var variants: [String]
        }

        func run() throws {
            try reporting {
                let eval = try catalogue(.eval)
                let train = try catalogue(.train)
                let rows = Catalogue.kinds.map { kind in
                    Row(
                        kind: kind, eval: eval.cases.filter { $0.kind == kind }.count,
                        train: train.cases.filter { $0.kind == kind }.count, variants: Variant.allCases.map(\.rawValue))
                }
                if output.json {
                    try Output.json(
                        ListReport(
                            set: eval.name, seed: Catalogue.defaultSeed, sha256: eval.sha256, trainSHA256: train.sha256,
                            kinds: rows))
                    return
                }
                Output.line("catalogue \(eval.name), seed \(Catalogue.defaultSeed)")
                Output.line("eval sha256  \(eval.sha256)")
                Output.line("train sha256 \(train.sha256)")
                Output.line("")
                Output.line(
                    TextTable.render(
                        [["KIND", "EVAL", "TRAIN", "VARIANTS"]]
                            + rows.map { [$0.kind, "\($0.eval)", "\($0.train)", $0.variants.joined(separator: ", ")] }))
            }
        }

        struct ListReport: Encodable {
            var set: String
            var seed: UInt64
            var sha256: String
            var trainSHA256: String
            var kinds: [Row]
            enum CodingKeys: String, CodingKey {
                case set, seed, sha256, kinds
                case trainSHA256 = "train_sha256"
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one case: input, gold answer, planted identifiers.")
        @Argument(help: "A case id, such as triage-0007 or redact-train-0003-typo.") var id: String

        func run() throws {
            try reporting {
                for split in Catalogue.Split.allCases {
                    if let found = try catalogue(split).cases.first(where: { $0.id == id }) {
                        FileHandle.standardOutput.write(Data(Self.pretty(found.jsonLine)))
                        FileHandle.standardOutput.write(Data("\n".utf8))
                        return
                    }
                }
                throw CLIError(.notFound, "no case \(id) in the catalogue (see sandpit fixtures list)")
            }
        }

        static func pretty(_ bytes: [UInt8]) -> [UInt8] {
            guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)),
                let data = try? JSONSerialization.data(
                    withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            else { return bytes }
            return [UInt8](data)
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write cases as JSONL, one per line; the same seed and count give byte-identical output.")
        @Option(help: "Only this case kind.") var kind: String?
        @Option(help: "eval or train.") var split: String = "eval"
        @Option(help: "Generation seed.") var seed: UInt64 = Catalogue.defaultSeed
        @Option(help: "Cases per kind (default: the catalogue's).") var count: Int?
        @Flag(help: "JSON Lines (the only format).") var jsonl = false

        func validate() throws {
            guard jsonl else { throw ValidationError("say which format: --jsonl") }
            guard Catalogue.Split(rawValue: split) != nil else { throw ValidationError("--split is eval or train") }
            if let kind, !Catalogue.kinds.contains(kind) {
                throw ValidationError("unknown kind \(kind) (available: \(Catalogue.kinds.joined(separator: ", ")))")
            }
            if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        }

        func run() throws {
            let split = Catalogue.Split(rawValue: split)!
            let perKind = count ?? Catalogue.defaultBases * Variant.allCases.count
            let out = FileHandle.standardOutput
            for kind in kind.map({ [$0] }) ?? Catalogue.kinds {
                var buffer: [UInt8] = []
                buffer.reserveCapacity(1 << 20)
                // Written in chunks, so 100,000 cases never sit in memory as one string.
                var made = 0
                while made < perKind {
                    let chunk = min(5000, perKind - made)
                    for c in Catalogue.cases(kind: kind, split: split, seed: seed, count: chunk, from: made) {
                        buffer += c.jsonLine
                        buffer.append(0x0A)
                    }
                    out.write(Data(buffer))
                    buffer.removeAll(keepingCapacity: true)
                    made += chunk
                }
            }
        }
    }
}

/// The shipped catalogue's split, as a CLI error when it cannot be made.
func catalogue(_ split: Catalogue.Split) throws(CLIError) -> FixtureSet {
    do {
        return try Catalogue.set(split: split)
    } catch {
        throw CLIError(.fixtures, error.description)
    }
}
