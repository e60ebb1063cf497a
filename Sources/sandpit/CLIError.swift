import ArgumentParser
import Sandbox

/// An error the CLI reports as one line on stderr and an exit code.
struct CLIError: Error, CustomStringConvertible {
    /// Exit codes, documented in the README.
    enum Kind: Int32 {
        /// At least one plugin could not be loaded (the others were trialled).
        case plugin = 1
        /// A policy is malformed or cannot be applied.
        case policy = 2
        /// The store cannot be opened or written.
        case store = 3
        /// A layer the policy requires is not active on this machine.
        case isolation = 4
        /// Fixtures are missing or corrupt.
        case fixtures = 5
        /// No such trial, or similar.
        case notFound = 6
        /// sandpit itself is not installed right (no worker executable).
        case installation = 7
        /// The command line asks for something that cannot be done (resuming a finished trial).
        case usage = 64
        /// SIGINT stopped the run (SIGTERM exits 143; see `RunInterrupts`).
        case interrupted = 130
    }

    var kind: Kind
    var message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, turning a ``CLIError`` into "sandpit: message" on stderr and its exit code.
    func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as CLIError {
            if error.kind == .interrupted {
                Diagnostics.write("sandpit: \(error.message)\n")
                throw ExitCode(RunInterrupts.shared.exitCode)
            }
            Diagnostics.error(error.message)
            throw ExitCode(error.kind.rawValue)
        }
    }
}

extension SandboxError {
    /// The CLI's error for a plugin that could not be loaded or a policy that could not be
    /// applied, with its exit code.
    var cliError: CLIError {
        switch code {
        case .policy: return CLIError(.policy, description)
        case .requiredLayerMissing: return CLIError(.isolation, description)
        default: return CLIError(.plugin, description)
        }
    }
}
