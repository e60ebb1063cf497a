import Foundation

/// Diagnostics go to stderr; results go to stdout.
enum Diagnostics {
    static func error(_ message: String) { write("sandpit: error: \(message)\n") }
    static func warning(_ message: String) { write("sandpit: warning: \(message)\n") }
    /// Progress, only when stderr is a terminal.
    static func progress(_ message: String) {
        if isatty(2) != 0 { write("sandpit: \(message)\n") }
    }

    static func write(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}

/// Prints to stdout.
enum Output {
    static func line(_ text: String = "") { print(text) }

    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
