import ArgumentParser
import ComparisonStore
import Foundation

/// Where the comparison store is: `--store`, else `SANDPIT_STORE`, else `./sandpit.sqlite`.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The comparison store (default: $SANDPIT_STORE, else ./sandpit.sqlite).")
    var store: String?

    var path: String {
        store ?? ProcessInfo.processInfo.environment["SANDPIT_STORE"] ?? "sandpit.sqlite"
    }

    /// The store for a command that records (created and upgraded if need be).
    func open() throws(CLIError) -> ComparisonStore {
        do {
            return try ComparisonStore(path: path)
        } catch {
            throw CLIError(.store, error.description)
        }
    }

    /// The store for a command that only reads: never created, never written.
    func openForReading() throws(CLIError) -> ComparisonStore {
        do {
            return try ComparisonStore(readingOnly: path)
        } catch {
            throw CLIError(.store, error.description)
        }
    }
}

/// `--json`: machine-readable output on stdout, with a stable schema.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false
}
