/// A sandpit plugin written in Swift.
///
/// Conform a type, then export it with three lines:
/// ```swift
/// import SandpitPluginKit
///
/// struct MyModel: Plugin {
///     static let name = "my-model"
///     static let version = "1.0.0"
///     static let caseKinds = ["triage"]
///     init(config: JSONValue) throws { /* load weights */ }
///     mutating func answer(_ input: PluginCase) throws -> JSONValue { ["label": "tax"] }
/// }
///
/// @_cdecl("sandpit_plugin_v1")
/// public func sandpitPluginV1() -> UnsafeRawPointer { PluginExport.table(for: MyModel.self) }
/// ```
/// The plugin must be built with the same Swift toolchain as sandpit: Swift has no stable
/// runtime ABI on Linux.
public protocol Plugin {
    /// Stable id: lowercase letters, digits and '-', 1 to 64 characters.
    static var name: String { get }
    /// The plugin's own version, 1 to 64 characters.
    static var version: String { get }
    /// Case kinds it answers, or `["*"]` for all.
    static var caseKinds: [String] { get }

    /// Called once after the worker is locked down; read model files here.
    ///
    /// - Parameter config: the trial's config object (`{}` when none).
    /// - Throws: any error; its description is reported as why `open` failed.
    init(config: JSONValue) throws

    /// Answers one case with a JSON object.
    ///
    /// - Throws: any error; the case is recorded as `error` with its description.
    mutating func answer(_ input: PluginCase) throws -> JSONValue

    /// Called once at the end (not if the worker is killed).
    func close()
}

extension Plugin {
    public func close() {}
}

/// One case, as `run` receives it.
public struct PluginCase: Sendable {
    /// The case id, e.g. "triage-0007".
    public var id: String
    /// The case kind, e.g. "triage".
    public var kind: String
    /// The case-kind-specific fields (see fixtures/README.md).
    public var input: JSONValue

    public init(id: String, kind: String, input: JSONValue) {
        self.id = id
        self.kind = kind
        self.input = input
    }
}

/// An error a plugin throws with a message of its own.
public struct PluginError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
