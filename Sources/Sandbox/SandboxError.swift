import SandboxPolicy

/// Why a plugin could not be trialled, in words the user can act on.
public struct SandboxError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The file is missing, not an ELF shared object for this machine, or unreadable.
        case notAPlugin
        /// The plugin loaded but broke the ABI (symbol, version, pointers, name).
        case badPlugin
        /// The plugin's `open` failed.
        case openFailed
        /// The plugin crashed or was killed while loading.
        case crashedWhileLoading
        /// The policy cannot be compiled or applied.
        case policy
        /// A layer the policy requires is not active on this machine.
        case requiredLayerMissing
        /// The worker executable is missing or could not start.
        case worker
        /// A system call the host itself depends on failed.
        case system
    }

    public var code: Code
    /// The plugin or policy file this is about.
    public var path: String
    public var message: String

    public init(_ code: Code, path: String, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
