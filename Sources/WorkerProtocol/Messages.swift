/// The isolation layers a worker can put in place, as bits of ``LockdownReport/active``.
public struct IsolationLayers: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let seccomp = IsolationLayers(rawValue: 1 << 0)
    public static let landlock = IsolationLayers(rawValue: 1 << 1)
    public static let noNewPrivileges = IsolationLayers(rawValue: 1 << 2)
    public static let userNamespace = IsolationLayers(rawValue: 1 << 3)
    public static let networkNamespace = IsolationLayers(rawValue: 1 << 4)
    public static let ipcNamespace = IsolationLayers(rawValue: 1 << 5)
    public static let utsNamespace = IsolationLayers(rawValue: 1 << 6)
    public static let mountNamespace = IsolationLayers(rawValue: 1 << 7)
    public static let resourceLimits = IsolationLayers(rawValue: 1 << 8)
    public static let droppedRoot = IsolationLayers(rawValue: 1 << 9)
    public static let noCapabilities = IsolationLayers(rawValue: 1 << 10)
    public static let landlockNetwork = IsolationLayers(rawValue: 1 << 11)
    public static let landlockScopes = IsolationLayers(rawValue: 1 << 12)
    public static let scrubbedEnvironment = IsolationLayers(rawValue: 1 << 13)
    public static let closedDescriptors = IsolationLayers(rawValue: 1 << 14)

    /// Stable names, as they appear in the store and in `--json`.
    public static let names: [(IsolationLayers, String)] = [
        (.seccomp, "seccomp"), (.landlock, "landlock"), (.noNewPrivileges, "no_new_privs"),
        (.userNamespace, "user_namespace"), (.networkNamespace, "net_namespace"),
        (.ipcNamespace, "ipc_namespace"), (.utsNamespace, "uts_namespace"),
        (.mountNamespace, "mount_namespace"), (.resourceLimits, "rlimits"),
        (.droppedRoot, "dropped_root"), (.noCapabilities, "no_capabilities"),
        (.landlockNetwork, "landlock_network"), (.landlockScopes, "landlock_scopes"),
        (.scrubbedEnvironment, "scrubbed_environment"), (.closedDescriptors, "closed_descriptors"),
    ]
}

/// A resource limit the worker sets on itself before loading anything.
public struct ResourceLimit: Sendable, Equatable {
    /// The `RLIMIT_*` number.
    public var resource: UInt32
    /// Both the soft and the hard limit.
    public var value: UInt64

    public init(resource: UInt32, value: UInt64) {
        self.resource = resource
        self.value = value
    }
}

/// Everything a worker needs to lock itself down and load a plugin (host → worker).
public struct WorkerSetup: Sendable, Equatable {
    /// Absolute path of the plugin `.so`.
    public var pluginPath: String
    /// The UTF-8 JSON object passed to the plugin's `open`.
    public var config: [UInt8]
    /// Limits applied with `setrlimit`, hard and soft.
    public var limits: [ResourceLimit]
    /// Paths the worker may read after lock-down (files or directories); nothing else.
    public var readablePaths: [String]
    /// Whether to try new user, network, IPC, UTS and mount namespaces.
    public var useNamespaces: Bool
    /// The uid and gid to become when started as root (an unprivileged id).
    public var unprivilegedUID: UInt32
    public var unprivilegedGID: UInt32
    /// The seccomp filter, as BPF instructions (8 bytes each), compiled by the host.
    public var filter: [UInt8]
    /// The most bytes one answer (or error message) may hold.
    public var answerLimit: UInt64
    /// The most bytes of stdout plus stderr the worker collects for one case.
    public var outputLimit: UInt64

    public init(
        pluginPath: String, config: [UInt8], limits: [ResourceLimit], readablePaths: [String],
        useNamespaces: Bool, unprivilegedUID: UInt32, unprivilegedGID: UInt32, filter: [UInt8],
        answerLimit: UInt64, outputLimit: UInt64
    ) {
        self.pluginPath = pluginPath
        self.config = config
        self.limits = limits
        self.readablePaths = readablePaths
        self.useNamespaces = useNamespaces
        self.unprivilegedUID = unprivilegedUID
        self.unprivilegedGID = unprivilegedGID
        self.filter = filter
        self.answerLimit = answerLimit
        self.outputLimit = outputLimit
    }

    public var frame: Frame {
        var w = WireWriter()
        w.write(pluginPath)
        w.write(bytes: config)
        w.write(UInt32(limits.count))
        for limit in limits {
            w.write(limit.resource)
            w.write(limit.value)
        }
        w.write(readablePaths)
        w.write(useNamespaces)
        w.write(unprivilegedUID)
        w.write(unprivilegedGID)
        w.write(bytes: filter)
        w.write(answerLimit)
        w.write(outputLimit)
        return Frame(.setup, w.bytes)
    }

    public init(_ frame: Frame) throws(FrameError) {
        guard frame.kind == .setup else { throw .malformedPayload(frame.kind) }
        var r = WireReader(frame)
        pluginPath = try r.readString()
        config = try r.readBytes()
        let count = try r.readUInt32()
        guard count <= 64 else { throw .malformedPayload(frame.kind) }
        limits = []
        for _ in 0..<count {
            limits.append(ResourceLimit(resource: try r.readUInt32(), value: try r.readUInt64()))
        }
        readablePaths = try r.readStrings()
        useNamespaces = try r.readBool()
        unprivilegedUID = try r.readUInt32()
        unprivilegedGID = try r.readUInt32()
        filter = try r.readBytes()
        answerLimit = try r.readUInt64()
        outputLimit = try r.readUInt64()
        try r.finish()
    }
}

/// What the worker put in place, sent before the plugin is loaded (worker → host).
///
/// It is the last frame the worker sends while it is still trusted code; the host
/// also verifies what it can from `/proc` (see `Sandbox`).
public struct LockdownReport: Sendable, Equatable {
    /// The layers that are active.
    public var active: IsolationLayers
    /// The Landlock ABI version the kernel offers, 0 when none.
    public var landlockABI: UInt32
    /// For each layer that was tried and is not active, why (layer name, reason).
    public var notes: [String]

    public init(active: IsolationLayers, landlockABI: UInt32, notes: [String]) {
        self.active = active
        self.landlockABI = landlockABI
        self.notes = notes
    }

    public var frame: Frame {
        var w = WireWriter()
        w.write(active.rawValue)
        w.write(landlockABI)
        w.write(notes)
        return Frame(.locked, w.bytes)
    }

    public init(_ frame: Frame) throws(FrameError) {
        guard frame.kind == .locked else { throw .malformedPayload(frame.kind) }
        var r = WireReader(frame)
        active = IsolationLayers(rawValue: try r.readUInt32())
        landlockABI = try r.readUInt32()
        notes = try r.readStrings(limit: 1024)
        guard notes.count <= 32 else { throw .malformedPayload(frame.kind) }
        try r.finish()
    }
}

/// The plugin's self-description, copied from its `sandpit_plugin` struct (worker → host).
public struct PluginHello: Sendable, Equatable {
    public var abiVersion: UInt32
    public var name: String
    public var version: String
    public var caseKinds: String

    public init(abiVersion: UInt32, name: String, version: String, caseKinds: String) {
        self.abiVersion = abiVersion
        self.name = name
        self.version = version
        self.caseKinds = caseKinds
    }

    /// Longest string accepted for any field; the ABI allows 64 for name and version.
    public static let fieldLimit = 4096

    public var frame: Frame {
        var w = WireWriter()
        w.write(abiVersion)
        w.write(name)
        w.write(version)
        w.write(caseKinds)
        return Frame(.hello, w.bytes)
    }

    public init(_ frame: Frame) throws(FrameError) {
        guard frame.kind == .hello else { throw .malformedPayload(frame.kind) }
        var r = WireReader(frame)
        abiVersion = try r.readUInt32()
        name = try r.readString(limit: Self.fieldLimit)
        version = try r.readString(limit: Self.fieldLimit)
        caseKinds = try r.readString(limit: Self.fieldLimit)
        try r.finish()
    }
}

/// Why a plugin could not be loaded (worker → host).
public struct LoadFailure: Sendable, Equatable {
    public enum Reason: UInt8, Sendable {
        case dlopenFailed = 1
        case missingEntry = 2
        case entryReturnedNull = 3
        case wrongABIVersion = 4
        case nullPointer = 5
        case badName = 6
        case badVersion = 7
        case badCaseKinds = 8
    }

    public var reason: Reason
    public var message: String

    public init(reason: Reason, message: String) {
        self.reason = reason
        self.message = message
    }

    public var frame: Frame {
        var w = WireWriter()
        w.write(reason.rawValue)
        w.write(message)
        return Frame(.loadFailed, w.bytes)
    }

    public init(_ frame: Frame) throws(FrameError) {
        guard frame.kind == .loadFailed else { throw .malformedPayload(frame.kind) }
        var r = WireReader(frame)
        guard let reason = Reason(rawValue: try r.readUInt8()) else { throw .malformedPayload(frame.kind) }
        self.reason = reason
        message = try r.readString(limit: 4096)
        try r.finish()
    }
}

/// One case for the worker (host → worker): a sequence number the host chose, then the
/// JSON object of PLUGIN_ABI.md's "Case input".
///
/// The number comes back in the ``Answer`` and is what the worker publishes while the case
/// runs (see ``RunningCase``), so that nothing depends on the order frames arrive in.
public enum CaseRequest {
    /// Appends a `runCase` frame without building an intermediate payload.
    public static func encode(sequence: UInt64, payload: [UInt8], into out: inout [UInt8]) {
        out.appendLittleEndian(UInt32(1 + 8 + payload.count))
        out.append(FrameKind.runCase.rawValue)
        out.appendLittleEndian(sequence)
        out.append(contentsOf: payload)
    }

    /// The sequence number and where the case's JSON starts in `frame.payload`.
    public static func decode(_ frame: Frame) throws(FrameError) -> (sequence: UInt64, inputOffset: Int) {
        guard frame.kind == .runCase, frame.payload.count >= 8 else { throw .malformedPayload(frame.kind) }
        var sequence: UInt64 = 0
        for i in 0..<8 { sequence |= UInt64(frame.payload[i]) << (8 * UInt64(i)) }
        return (sequence, 8)
    }
}

/// The result of one `run` call (worker → host).
///
/// The worker measures the call itself (`CLOCK_MONOTONIC`, which host and worker share)
/// and collects what the plugin wrote to stdout and stderr during it. All of it comes from
/// a process that runs plugin code, so the host checks it (see `Sandbox`'s timing checks).
public struct Answer: Sendable, Equatable {
    public enum Status: UInt8, Sendable {
        /// `run` returned 0.
        case ok = 0
        /// `run` returned non-zero; `bytes` is its message.
        case error = 1
        /// The plugin wrote past the answer limit; `bytes` holds what fitted.
        case outputLimit = 2
    }

    /// The fields of an answer frame before its three byte strings.
    public struct Header: Sendable, Equatable {
        public var status: Status
        /// What `run` returned.
        public var returnCode: Int32
        /// The ``CaseRequest`` sequence number this answers.
        public var sequence: UInt64
        /// `CLOCK_MONOTONIC` in nanoseconds just before `run` was called and just after it returned.
        public var startedNanos: UInt64
        public var finishedNanos: UInt64
        /// More stdout and stderr was written than the worker's output limit; the rest was dropped.
        public var outputTruncated: Bool
        /// `CLOCK_REALTIME_COARSE` in milliseconds around the call: the clock the kernel stamps
        /// audit records with, so a Landlock denial can be placed in a case.
        public var startedCoarseMillis: UInt64 = 0
        public var finishedCoarseMillis: UInt64 = 0

        public init(
            status: Status, returnCode: Int32, sequence: UInt64, startedNanos: UInt64, finishedNanos: UInt64,
            outputTruncated: Bool = false, startedCoarseMillis: UInt64 = 0, finishedCoarseMillis: UInt64 = 0
        ) {
            self.status = status
            self.returnCode = returnCode
            self.sequence = sequence
            self.startedNanos = startedNanos
            self.finishedNanos = finishedNanos
            self.outputTruncated = outputTruncated
            self.startedCoarseMillis = startedCoarseMillis
            self.finishedCoarseMillis = finishedCoarseMillis
        }
    }

    public var header: Header
    /// The answer (or message) the plugin wrote.
    public var bytes: [UInt8]
    /// What the plugin wrote to stdout and stderr while `run` ran (and since the last answer).
    public var stdout: [UInt8]
    public var stderr: [UInt8]

    public var status: Status { header.status }
    public var returnCode: Int32 { header.returnCode }
    public var sequence: UInt64 { header.sequence }
    public var startedNanos: UInt64 { header.startedNanos }
    public var finishedNanos: UInt64 { header.finishedNanos }
    public var outputTruncated: Bool { header.outputTruncated }

    public init(_ header: Header, bytes: [UInt8], stdout: [UInt8] = [], stderr: [UInt8] = []) {
        self.header = header
        self.bytes = bytes
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Appends the frame's wire form without building an intermediate payload.
    public static func encode(
        _ header: Header, bytes: UnsafeRawBufferPointer, stdout: UnsafeRawBufferPointer,
        stderr: UnsafeRawBufferPointer, into out: inout [UInt8]
    ) {
        var w = WireWriter()
        w.write(header.status.rawValue)
        w.write(header.returnCode)
        w.write(header.sequence)
        w.write(header.startedNanos)
        w.write(header.finishedNanos)
        w.write(header.outputTruncated)
        w.write(header.startedCoarseMillis)
        w.write(header.finishedCoarseMillis)
        out.appendLittleEndian(UInt32(1 + w.bytes.count + 12 + bytes.count + stdout.count + stderr.count))
        out.append(FrameKind.answer.rawValue)
        out.append(contentsOf: w.bytes)
        for part in [bytes, stdout, stderr] {
            out.appendLittleEndian(UInt32(part.count))
            out.append(contentsOf: part)
        }
    }

    /// This answer's frame.
    public var frame: Frame {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { b in
            stdout.withUnsafeBytes { o in
                stderr.withUnsafeBytes { e in Self.encode(header, bytes: b, stdout: o, stderr: e, into: &out) }
            }
        }
        return Frame(.answer, Array(out[5...]))
    }

    public init(_ frame: Frame) throws(FrameError) {
        guard frame.kind == .answer else { throw .malformedPayload(frame.kind) }
        var r = WireReader(frame)
        guard let status = Status(rawValue: try r.readUInt8()) else { throw .malformedPayload(frame.kind) }
        header = Header(
            status: status, returnCode: try r.readInt32(), sequence: try r.readUInt64(),
            startedNanos: try r.readUInt64(), finishedNanos: try r.readUInt64(), outputTruncated: try r.readBool(),
            startedCoarseMillis: try r.readUInt64(), finishedCoarseMillis: try r.readUInt64())
        bytes = try r.readBytes()
        stdout = try r.readBytes()
        stderr = try r.readBytes()
        try r.finish()
    }
}

/// The page of memory the worker shares with the host, where it publishes which case is
/// running: the host reads it when a seccomp notification arrives, while the calling
/// thread is blocked in the call, and charges the event to that case.
///
/// The plugin can write this page too (it runs in the worker's address space); the host
/// only accepts a number that names a case in flight on that worker, so the most a plugin
/// can do is move its own events between its own cases.
public enum RunningCase {
    /// Bytes of the shared mapping.
    public static let size = 4096
    /// Byte offset of the running case's sequence number (0 when none is running).
    public static let sequenceOffset = 0
}
