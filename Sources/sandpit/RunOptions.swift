import ComparisonStore
import Digest
import Foundation

/// The options a trial ran with, kept with it (as JSON) so that `run --resume` runs the
/// missing cases the same way.
struct RunOptions: Codable, Equatable {
    var cases: String
    var limit: Int?
    var seed: UInt64
    var workers: Int
    var inFlight: Int
    /// The fixtures directory or file, made absolute; nil for the generated catalogue.
    var fixtures: String?

    enum CodingKeys: String, CodingKey {
        case cases, limit, seed, workers, fixtures
        case inFlight = "in_flight"
    }
}

/// What `run --resume` checks before it runs anything: the same plugin file, policy and
/// fixtures as the trial recorded. Each refusal is one line saying what changed.
enum ResumeCheck {
    /// The stopped trial, the options it ran with, and its policy's name or path.
    static func load(_ id: Int64, store: ComparisonStore) throws(CLIError) -> (TrialRecord, RunOptions, String) {
        guard let trial = try stored({ () throws(StoreError) in try store.trial(id: id) }) else {
            throw CLIError(.notFound, "no trial \(id) in \(store.path) (see sandpit trials)")
        }
        guard trial.status == "incomplete" || trial.status == "interrupted" else {
            throw CLIError(
                .usage, "trial \(id) is \(trial.status): only an interrupted or incomplete trial can be resumed")
        }
        guard let text = trial.runOptions, let policyPath = trial.policyPath,
            let options = try? JSONDecoder().decode(RunOptions.self, from: Data(text.utf8))
        else {
            throw CLIError(.usage, "trial \(id) was recorded by a sandpit that did not keep its options; run it again")
        }
        return (trial, options, policyPath)
    }

    /// Refuses when the plugin file's contents changed.
    static func checkPlugin(_ trial: TrialRecord) throws(CLIError) {
        guard let data = FileManager.default.contents(atPath: trial.pluginPath) else {
            throw CLIError(.plugin, "cannot resume trial \(trial.id ?? 0): \(trial.pluginPath) cannot be read")
        }
        let now = SHA256.hex(of: [UInt8](data))
        guard now == trial.pluginSHA256 else {
            throw CLIError(
                .plugin,
                "cannot resume trial \(trial.id ?? 0): the plugin changed (\(trial.pluginPath) sha256 "
                    + "\(now.prefix(12))…, the trial ran \(trial.pluginSHA256.prefix(12))…)")
        }
    }

    /// Refuses when the policy or the fixtures differ from the trial's.
    static func check(policySHA256: String, policyPath: String, fixturesSHA256: String, trial: TrialRecord)
        throws(CLIError)
    {
        let id = trial.id ?? 0
        guard policySHA256 == trial.policySHA256 else {
            throw CLIError(
                .policy,
                "cannot resume trial \(id): the policy changed (\(policyPath) sha256 \(policySHA256.prefix(12))…, "
                    + "the trial ran \(trial.policySHA256.prefix(12))…)")
        }
        guard fixturesSHA256 == trial.fixtureSHA256 else {
            throw CLIError(
                .fixtures,
                "cannot resume trial \(id): the fixtures changed (sha256 \(fixturesSHA256.prefix(12))…, "
                    + "the trial ran \(trial.fixtureSHA256.prefix(12))…)")
        }
    }
}
