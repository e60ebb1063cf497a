import Foundation
import SandboxPolicy
import WorkerProtocol

/// Everything needed to start workers for one plugin under one policy.
public struct WorkerLaunch: Sendable {
    /// Path of the `sandpit-worker` executable.
    public var workerExecutable: String
    public var plugin: PluginFile
    public var policy: Policy
    /// Where the policy came from, for messages.
    public var policyPath: String
    public var filter: CompiledFilter
    /// The JSON object passed to `open`.
    public var config: [UInt8]
    /// The uid and gid a worker started by root becomes.
    public let unprivilegedUID = Self.unprivilegedID
    public let unprivilegedGID = Self.unprivilegedID
    /// nobody/nogroup: the id a worker started by root runs as (the audit rule for refused
    /// opens names it too).
    public static let unprivilegedID: UInt32 = 65534
    /// What each worker is sent, worked out once: spawning must not redo file reads.
    let setup: WorkerSetup

    /// Compiles the policy and checks the plugin file.
    ///
    /// - Throws: ``SandboxError`` when the worker, plugin or policy cannot be used.
    public init(workerExecutable: String, pluginPath: String, policy: Policy, policyPath: String, config: String = "{}")
        throws(SandboxError)
    {
        guard access(workerExecutable, X_OK) == 0 else {
            throw SandboxError(.worker, path: workerExecutable, "the worker executable is missing or not executable")
        }
        try self.init(
            workerExecutable: workerExecutable, plugin: try PluginFile(path: pluginPath), policy: policy,
            policyPath: policyPath, config: config)
    }

    /// A launch that locks a worker down and then fails to load a plugin that does not
    /// exist: what `sandpit doctor` uses to see which layers this machine really gives.
    init(probing workerExecutable: String, policy: Policy) throws(SandboxError) {
        var open = policy
        open.required = []
        try self.init(
            workerExecutable: workerExecutable,
            plugin: PluginFile(path: "/nonexistent/sandpit-probe.so", sha256: "", size: 0, needed: [], runPaths: []),
            policy: open, policyPath: open.name, config: "{}")
    }

    /// Compiles the policy and works out, once, what every worker of this launch is sent.
    private init(workerExecutable: String, plugin: PluginFile, policy: Policy, policyPath: String, config: String)
        throws(SandboxError)
    {
        self.workerExecutable = workerExecutable
        self.plugin = plugin
        self.policy = policy
        self.policyPath = policyPath
        self.filter = try SeccompCompiler.compile(policy, policyPath: policyPath)
        self.config = Array(config.utf8)
        self.setup = WorkerSetup(
            pluginPath: plugin.path, config: self.config, limits: Self.limits(policy.limits),
            readablePaths: Self.readablePaths(plugin: plugin, policy: policy, worker: workerExecutable),
            useNamespaces: true, unprivilegedUID: unprivilegedUID, unprivilegedGID: unprivilegedGID, filter: filter.bpf,
            answerLimit: policy.limits.answerBytes, outputLimit: policy.limits.outputBytes)
    }

    /// Directories where the dynamic loader finds system libraries.
    static let systemLibraryPaths = ["/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib", "/etc/ld.so.cache"]

    /// Files language runtimes read while starting to size their thread pools and stacks (the
    /// Swift runtime and Dispatch read each): the worker's own memory map, which CPUs exist,
    /// and the machine's CPU counters. Refusing them made every Swift plugin look hostile.
    static let runtimeInformationPaths = [
        "/proc/self/maps", "/proc/stat", "/sys/devices/system/cpu/possible", "/sys/devices/system/cpu/online",
    ]

    /// What the worker may read: the plugin, the libraries it and the worker need, and the
    /// policy's read-only paths. Nothing is writable.
    public var readablePaths: [String] { setup.readablePaths }

    static func readablePaths(plugin: PluginFile, policy: Policy, worker: String) -> [String] {
        var paths =
            [plugin.path] + plugin.runPaths + systemLibraryPaths + runtimeInformationPaths + workerRunPaths(worker)
        for path in policy.readOnlyPaths {
            paths.append(path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)
        }
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }

    /// The Swift runtime directories the worker was linked against (its RUNPATH), which a
    /// Swift plugin's Foundation is loaded from.
    static func workerRunPaths(_ executable: String) -> [String] {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: executable), options: .alwaysMapped) else {
            return []
        }
        let origin = URL(fileURLWithPath: executable).deletingLastPathComponent().path
        return ELFReader(data).dynamicStrings(origin: origin).1
    }

    /// The resource limits, from the policy.
    static func limits(_ l: Limits) -> [ResourceLimit] {
        [
            ResourceLimit(resource: 9, value: l.memoryBytes),  // RLIMIT_AS
            ResourceLimit(resource: 0, value: l.cpuSecondsPerWorker),  // RLIMIT_CPU
            ResourceLimit(resource: 1, value: l.fileSizeBytes),  // RLIMIT_FSIZE
            ResourceLimit(resource: 7, value: l.openFiles),  // RLIMIT_NOFILE
            ResourceLimit(resource: 6, value: l.threads),  // RLIMIT_NPROC
            ResourceLimit(resource: 4, value: 0),  // RLIMIT_CORE: no fixture data on disk
        ]
    }
}
