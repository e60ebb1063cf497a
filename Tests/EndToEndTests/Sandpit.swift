import Foundation
import Testing

/// Runs the built `sandpit` binary, as a user would.
struct Sandpit {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let binary = root.appendingPathComponent(".build/debug/sandpit").path
    static let plugins = root.appendingPathComponent(".build/plugins").path
    static let hostile = root.appendingPathComponent(".build/test-plugins").path

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String

        /// stdout parsed as a JSON object.
        func json() throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
            return try #require(object as? [String: Any], "stdout is not a JSON object: \(stdout.prefix(300))")
        }
    }

    /// A fresh store in a fresh directory for each test.
    let directory: String
    var store: String { directory + "/sandpit.sqlite" }

    init() throws {
        directory = NSTemporaryDirectory() + "sandpit-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// Runs `sandpit ARGS` with SANDPIT_STORE set to this test's store; `launcher` (such as
    /// setpriv) runs it instead when given, with the binary as its last argument.
    @discardableResult
    func run(
        _ arguments: [String], binary: String = binary, launcher: [String] = [],
        environment: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: launcher.first ?? binary)
        process.arguments = Array(launcher.dropFirst()) + (launcher.isEmpty ? [] : [binary]) + arguments
        var env = ProcessInfo.processInfo.environment
        env["SANDPIT_STORE"] = store
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes while the process runs, so a large output cannot fill one and stall it.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { usleep(1000) }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A copy of the standard policy with a shorter case time limit and less memory, so that
    /// tests that time out or exhaust memory finish quickly.
    func quickPolicy(wallSeconds: Double = 1) throws -> String {
        let standard = try String(
            contentsOfFile: Self.root.appendingPathComponent("sandboxes/standard.yaml").path, encoding: .utf8)
        let quick = standard.replacingOccurrences(
            of: "wall_seconds_per_case: 5", with: "wall_seconds_per_case: \(wallSeconds)"
        )
        .replacingOccurrences(of: "name: standard", with: "name: quick")
        .replacingOccurrences(of: "memory: 2GiB", with: "memory: 256MiB")
        let path = directory + "/quick.yaml"
        try quick.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static var builtPluginsExist: Bool {
        FileManager.default.fileExists(atPath: binary)
            && FileManager.default.fileExists(atPath: hostile + "/hostile-tcp.so")
            && FileManager.default.fileExists(atPath: plugins + "/keyword-triage.so")
    }
}
