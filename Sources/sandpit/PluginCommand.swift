import ArgumentParser
import Foundation
import Sandbox

/// `sandpit plugin`: work with plugin files.
struct PluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin", abstract: "Inspect plugins.", subcommands: [Inspect.self])

    /// `sandpit plugin inspect`: what a plugin says it is, read by loading it in a sandboxed worker.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a plugin in a sandboxed worker and show what it says it is.",
            discussion:
                "The host never maps plugin code: the plugin is loaded, and its constructors run, in the worker.")

        @Argument(help: "The plugin .so.")
        var plugin: String

        @Option(help: "Policy to load it under.")
        var policy = "standard"

        @OptionGroup var output: OutputOptions

        struct Report: Encodable {
            var name, version, path, sha256: String
            var caseKinds: [String]
            var abi: UInt32
            var sizeBytes: Int
            var needs: [String]
            var swiftRuntime: Bool
            var isolation: [String: Bool]
            var loadEvents: [String]
            var coldStartMs: Double
            enum CodingKeys: String, CodingKey {
                case name, version, path, sha256, abi, needs, isolation
                case caseKinds = "case_kinds", sizeBytes = "size_bytes", swiftRuntime = "swift_runtime"
                case loadEvents = "load_events", coldStartMs = "cold_start_ms"
            }
        }

        func run() throws {
            try reporting {
                let (policy, policyPath) = try loadPolicy(policy)
                let launch: WorkerLaunch
                let loaded: LoadedPlugin
                do throws(SandboxError) {
                    launch = try WorkerLaunch(
                        workerExecutable: Locations.worker, pluginPath: plugin, policy: policy,
                        policyPath: policyPath)
                    let runner = TrialRunner(launch: launch)
                    loaded = try runner.load()
                    runner.close()
                } catch {
                    throw error.cliError
                }
                let report = Report(
                    name: loaded.hello.name, version: loaded.hello.version, path: launch.plugin.path,
                    sha256: launch.plugin.sha256, caseKinds: PluginRules.caseKinds(loaded.hello.caseKinds),
                    abi: loaded.hello.abiVersion, sizeBytes: launch.plugin.size, needs: launch.plugin.needed,
                    swiftRuntime: launch.plugin.needsSwiftRuntime, isolation: loaded.isolation.layers,
                    loadEvents: loaded.events.map { "\($0.syscall ?? $0.kind.rawValue): \($0.detail)" },
                    coldStartMs: Double(loaded.coldStartMicros) / 1000)
                if output.json {
                    try Output.json(report)
                    return
                }
                Output.line("name        \(report.name)")
                Output.line("version     \(report.version)")
                Output.line("case kinds  \(report.caseKinds.joined(separator: ", "))")
                Output.line("ABI         \(report.abi)")
                Output.line("sha256      \(report.sha256)")
                Output.line("path        \(report.path) (\(report.sizeBytes) bytes)")
                Output.line("needs       \(report.needs.joined(separator: ", "))")
                if report.swiftRuntime {
                    Output.line(
                        "runtime     Swift: build it with the same Swift toolchain as this sandpit (no stable ABI on Linux)"
                    )
                }
                Output.line("loaded in   \(String(format: "%.1f", report.coldStartMs)) ms under policy \(policy.name)")
                if !report.loadEvents.isEmpty {
                    Output.line("while loading, denied:")
                    for event in report.loadEvents { Output.line("  \(event)") }
                }
            }
        }
    }
}
