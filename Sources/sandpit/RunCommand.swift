import ArgumentParser
import ComparisonStore
import Fixtures
import Foundation
import Sandbox
import SandboxPolicy

/// `sandpit run`: trial plugins on the common cases, or finish a stopped trial.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Trial one or more plugins under a sandbox policy and record the results.",
        discussion: """
            Exits 0 when every trial was recorded, whatever the plugins did. SIGINT or SIGTERM stops \
            the run: what finished is kept, the trial is marked interrupted, and `sandpit run \
            --resume ID` runs the cases it is missing (exit 130 or 143).
            """)

    @Argument(help: "Plugin shared objects (.so).")
    var plugins: [String] = []

    @Option(help: "Finish an interrupted or incomplete trial: run only its missing cases, as it ran.")
    var resume: Int64?

    @Option(help: "Policy name (in sandboxes/) or a policy file (default: standard).")
    var policy: String?

    @Option(help: "Case kinds to run, comma-separated, or all (default: all).")
    var cases: String?

    @Option(help: "Run at most N cases.")
    var limit: Int?

    @Option(help: "Seed for the case order (default 0: the catalogue's order).")
    var seed: UInt64?

    @Option(help: "Worker processes per plugin (default: 1).")
    var workers: Int?

    @Option(name: .customLong("in-flight"), help: "Cases in flight per worker (default: 16).")
    var inFlight: Int?

    @Option(
        help:
            "A directory of KIND/cases.jsonl or a JSONL file of cases (default: the generated catalogue's eval split).")
    var fixtures: String?

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if resume != nil {
            guard plugins.isEmpty else { throw ValidationError("--resume runs the trial's own plugin; name no plugin") }
            let given = [
                ("--policy", policy != nil), ("--cases", cases != nil), ("--limit", limit != nil),
                ("--seed", seed != nil), ("--workers", workers != nil), ("--in-flight", inFlight != nil),
                ("--fixtures", fixtures != nil),
            ].filter(\.1).map(\.0)
            guard given.isEmpty else {
                throw ValidationError(
                    "--resume runs with the trial's recorded options; drop \(given.joined(separator: ", "))")
            }
            return
        }
        guard !plugins.isEmpty else { throw ValidationError("name at least one plugin .so (or --resume TRIAL)") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard (1...64).contains(workers ?? 1) else { throw ValidationError("--workers must be between 1 and 64") }
        guard (1...1024).contains(inFlight ?? 16) else {
            throw ValidationError("--in-flight must be between 1 and 1024")
        }
        let kinds = cases ?? "all"
        guard !kinds.isEmpty else { throw ValidationError("--cases needs kinds, or all") }
        if fixtures == nil && kinds != "all" {
            for kind in kinds.split(separator: ",") where !Catalogue.kinds.contains(String(kind)) {
                throw ValidationError(
                    "unknown case kind \(kind) (available: \(Catalogue.kinds.joined(separator: ", ")), or all)")
            }
        }
    }

    func run() throws {
        try reporting {
            RunInterrupts.shared.install()
            let store = try storeOptions.open()
            if let resume {
                try resumeTrial(resume, store: store)
                return
            }
            let policyName = policy ?? "standard"
            let (policy, policyPath) = try loadPolicy(policyName)
            let options = RunOptions(
                cases: cases ?? "all", limit: limit, seed: seed ?? 0, workers: workers ?? 1, inFlight: inFlight ?? 16,
                fixtures: fixtures.map(TrialRecorder.absolute))
            let fixtureSet = try loadFixtureSet(fixtures: options.fixtures, cases: options.cases)
            let selected = fixtureSet.selecting(seed: options.seed, limit: nil)
            var trials: [Int64] = []
            var failures: [String] = []
            for plugin in plugins {
                let recorder = TrialRecorder(
                    store: store, policy: policy, policyPath: policyPath, fixtures: fixtureSet, options: options,
                    interruption: RunInterrupts.shared.interruption,
                    policySource: isPolicyName(policyName) ? policyName : TrialRecorder.absolute(policyName))
                do {
                    let recorded = try recorder.trial(pluginPath: plugin, cases: selected)
                    trials.append(recorded.id)
                    try stopIfInterrupted(recorded, store: store)
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

    /// Runs the cases a stopped trial is missing, after checking nothing it ran with changed.
    private func resumeTrial(_ id: Int64, store: ComparisonStore) throws {
        let (trial, options, policyPath) = try ResumeCheck.load(id, store: store)
        try ResumeCheck.checkPlugin(trial)
        let (policy, shownPath) = try loadPolicy(policyPath)
        let fixtureSet = try loadFixtureSet(fixtures: options.fixtures, cases: options.cases)
        try ResumeCheck.check(
            policySHA256: policy.sha256, policyPath: shownPath, fixturesSHA256: fixtureSet.sha256, trial: trial)
        let recorder = TrialRecorder(
            store: store, policy: policy, policyPath: shownPath, fixtures: fixtureSet, options: options,
            interruption: RunInterrupts.shared.interruption, policySource: policyPath)
        let recorded: RecordedTrial
        do {
            recorded = try recorder.trial(
                pluginPath: trial.pluginPath, cases: fixtureSet.selecting(seed: options.seed, limit: nil),
                resuming: trial)
        } catch let failure as PluginFailure {
            throw CLIError(.plugin, failure.message)
        }
        try stopIfInterrupted(recorded, store: store)
        try report([recorded.id], store: store)
    }

    /// After an interrupted trial: one line saying what was kept and how to finish, then the
    /// exit code of the signal. Trials after it in the list are not started.
    private func stopIfInterrupted(_ recorded: RecordedTrial, store: ComparisonStore) throws(CLIError) {
        guard recorded.stop == .interrupted else { return }
        let storeFlag = storeOptions.store.map { " --store \(shellQuoted($0))" } ?? ""
        throw CLIError(
            .interrupted,
            "interrupted: \(recorded.recorded) of \(recorded.total) cases recorded; finish with: "
                + "sandpit run --resume \(recorded.id)\(storeFlag)")
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

/// Whether `run --policy` was given a shipped policy's name rather than a file.
func isPolicyName(_ nameOrPath: String) -> Bool { !nameOrPath.contains("/") && !nameOrPath.hasSuffix(".yaml") }

/// A path as a shell would need it written.
func shellQuoted(_ text: String) -> String {
    let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "/._-+=:,@".contains($0) }
    return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// Loads a policy by name or path, as a CLI error on failure. The path returned is for
/// messages: a shipped policy's name reads as `sandboxes/NAME.yaml`.
func loadPolicy(_ nameOrPath: String) throws(CLIError) -> (Policy, String) {
    do {
        let policy = try PolicyLoader.load(nameOrPath, searching: Locations.sandboxes)
        let path = isPolicyName(nameOrPath) ? "sandboxes/\(nameOrPath).yaml" : nameOrPath
        return (policy, path)
    } catch {
        throw CLIError(.policy, error.description)
    }
}
