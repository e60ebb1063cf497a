import ArgumentParser
import Fixtures
import Foundation
import Sandbox
import SandboxPolicy
import Synchronization

extension PolicyCommand {
    /// `sandpit policy learn`: run a plugin under `observe` and write the least policy that
    /// allows what it did.
    struct Learn: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a plugin under the observe policy and write the least policy that allows what it did.",
            discussion:
                "A learned policy covers only what was exercised: cases the plugin was not run on may need more.")

        @Argument(help: "The plugin .so.") var plugin: String
        @Option(help: "Case kinds to run, comma-separated, or all.") var cases = "all"
        @Option(help: "Run at most N cases.") var limit: Int?
        @Option(help: "A fixtures directory or JSONL file (default: the shipped catalogue).") var fixtures: String?
        @Option(help: "Where to write the learned policy (YAML).") var output: String
        @Option(help: "The policy to observe under.") var observe = "observe"

        /// Arguments whose values are worth pinning: small sets of flags and selectors, not
        /// descriptors or pointers. (ioctl and fcntl already carry built-in conditions.)
        static let learnableArguments: [String: [Int]] = [
            "socket": [0, 1, 2], "prctl": [0], "clock_gettime": [0], "clock_nanosleep": [0], "getrandom": [2],
            "madvise": [2], "setsockopt": [1, 2], "getsockopt": [1, 2],
        ]

        func run() throws {
            try reporting {
                let (policy, policyPath) = try loadPolicy(observe)
                guard case .observe = policy.seccomp.defaultAction else {
                    throw CLIError(.policy, "\(policyPath): learning needs a policy whose default is observe")
                }
                let set = try loadFixtureSet(fixtures: fixtures, cases: cases)
                var chosen = set.selecting(seed: 0, limit: nil)
                let launch: WorkerLaunch
                let loaded: LoadedPlugin
                let runner: TrialRunner
                do throws(SandboxError) {
                    launch = try WorkerLaunch(
                        workerExecutable: Locations.worker, pluginPath: plugin, policy: policy, policyPath: policyPath)
                    runner = TrialRunner(launch: launch)
                    loaded = try runner.load()
                } catch {
                    throw error.cliError
                }
                let kinds = PluginRules.caseKinds(loaded.hello.caseKinds)
                chosen = chosen.filter { kinds.contains("*") || kinds.contains($0.kind) }
                if let limit { chosen = Array(chosen.prefix(limit)) }
                let events = Mutex<[SafetyEvent]>(loaded.events)
                let outcomes = Mutex<[Outcome: Int]>([:])
                _ = runner.run(
                    chosen.map(TrialRecorder.trialCase),
                    sink: ResultSink { batch in
                        events.withLock { all in all += batch.results.flatMap(\.events) + batch.lateEvents }
                        outcomes.withLock { counts in for r in batch.results { counts[r.outcome, default: 0] += 1 } }
                    })
                let seen = events.withLock { $0 }
                let writer = Self.policy(
                    from: seen, plugin: loaded, base: policy, cases: chosen.count,
                    kinds: Array(Set(chosen.map(\.kind))).sorted())
                do {
                    try writer.text.write(toFile: output, atomically: true, encoding: .utf8)
                } catch {
                    throw CLIError(.policy, "\(output): cannot write (\(error.localizedDescription))")
                }
                let (learned, _, filter) = try PolicyCommand.compile(output)
                let counts = outcomes.withLock { $0 }.map { "\($0.key.rawValue) \($0.value)" }.sorted()
                Output.line("ran \(chosen.count) cases under \(policy.name): \(counts.joined(separator: ", "))")
                Output.line(
                    "wrote \(output): policy \(learned.name), \(learned.seccomp.allowed.count) calls allowed, "
                        + "\(learned.seccomp.rules.count) rules, \(filter.instructionCount) BPF instructions")
                let refused = Set(seen.filter { $0.kind == .deniedSyscall }.compactMap(\.syscall)).sorted()
                if !refused.isEmpty {
                    Output.line(
                        "denied even while observing (kernel attack surface): \(refused.joined(separator: ", "))")
                }
                Diagnostics.warning(
                    "a learned policy covers only what was exercised; run the plugin on more cases to widen it")
            }
        }

        /// The least policy that allows what `events` show.
        static func policy(from events: [SafetyEvent], plugin: LoadedPlugin, base: Policy, cases: Int, kinds: [String])
            -> PolicyWriter
        {
            let observed = events.filter { $0.kind == .observedSyscall }
            var runNames = Set<String>()
            var loadNames = Set<String>()
            var values: [String: Set<[UInt64]>] = [:]
            var unallowable = Set<String>()
            for event in observed {
                guard let name = event.syscall else { continue }
                if SyscallGroups.neverAllowed.contains(name) {
                    unallowable.insert(name)
                    continue
                }
                if event.phase == "load" { loadNames.insert(name) } else { runNames.insert(name) }
                if let indices = learnableArguments[name] {
                    values[name, default: []].insert(indices.map { event.arguments[$0] & 0xffff_ffff })
                }
            }
            let slug = plugin.hello.name
            var writer = PolicyWriter(
                name: "learned-\(slug)".prefix(64).description,
                description:
                    "Learned from \(plugin.hello.name) \(plugin.hello.version) on \(cases) cases (\(kinds.joined(separator: ", ")))"
            )
            writer.learned = true
            writer.header = [
                "LEARNED by `sandpit policy learn` under the \(base.name) policy.",
                "It allows exactly the system calls the plugin made on the cases it was run on: a case",
                "that takes another path through the plugin may need more. Review it before use:",
                "`sandpit policy explain` says what it allows.",
            ]
            if !unallowable.isEmpty {
                writer.header.append("")
                writer.header.append("Observed but never allowable: \(unallowable.sorted().joined(separator: ", "))")
            }
            for name in runNames.sorted() {
                if let seen = values[name], seen.count <= 8, let indices = learnableArguments[name] {
                    for tuple in seen.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                        let when = zip(indices, tuple).map { "arg\($0) == 0x\(String($1, radix: 16))" }
                        writer.rules.append((name, .allow, when))
                    }
                } else {
                    writer.allow.append(name)
                }
            }
            writer.allowWhileLoading = loadNames.subtracting(runNames).sorted()
            writer.limits = base.limits
            writer.required = base.required.sorted()
            return writer
        }
    }
}

/// Loads the fixture set a command asks for: the generated catalogue's eval split unless
/// `fixtures` names a directory or a JSONL file.
func loadFixtureSet(fixtures: String?, cases: String) throws(CLIError) -> FixtureSet {
    let kinds: [String]? = cases == "all" ? nil : cases.split(separator: ",").map { String($0) }
    do throws(FixtureError) {
        if let fixtures, fixtures.hasSuffix(".jsonl") {
            var set = try FixtureSet.load(file: fixtures)
            if let kinds { set.cases = set.cases.filter { kinds.contains($0.kind) } }
            return set
        }
        if let directory = fixtures { return try FixtureSet.load(directory: directory, kinds: kinds) }
        return try Catalogue.set(kinds: kinds)
    } catch {
        throw CLIError(.fixtures, error.description)
    }
}
