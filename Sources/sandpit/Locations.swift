import Foundation

/// Where sandpit finds its worker, shipped policies and grade thresholds.
///
/// In a checkout the binary is `.build/<triple>/<config>/sandpit`, so the repository is
/// found by walking up from the executable; `SANDPIT_HOME` overrides that.
enum Locations {
    static var executableDirectory: URL {
        URL(
            fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments[0]
        ).deletingLastPathComponent()
    }

    /// `sandpit-worker` beside this executable, or `SANDPIT_WORKER`.
    static var worker: String {
        ProcessInfo.processInfo.environment["SANDPIT_WORKER"]
            ?? executableDirectory.appendingPathComponent("sandpit-worker").path
    }

    /// The directory holding `sandboxes/` and `fixtures/`: SANDPIT_HOME, the current
    /// directory, or an ancestor of the executable.
    static var home: String? {
        let environment = ProcessInfo.processInfo.environment
        if let home = environment["SANDPIT_HOME"] { return home }
        var candidates = [FileManager.default.currentDirectoryPath]
        var directory = executableDirectory
        for _ in 0..<5 {
            candidates.append(directory.path)
            directory.deleteLastPathComponent()
        }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/sandboxes/standard.yaml") }
    }

    static var sandboxes: [String] { home.map { [$0 + "/sandboxes"] } ?? [] }
}
