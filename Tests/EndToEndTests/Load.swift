import Foundation
import Synchronization

/// A bounded background load: `count` threads that spin on a CPU each until the test stops
/// them (and after `seconds` whatever happens), so a test can check that timing and
/// attribution hold while the host is descheduled. Threads, not processes: a child process
/// would inherit the test's pipes and signal dispositions and could outlive it.
final class Spinners: Sendable {
    private let stopped = Atomic<Bool>(false)

    init(count: Int = 2, seconds: Double = 120) throws {
        let deadline = Date().addingTimeInterval(seconds)
        for _ in 0..<count {
            let thread = Thread { [self] in
                var spins: UInt64 = 0
                while !self.stopped.load(ordering: .relaxed) {
                    spins &+= 1
                    if spins % 1_000_000 == 0 && Date() > deadline { return }
                }
            }
            thread.start()
        }
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    deinit { stop() }
}

/// `sandpit ARGS` started in the background, to be signalled mid-run.
struct RunningSandpit {
    let process = Process()
    let stdout = Pipe()
    let stderr = Pipe()

    init(_ sandpit: Sandpit, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: Sandpit.binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["SANDPIT_STORE"] = sandpit.store
        process.environment = env
        process.currentDirectoryURL = URL(fileURLWithPath: sandpit.directory)
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the exit; returns the status and what was printed.
    func wait() -> Sandpit.Result {
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Sandpit.Result(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }
}

extension Sandpit {
    /// The store's trials as `sandpit trials --json` lists them.
    func trials() throws -> [[String: Any]] {
        let result = try run(["trials", "--json"])
        // No store yet (the run has not created it): no trials.
        guard result.status == 0 else { return [] }
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return (object as? [String: Any])?["trials"] as? [[String: Any]] ?? (object as? [[String: Any]] ?? [])
    }

    /// Waits until trial 1 has at least `cases` cases stored (or `seconds` pass).
    func waitForCases(_ cases: Int, seconds: Double = 20) throws -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let first = try trials().first, let stored = first["cases"] as? Int, stored >= cases { return stored }
            usleep(50_000)
        }
        return -1
    }

    /// `show TRIAL --json`, parsed.
    func show(_ id: Int) throws -> [String: Any] {
        try run(["show", "\(id)", "--json"]).json()
    }

    /// A policy file: the standard policy with `replacements` applied.
    func policy(named name: String, _ replacements: [(String, String)]) throws -> String {
        var text = try String(
            contentsOfFile: Self.root.appendingPathComponent("sandboxes/standard.yaml").path, encoding: .utf8)
        text = text.replacingOccurrences(of: "name: standard", with: "name: \(name)")
        for (from, to) in replacements {
            precondition(text.contains(from), "standard.yaml has no \(from)")
            text = text.replacingOccurrences(of: from, with: to)
        }
        let path = directory + "/\(name).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
