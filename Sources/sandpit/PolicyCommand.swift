import ArgumentParser
import Foundation
import Sandbox
import SandboxPolicy

/// `sandpit policy`: write, read, compare, import and learn sandbox policies.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Check, explain, compare, import, export and learn sandbox policies.",
        subcommands: [
            Check.self, Explain.self, Diff.self, Groups.self, Constants.self, Import.self, Export.self, Learn.self,
        ])

    /// Loads and compiles a policy: the same checks a trial makes.
    static func compile(_ nameOrPath: String) throws(CLIError) -> (Policy, String, CompiledFilter) {
        let (policy, path) = try loadPolicy(nameOrPath)
        do {
            return (policy, path, try SeccompCompiler.compile(policy, policyPath: path))
        } catch {
            throw CLIError(.policy, error.description)
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate policies: syntax, names, constants, conditions, extends. Non-zero on the first bad one."
        )

        @Argument(help: "Policy files or names.")
        var policies: [String]

        @OptionGroup var output: OutputOptions

        struct Row: Encodable {
            var policy: String
            var path: String
            var ok: Bool
            var error: String?
            var instructions: Int?
            var sha256: String?
        }

        func run() throws {
            var rows: [Row] = []
            var failed = false
            for name in policies {
                do throws(CLIError) {
                    let (policy, path, filter) = try PolicyCommand.compile(name)
                    rows.append(
                        Row(
                            policy: policy.name, path: path, ok: true, error: nil,
                            instructions: filter.instructionCount, sha256: policy.sha256))
                } catch {
                    failed = true
                    rows.append(
                        Row(policy: name, path: name, ok: false, error: error.message, instructions: nil, sha256: nil))
                    if !output.json { Diagnostics.error(error.message) }
                }
            }
            if output.json {
                try Output.json(["policies": rows])
            } else {
                for row in rows where row.ok {
                    Output.line("ok  \(row.path)  (\(row.policy), \(row.instructions ?? 0) BPF instructions)")
                }
            }
            if failed { throw ExitCode(CLIError.Kind.policy.rawValue) }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Say in plain English what a plugin under a policy can and cannot do.")

        @Argument(help: "A policy file or name.")
        var policy: String

        func run() throws {
            try reporting {
                let (policy, path, _) = try PolicyCommand.compile(policy)
                for line in PolicyExplainer.explain(policy, path: path) { Output.line(line) }
            }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What B allows that A does not, and the reverse, and how their limits differ.")

        @Argument(help: "Policy A.") var a: String
        @Argument(help: "Policy B.") var b: String
        @OptionGroup var output: OutputOptions

        struct Report: Encodable {
            var onlyInA: [String]
            var onlyInB: [String]
            var changes: [String]
            enum CodingKeys: String, CodingKey {
                case changes
                case onlyInA = "only_in_a", onlyInB = "only_in_b"
            }
        }

        func run() throws {
            try reporting {
                let (first, firstPath, _) = try PolicyCommand.compile(a)
                let (second, secondPath, _) = try PolicyCommand.compile(b)
                let diff = PolicyDiff(first, second)
                if output.json {
                    try Output.json(
                        Report(onlyInA: diff.onlyInFirst, onlyInB: diff.onlyInSecond, changes: diff.changes))
                    return
                }
                Output.line("\(secondPath) allows what \(firstPath) does not:")
                Output.line(
                    diff.onlyInSecond.isEmpty
                        ? "  (nothing)" : diff.onlyInSecond.map { "  + \($0)" }.joined(separator: "\n"))
                Output.line("\(firstPath) allows what \(secondPath) does not:")
                Output.line(
                    diff.onlyInFirst.isEmpty
                        ? "  (nothing)" : diff.onlyInFirst.map { "  - \($0)" }.joined(separator: "\n"))
                Output.line("Other differences (A → B):")
                Output.line(
                    diff.changes.isEmpty ? "  (none)" : diff.changes.map { "  ~ \($0)" }.joined(separator: "\n"))
            }
        }
    }

    struct Groups: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the syscall groups a policy can allow as @name.")
        @OptionGroup var output: OutputOptions

        func run() throws {
            if output.json {
                try Output.json([
                    "groups": SyscallGroups.all, "never_allowed": ["names": SyscallGroups.neverAllowed.sorted()],
                ])
                return
            }
            for (name, members) in SyscallGroups.all.sorted(by: { $0.key < $1.key }) {
                Output.line("@\(name)")
                Output.line("    " + members.joined(separator: " "))
            }
            Output.line("")
            Output.line("Never allowed (without i_understand_this_is_unsafe: true):")
            Output.line("    " + SyscallGroups.neverAllowed.sorted().joined(separator: " "))
        }
    }

    struct Constants: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the named constants argument conditions may use.")
        @OptionGroup var output: OutputOptions

        func run() throws {
            if output.json {
                try Output.json(["constants": PolicyConstants.values])
                return
            }
            for (name, value) in PolicyConstants.values.sorted(by: { $0.key < $1.key }) {
                Output.line(name.padding(toLength: 24, withPad: " ", startingAt: 0) + "0x" + String(value, radix: 16))
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn an OCI/Docker seccomp profile into a sandpit policy, listing what cannot be carried over.")

        @Argument(help: "The profile (JSON).") var profile: String
        @Option(help: "Where to write the policy (YAML).") var output: String
        @Option(help: "The new policy's name (default: the output file's name).") var name: String?

        func run() throws {
            try reporting {
                guard let data = FileManager.default.contents(atPath: profile) else {
                    throw CLIError(.policy, "\(profile): cannot read the file")
                }
                let policyName =
                    name ?? URL(fileURLWithPath: output).deletingPathExtension().lastPathComponent.lowercased()
                let imported: OCIProfile.Imported
                do throws(PolicyError) {
                    imported = try OCIProfile.importProfile(data, file: profile, name: policyName) {
                        // libseccomp gives other architectures' calls negative numbers here.
                        (SeccompCompiler.number(of: $0) ?? -1) >= 0
                    }
                } catch {
                    throw CLIError(.policy, error.description)
                }
                do {
                    try imported.yaml.write(toFile: output, atomically: true, encoding: .utf8)
                } catch {
                    throw CLIError(.policy, "\(output): cannot write (\(error.localizedDescription))")
                }
                let (policy, _, filter) = try PolicyCommand.compile(output)
                Output.line(
                    "wrote \(output): policy \(policy.name), \(policy.seccomp.allowed.count) calls allowed, "
                        + "\(policy.seccomp.rules.count) rules, \(filter.instructionCount) BPF instructions")
                if !imported.notCarried.isEmpty {
                    Output.line("Not carried over (\(imported.notCarried.count)):")
                    for item in imported.notCarried { Output.line("  - \(item)") }
                }
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a policy as an OCI/Docker seccomp profile.")

        @Argument(help: "A policy file or name.") var policy: String
        @Flag(help: "OCI/Docker seccomp JSON (the only format for now).") var oci = false
        @Option(help: "Where to write it (default: stdout).") var output: String?

        func run() throws {
            try reporting {
                guard oci else { throw CLIError(.policy, "say which format: --oci") }
                let (policy, _, _) = try PolicyCommand.compile(policy)
                let (json, notes) = OCIProfile.export(policy)
                if let output {
                    do {
                        try json.write(to: URL(fileURLWithPath: output))
                    } catch {
                        throw CLIError(.policy, "\(output): cannot write (\(error.localizedDescription))")
                    }
                } else {
                    FileHandle.standardOutput.write(json)
                    FileHandle.standardOutput.write(Data("\n".utf8))
                }
                for note in notes { Diagnostics.warning(note) }
            }
        }
    }
}
