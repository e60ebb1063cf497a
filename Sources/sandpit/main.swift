import ArgumentParser

/// `sandpit`: trial AI model plugins in a sandbox and compare the results.
struct Sandpit: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "sandpit",
        abstract: "Trial AI model plugins safely on synthetic public-sector cases, and compare them.",
        discussion: """
            A plugin (a .so built against sandpit_plugin.h) is loaded only inside a locked-down
            worker process: seccomp, Landlock, namespaces, rlimits, no privileges. Every case's
            outcome, latency and every denied system call is recorded in a SQLite store.
            """,
        version: version,
        subcommands: [
            RunCommand.self, TrialsCommand.self, ShowCommand.self, PluginCommand.self, PolicyCommand.self,
            DoctorCommand.self, FixturesCommand.self,
        ])
}

Sandpit.main()
