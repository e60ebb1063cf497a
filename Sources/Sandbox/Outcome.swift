/// How one case ended. Every case gets exactly one; none is ever a silent success.
public enum Outcome: String, Sendable, CaseIterable, Codable {
    /// The plugin answered with a UTF-8 JSON object.
    case ok
    /// The plugin's `run` returned non-zero.
    case error
    /// The case ran past the policy's wall-clock limit (or the worker's CPU limit).
    case timeout
    /// The worker ran out of the memory the policy gives it.
    case memoryLimit = "memory_limit"
    /// The policy killed the worker (a forbidden call under a kill rule, or too many denials).
    case killedByPolicy = "killed_by_policy"
    /// The worker died some other way (a signal, an exit).
    case crashed
    /// The plugin wrote more than the policy's answer or output limit.
    case outputLimit = "output_limit"
    /// The answer was not a UTF-8 JSON object, or the worker sent a malformed, forged,
    /// duplicate or out-of-order frame for the case.
    case protocolError = "protocol_error"
    /// Never run: the trial was aborted (too many failures in a row) before the case started.
    case notRun = "not_run"

    /// Whether the plugin itself finished the case (answered or returned an error): only then
    /// is its latency the plugin's. A timeout's "latency" is the limit.
    public var isTimed: Bool { self == .ok || self == .error }

    /// Whether the case ended with its worker dead or killed: what `max_consecutive_failures`
    /// counts. A plugin that answers, even wrongly, is not hopeless.
    public var isWorkerFailure: Bool {
        switch self {
        case .timeout, .crashed, .memoryLimit, .killedByPolicy: return true
        case .ok, .error, .outputLimit, .protocolError, .notRun: return false
        }
    }
}

/// One case to run: the JSON object a plugin's `run` receives.
public struct TrialCase: Sendable {
    public var id: String
    public var kind: String
    /// `{"id", "kind", "input": {...}}`, UTF-8.
    public var payload: [UInt8]

    public init(id: String, kind: String, payload: [UInt8]) {
        self.id = id
        self.kind = kind
        self.payload = payload
    }
}

/// Something a plugin did that the sandbox stopped or noticed.
public struct SafetyEvent: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case deniedSyscall = "denied_syscall"
        /// A file or network access Landlock refused (read from the kernel's audit records).
        case deniedAccess = "denied_access"
        /// Let through and recorded under the `observe` default.
        case observedSyscall = "observed_syscall"
        case timeout
        case memoryLimit = "memory_limit"
        case killedByPolicy = "killed_by_policy"
        case crashed
        case outputLimit = "output_limit"
        case protocolError = "protocol_error"

        /// The kinds that say the sandbox refused something the plugin tried.
        public static let denials: [Kind] = [.deniedSyscall, .deniedAccess]

        /// Whether the sandbox refused something the plugin tried (a system call or an access).
        public var isDenial: Bool { Self.denials.contains(self) }
    }

    public var kind: Kind
    /// The case running when it happened; nil while the plugin was loading.
    public var caseID: String?
    /// The system call, for denials.
    public var syscall: String?
    /// Its register arguments, for denials.
    public var arguments: [UInt64]
    /// What the host answered or saw, in words.
    public var detail: String
    /// network, filesystem, process, privilege, kernel_attack_surface, resource, other.
    public var category: String
    /// "load" or "run".
    public var phase: String

    public init(
        kind: Kind, caseID: String?, syscall: String? = nil, arguments: [UInt64] = [], detail: String,
        category: String, phase: String
    ) {
        self.kind = kind
        self.caseID = caseID
        self.syscall = syscall
        self.arguments = arguments
        self.detail = detail
        self.category = category
        self.phase = phase
    }
}

/// The result of one case.
public struct CaseResult: Sendable {
    /// Position in the trial's case order.
    public var index: Int
    public var caseID: String
    public var kind: String
    public var outcome: Outcome
    /// The plugin's service time: its `run` call as the worker timed it, when the host's
    /// checks accept that time; otherwise (and for cases the plugin did not finish) what the
    /// host saw.
    public var latencyMicros: Int64
    /// Wall time from when the worker could start the case to the host reading its answer,
    /// as the host saw it (late and in batches when the host is descheduled).
    public var hostLatencyMicros: Int64 = 0
    /// The answer (or the plugin's error message), as written, up to the limit.
    public var answer: [UInt8]
    public var stdout: [UInt8]
    public var stderr: [UInt8]
    /// For outcomes other than ok: what happened, in words.
    public var detail: String?
    /// Which worker slot ran it (0-based).
    public var worker: Int
    public var events: [SafetyEvent]
}
