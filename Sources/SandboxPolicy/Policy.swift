/// A sandbox policy: what a plugin may do inside its worker.
///
/// Policies are data, read from `sandboxes/NAME.yaml` (see ``PolicyLoader``). The
/// `Sandbox` module compiles one into a seccomp filter, Landlock rules and limits.
public struct Policy: Sendable, Hashable {
    /// The policy's name (the file's stem for shipped policies).
    public var name: String
    /// One or two sentences on what the policy is for.
    public var description: String
    /// What happens to system calls.
    public var seccomp: SeccompRules
    /// Resource limits for each worker and case.
    public var limits: Limits
    /// Extra paths the plugin may read (the plugin and its libraries are implicit).
    public var readOnlyPaths: [String]
    /// Isolation layers that must be active, or the trial refuses to start.
    public var required: Set<IsolationLayer>
    /// Lowercase hex SHA-256 of the policy file's bytes (and its parents'), recorded with each trial.
    public var sha256: String
    /// The policy this one extends, if any.
    public var extends: String?
    /// Whether `sandpit policy learn` wrote it (it covers only what was exercised).
    public var learned: Bool = false

    public init(
        name: String, description: String, seccomp: SeccompRules, limits: Limits, readOnlyPaths: [String],
        required: Set<IsolationLayer>, sha256: String, extends: String? = nil
    ) {
        self.extends = extends
        self.name = name
        self.description = description
        self.seccomp = seccomp
        self.limits = limits
        self.readOnlyPaths = readOnlyPaths
        self.required = required
        self.sha256 = sha256
    }
}

/// The system-call part of a policy.
public struct SeccompRules: Sendable, Hashable {
    /// What a call outside the allowlist gets.
    public enum DefaultAction: Sendable, Hashable {
        /// Denied with EPERM and recorded by the host (seccomp user notification).
        case notify
        /// The worker is killed (SECCOMP_RET_KILL_PROCESS); the case is `killed_by_policy`.
        case kill
        /// Denied with this errno, without a record. Only for policies that accept silence.
        case errno(Int32)
        /// Let through and recorded, except kernel attack surface, which is denied and
        /// recorded: how `sandpit policy learn` sees what a plugin needs.
        case observe
    }

    /// What a call outside the allowlist gets.
    public var defaultAction: DefaultAction
    /// System calls allowed throughout, groups expanded (see ``SyscallGroups``).
    public var allowed: [String]
    /// System calls allowed only while the plugin is being loaded and opened.
    public var allowedWhileLoading: [String]
    /// Rules with conditions or actions of their own, in file order.
    public var rules: [SyscallRule]
    /// Set by `i_understand_this_is_unsafe: true`: lets the policy allow calls that open
    /// kernel attack surface. `sandpit policy explain` says so loudly.
    public var unsafe: Bool
    /// Where each system call is named in the policy's files, for errors (name → "file:line").
    public var places: [String: String]

    public init(
        defaultAction: DefaultAction, allowed: [String], allowedWhileLoading: [String], rules: [SyscallRule] = [],
        unsafe: Bool = false, places: [String: String] = [:]
    ) {
        self.defaultAction = defaultAction
        self.allowed = allowed
        self.allowedWhileLoading = allowedWhileLoading
        self.rules = rules
        self.unsafe = unsafe
        self.places = places
    }
}

/// A rule for one system call: an action, taken when every condition holds.
public struct SyscallRule: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        case allow
        /// Denied with EPERM and recorded by the host.
        case notify
        /// The worker is killed; the case is `killed_by_policy`.
        case kill
        /// Denied with this errno, silently.
        case errno(Int32)
    }

    public var syscall: String
    public var action: Action
    /// All must hold; empty means always.
    public var conditions: [ArgumentCondition]
    /// The condition texts as written, for explain and export.
    public var conditionTexts: [String]

    public init(syscall: String, action: Action, conditions: [ArgumentCondition], conditionTexts: [String]) {
        self.syscall = syscall
        self.action = action
        self.conditions = conditions
        self.conditionTexts = conditionTexts
    }
}

/// Resource limits. Byte counts are bytes; times are seconds.
public struct Limits: Sendable, Hashable {
    /// Address space of a worker (RLIMIT_AS).
    public var memoryBytes: UInt64
    /// CPU seconds a worker may use over its life (RLIMIT_CPU), a backstop to the wall limit.
    public var cpuSecondsPerWorker: UInt64
    /// Wall-clock seconds one case may take, enforced by the host.
    public var wallSecondsPerCase: Double
    /// CPU seconds (all threads) one case may use, enforced by the host.
    public var cpuSecondsPerCase: Double = 10
    /// Wall-clock seconds a whole trial may take; cases not started by then are `timeout`.
    public var wallSecondsPerTrial: Double
    /// Bytes one answer may hold.
    public var answerBytes: UInt64
    /// Bytes of stdout plus stderr one case may write.
    public var outputBytes: UInt64
    /// Largest file a worker may write (RLIMIT_FSIZE); it has nowhere to write anyway.
    public var fileSizeBytes: UInt64
    /// Open file descriptors (RLIMIT_NOFILE).
    public var openFiles: UInt64
    /// Threads (RLIMIT_NPROC, counted per uid).
    public var threads: UInt64
    /// Cases in a row that may time out or kill their worker before the trial is `aborted`:
    /// a plugin that hangs on every case is judged in seconds, not in hours.
    public var maxConsecutiveFailures: Int = 20

    public init(
        memoryBytes: UInt64, cpuSecondsPerWorker: UInt64, wallSecondsPerCase: Double, wallSecondsPerTrial: Double,
        answerBytes: UInt64, outputBytes: UInt64, fileSizeBytes: UInt64, openFiles: UInt64, threads: UInt64
    ) {
        self.memoryBytes = memoryBytes
        self.cpuSecondsPerWorker = cpuSecondsPerWorker
        self.wallSecondsPerCase = wallSecondsPerCase
        self.wallSecondsPerTrial = wallSecondsPerTrial
        self.answerBytes = answerBytes
        self.outputBytes = outputBytes
        self.fileSizeBytes = fileSizeBytes
        self.openFiles = openFiles
        self.threads = threads
    }

    /// The limits a policy gets for keys it leaves out.
    public static let defaults = Limits(
        memoryBytes: 2 << 30, cpuSecondsPerWorker: 600, wallSecondsPerCase: 5, wallSecondsPerTrial: 3600,
        answerBytes: 1 << 20, outputBytes: 1 << 20, fileSizeBytes: 0, openFiles: 64, threads: 64)
}

/// An isolation layer a policy can require.
public enum IsolationLayer: String, Sendable, Hashable, CaseIterable, Comparable {
    case seccomp
    case landlock
    case noNewPrivileges = "no_new_privs"
    case userNamespace = "user_namespace"
    case networkNamespace = "net_namespace"
    case ipcNamespace = "ipc_namespace"
    case utsNamespace = "uts_namespace"
    case mountNamespace = "mount_namespace"
    case resourceLimits = "rlimits"

    public static func < (a: IsolationLayer, b: IsolationLayer) -> Bool { a.rawValue < b.rawValue }
}
