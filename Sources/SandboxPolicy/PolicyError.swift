/// A policy that cannot be used, with where and why.
public struct PolicyError: Error, Sendable, CustomStringConvertible {
    /// The policy file (or the name asked for).
    public var file: String
    /// The 1-based line the problem is on, when known.
    public var line: Int?
    /// What is wrong, in words a policy author can act on.
    public var message: String

    public init(file: String, line: Int? = nil, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}
