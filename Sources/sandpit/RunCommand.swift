import ArgumentParser
import ComparisonStore
import Fixtures
import Foundation
import Sandbox
import SandboxPolicy

/// `sandpit run`: trial plugins on the common cases.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Trial one or more plugins under a sandbox policy and record the results.",
        discussion: "Exits 0 when every trial was recorded, whatever the plugins did.")

    @Argument(help: "Plugin shared objects (.so).")
    var plugins: [String]

    @Option(help: "Policy name (in sandboxes/) or a policy file.")
    var policy = "standard"

    @Option(help: "Case kinds to run, comma-separated, or all.")
    var cases = "all"

    @Option(help: "Run at most N cases.")
    var limit: Int?

    @Option(help: "Seed for the case order (0 keeps the catalogue's order).")
    var seed: UInt64 = 0

    @Option(help: "Worker processes per plugin.")
    var workers = 1

    @Option(name: .customLong("in-flight"), help: "Cases in flight per worker.")
    var inFlight = 16

    @Option(
        help:
            "A directory of KIND/cases.jsonl or a JSONL file of cases (default: the generated catalogue's eval split).")
    var fixtures: String?

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard !plugins.isEmpty else { throw ValidationError("name at least one plugin .so") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be between 1 and 64") }
        guard (1...1024).contains(inFlight) else { throw ValidationError("--in-flight must be between 1 and 1024") }
        guard !cases.isEmpty else { throw ValidationError("--cases needs kinds, or all") }
        if fixtures == nil && cases != "all" {
            for kind in cases.split(separator: ",") where !Catalogue.kinds.contains(String(kind)) {
                throw ValidationError(
                    "unknown case kind \(kind) (available: \(Catalogue.kinds.joined(separator: ", ")), or all)")
            }
        }
    }

    func run() throws {
        try reporting {
            let (policy, policyPath) = try loadPolicy(policy)
            let fixtureSet = try loadFixtures()
            let selected = fixtureSet.selecting(seed: seed, limit: nil)
            let store = try storeOptions.open()
            var trials: [Int64] = []
            var failures: [String] = []
            for plugin in plugins {
                let recorder = TrialRecorder(
                    store: store, policy: policy, policyPath: policyPath, fixtures: fixtureSet,
                    seed: seed, workers: workers)
                do {
                    let id = try recorder.trial(pluginPath: plugin, cases: selected, limit: limit, inFlight: inFlight)
                    trials.append(id)
                } catch let failure as PluginFailure {
                    trials.append(failure.trialID)
                    failures.append(failure.message)
                    Diagnostics.error(failure.message)
                }
            }
            try report(trials, store: store)
            if !failures.isEmpty {
                throw ExitCode(CLIError.Kind.plugin.rawValue)
            }
        }
    }

    private func loadFixtures() throws(CLIError) -> FixtureSet {
        try loadFixtureSet(fixtures: fixtures, cases: cases)
    }

    private func report(_ ids: [Int64], store: ComparisonStore) throws {
        let reports = try ids.map { id throws(CLIError) in try TrialReport.load(id: id, store: store) }
        if output.json {
            try Output.json(["trials": reports])
        } else {
            Output.line(ComparisonTable.render(reports))
            Output.line("Stored in \(store.path). See one trial with: sandpit show ID")
        }
    }
}

/// Loads a policy by name or path, as a CLI error on failure.
func loadPolicy(_ nameOrPath: String) throws(CLIError) -> (Policy, String) {
    do {
        let policy = try PolicyLoader.load(nameOrPath, searching: Locations.sandboxes)
        let path =
            nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") ? nameOrPath : "sandboxes/\(nameOrPath).yaml"
        return (policy, path)
    } catch {
        throw CLIError(.policy, error.description)
    }
}
