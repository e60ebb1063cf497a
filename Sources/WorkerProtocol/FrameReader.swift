/// Reassembles frames from a byte stream that arrives in arbitrary pieces.
///
/// Lengths are checked before any payload is buffered, so a hostile peer cannot make the
/// reader allocate more than `maximumLength` plus one read's worth of bytes.
public struct FrameReader: Sendable {
    private var buffer: [UInt8] = []
    private var start = 0
    /// The largest frame accepted (kind byte plus payload).
    public let maximumLength: Int

    public init(maximumLength: Int = Frame.defaultMaximumLength) {
        self.maximumLength = maximumLength
    }

    /// Bytes received but not yet returned as frames.
    public var pendingByteCount: Int { buffer.count - start }

    /// Adds bytes read from the stream.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Adds bytes read from the stream.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next complete frame, or nil when more bytes are needed.
    ///
    /// - Throws: ``FrameError`` when the stream cannot be a valid frame sequence; the
    ///   connection is then beyond repair.
    public mutating func next() throws(FrameError) -> Frame? {
        let available = buffer.count - start
        guard available >= 4 else { return nil }
        let length =
            Int(buffer[start]) | Int(buffer[start + 1]) << 8 | Int(buffer[start + 2]) << 16
            | Int(buffer[start + 3]) << 24
        guard length >= 1 && length <= maximumLength else { throw .badLength(length) }
        guard available >= 5 else { return nil }
        // The kind is checked as soon as it arrives, before waiting for a long payload.
        guard let kind = FrameKind(rawValue: buffer[start + 4]) else { throw .unknownKind(buffer[start + 4]) }
        guard available >= 4 + length else { return nil }
        let payload = Array(buffer[(start + 5)..<(start + 4 + length)])
        start += 4 + length
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 1 << 16 && start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        return Frame(kind, payload)
    }
}
