/// The kinds of frame that cross the socket between `sandpit` and `sandpit-worker`.
///
/// A frame on the wire is a 4-byte little-endian length `n`, then `n` bytes: one byte
/// of ``FrameKind`` and the payload. The worker turns hostile once it loads a plugin,
/// so the host bounds every length before it allocates (see ``FrameReader``).
public enum FrameKind: UInt8, Sendable {
    // host → worker
    /// ``WorkerSetup``: how to lock down and what to load.
    case setup = 1
    /// ``CaseRequest``: a sequence number and the JSON object of PLUGIN_ABI.md's "Case input".
    case runCase = 2
    /// Close the plugin and exit.
    case shutdown = 3

    // worker → host
    /// ``LockdownReport``, sent with the seccomp listener fd, before anything is loaded.
    case locked = 10
    /// ``PluginHello``: what `sandpit_plugin_v1()` returned.
    case hello = 11
    /// ``LoadFailure``: the plugin could not be loaded or is not a plugin.
    case loadFailed = 12
    /// `open` succeeded; cases may be sent.
    case ready = 13
    /// `open` returned NULL; the payload is its message.
    case openFailed = 14
    /// ``Answer``: the result of one `run` call, with the sequence number of its case.
    case answer = 15
    /// The worker could not lock itself down; the payload is the reason.
    case setupFailed = 16
}

/// One frame: its kind and payload bytes.
public struct Frame: Sendable, Equatable {
    public var kind: FrameKind
    public var payload: [UInt8]

    public init(_ kind: FrameKind, _ payload: [UInt8] = []) {
        self.kind = kind
        self.payload = payload
    }

    /// The largest frame either side will accept (type byte plus payload).
    public static let defaultMaximumLength = 64 << 20

    /// Appends this frame's wire form to `buffer`.
    public func encode(into buffer: inout [UInt8]) {
        buffer.appendLittleEndian(UInt32(payload.count + 1))
        buffer.append(kind.rawValue)
        buffer.append(contentsOf: payload)
    }

    /// The wire form of this frame.
    public var encoded: [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(payload.count + 5)
        encode(into: &buffer)
        return buffer
    }
}

/// Why bytes from the other side are not a valid frame.
public enum FrameError: Error, Equatable, Sendable {
    /// The length prefix is zero or over the limit.
    case badLength(Int)
    /// The kind byte names no ``FrameKind``.
    case unknownKind(UInt8)
    /// A payload ended early or had bytes left over.
    case malformedPayload(FrameKind)
}
