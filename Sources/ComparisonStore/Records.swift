import GRDB

/// A trial: one plugin × one policy × one fixture set and seed × one sandpit version.
public struct TrialRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "trial"

    public var id: Int64?
    /// complete; incomplete (still running, or its host was killed); interrupted (SIGINT or
    /// SIGTERM); aborted (too many failures in a row); failed (the plugin never ran).
    public var status: String
    public var pluginName: String
    public var pluginVersion: String
    public var pluginPath: String
    public var pluginSHA256: String
    public var pluginCaseKinds: String
    public var policyName: String
    public var policySHA256: String
    public var fixtureSet: String
    public var fixtureSeed: Int64
    public var fixtureSHA256: String
    /// JSON object of layer name → bool.
    public var isolation: String
    /// JSON array of notes on layers that are not active.
    public var isolationNotes: String
    public var landlockABI: Int
    public var kernel: String
    public var sandpitVersion: String
    public var workers: Int
    public var startedAt: String
    public var finishedAt: String?
    /// Why a failed trial failed.
    public var error: String?
    public var peakRSSBytes: Int64
    public var coldStartMicros: Int64
    public var wallMicros: Int64
    public var loadStdout: String
    public var loadStderr: String
    /// The trial's scores as JSON (nil until scored).
    public var scoring: String? = nil
    /// The grade thresholds file's text, as graded.
    public var gradeThresholds: String? = nil
    public var cpuUserMicros: Int64 = 0
    public var cpuSystemMicros: Int64 = 0
    /// The policy file as the run named it, made absolute.
    public var policyPath: String? = nil
    /// The run's options as JSON (cases, limit, seed, workers, in-flight, fixtures).
    public var runOptions: String? = nil
    /// Whether a worker's timing claims failed the host's checks; then latency is not graded.
    public var timingInconsistent = false
    /// What the checks found, as JSON (an array of sentences).
    public var timingNotes: String? = nil

    public init(
        id: Int64? = nil, status: String, pluginName: String, pluginVersion: String, pluginPath: String,
        pluginSHA256: String, pluginCaseKinds: String, policyName: String, policySHA256: String, fixtureSet: String,
        fixtureSeed: Int64, fixtureSHA256: String, isolation: String, isolationNotes: String, landlockABI: Int,
        kernel: String, sandpitVersion: String, workers: Int, startedAt: String, finishedAt: String? = nil,
        error: String? = nil, peakRSSBytes: Int64 = 0, coldStartMicros: Int64 = 0, wallMicros: Int64 = 0,
        loadStdout: String = "", loadStderr: String = ""
    ) {
        self.id = id
        self.status = status
        self.pluginName = pluginName
        self.pluginVersion = pluginVersion
        self.pluginPath = pluginPath
        self.pluginSHA256 = pluginSHA256
        self.pluginCaseKinds = pluginCaseKinds
        self.policyName = policyName
        self.policySHA256 = policySHA256
        self.fixtureSet = fixtureSet
        self.fixtureSeed = fixtureSeed
        self.fixtureSHA256 = fixtureSHA256
        self.isolation = isolation
        self.isolationNotes = isolationNotes
        self.landlockABI = landlockABI
        self.kernel = kernel
        self.sandpitVersion = sandpitVersion
        self.workers = workers
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
        self.peakRSSBytes = peakRSSBytes
        self.coldStartMicros = coldStartMicros
        self.wallMicros = wallMicros
        self.loadStdout = loadStdout
        self.loadStderr = loadStderr
    }

    public enum Columns {
        static let id = Column(CodingKeys.id)
        static let status = Column(CodingKeys.status)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One case of a trial.
public struct CaseRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "trialCase"

    public var trialId: Int64
    public var caseId: String
    /// Order in the trial.
    public var position: Int
    public var kind: String
    public var outcome: String
    public var latencyMicros: Int64
    /// What the plugin answered (or its error message), as text.
    public var answer: String
    public var answerSHA256: String
    public var stdout: String
    public var stderr: String
    public var detail: String?
    public var worker: Int
    /// Quality, 0 to 1 (nil when the case kind has no grader).
    public var score: Double? = nil
    /// The parts of the score, as JSON.
    public var scoreParts: String? = nil
    /// What the host saw (latencyMicros is the plugin's service time).
    public var hostLatencyMicros: Int64? = nil

    public init(
        trialId: Int64, caseId: String, position: Int, kind: String, outcome: String, latencyMicros: Int64,
        answer: String, answerSHA256: String, stdout: String, stderr: String, detail: String?, worker: Int,
        score: Double? = nil, scoreParts: String? = nil
    ) {
        self.score = score
        self.scoreParts = scoreParts
        self.trialId = trialId
        self.caseId = caseId
        self.position = position
        self.kind = kind
        self.outcome = outcome
        self.latencyMicros = latencyMicros
        self.answer = answer
        self.answerSHA256 = answerSHA256
        self.stdout = stdout
        self.stderr = stderr
        self.detail = detail
        self.worker = worker
    }

    public enum Columns {
        static let trialId = Column(CodingKeys.trialId)
        static let position = Column(CodingKeys.position)
        static let caseId = Column(CodingKeys.caseId)
    }
}

/// A safety event: a denied system call, a timeout, a crash, a limit hit, a protocol fault.
public struct SafetyEventRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "safetyEvent"

    public var id: Int64?
    public var trialId: Int64
    /// Nil for events while the plugin was loading.
    public var caseId: String?
    public var kind: String
    public var syscall: String?
    /// Register arguments as a JSON array of numbers.
    public var arguments: String
    public var detail: String
    public var category: String
    public var phase: String

    public init(
        id: Int64? = nil, trialId: Int64, caseId: String?, kind: String, syscall: String?, arguments: String,
        detail: String, category: String, phase: String
    ) {
        self.id = id
        self.trialId = trialId
        self.caseId = caseId
        self.kind = kind
        self.syscall = syscall
        self.arguments = arguments
        self.detail = detail
        self.category = category
        self.phase = phase
    }

    public enum Columns {
        static let id = Column(CodingKeys.id)
        static let trialId = Column(CodingKeys.trialId)
        static let kind = Column(CodingKeys.kind)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A planted identifier a plugin disclosed.
public struct LeakRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "leak"

    public var id: Int64?
    public var trialId: Int64
    public var caseId: String
    public var identifierKind: String
    /// answer, stdout or stderr.
    public var channel: String
    /// exact or normalised.
    public var match: String
    /// Text around it, the value masked.
    public var excerpt: String

    public init(
        id: Int64? = nil, trialId: Int64, caseId: String, identifierKind: String, channel: String, match: String,
        excerpt: String
    ) {
        self.id = id
        self.trialId = trialId
        self.caseId = caseId
        self.identifierKind = identifierKind
        self.channel = channel
        self.match = match
        self.excerpt = excerpt
    }

    public enum Columns {
        static let id = Column(CodingKeys.id)
        static let trialId = Column(CodingKeys.trialId)
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
