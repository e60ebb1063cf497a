extension Array where Element == UInt8 {
    /// Appends `value` as little-endian bytes: every integer on the wire is written so.
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        for shift in stride(from: 0, to: T.bitWidth, by: 8) { append(UInt8(truncatingIfNeeded: value >> shift)) }
    }
}

/// Writes the fields of a frame payload: little-endian integers and length-prefixed bytes.
public struct WireWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    public mutating func write(_ value: UInt32) { bytes.appendLittleEndian(value) }

    public mutating func write(_ value: UInt64) { bytes.appendLittleEndian(value) }

    public mutating func write(_ value: Int32) { write(UInt32(bitPattern: value)) }

    public mutating func write(_ value: Bool) { write(UInt8(value ? 1 : 0)) }

    /// A 4-byte length, then the bytes.
    public mutating func write(bytes value: [UInt8]) {
        write(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// The UTF-8 bytes of `value`, length-prefixed.
    public mutating func write(_ value: String) { write(bytes: Array(value.utf8)) }

    /// A count, then each string.
    public mutating func write(_ values: [String]) {
        write(UInt32(values.count))
        for value in values { write(value) }
    }
}

/// Reads the fields that ``WireWriter`` wrote, failing on truncation rather than trapping:
/// payloads from the worker are hostile input.
public struct WireReader: Sendable {
    private let bytes: [UInt8]
    private var offset = 0
    private let kind: FrameKind

    /// Reads `frame`'s payload.
    public init(_ frame: Frame) {
        self.bytes = frame.payload
        self.kind = frame.kind
    }

    /// True once every byte has been read.
    public var isAtEnd: Bool { offset == bytes.count }

    private mutating func take(_ count: Int) throws(FrameError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else { throw .malformedPayload(kind) }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    public mutating func readUInt8() throws(FrameError) -> UInt8 { try take(1).first! }

    public mutating func readBool() throws(FrameError) -> Bool { try readUInt8() != 0 }

    public mutating func readUInt32() throws(FrameError) -> UInt32 {
        var value: UInt32 = 0
        for (i, byte) in try take(4).enumerated() { value |= UInt32(byte) << (8 * UInt32(i)) }
        return value
    }

    public mutating func readUInt64() throws(FrameError) -> UInt64 {
        var value: UInt64 = 0
        for (i, byte) in try take(8).enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
        return value
    }

    public mutating func readInt32() throws(FrameError) -> Int32 { Int32(bitPattern: try readUInt32()) }

    /// Length-prefixed bytes, at most `limit` of them.
    public mutating func readBytes(limit: Int = Int.max) throws(FrameError) -> [UInt8] {
        let count = Int(try readUInt32())
        guard count <= limit else { throw .malformedPayload(kind) }
        return Array(try take(count))
    }

    /// A length-prefixed string; invalid UTF-8 is an error, not a repair.
    public mutating func readString(limit: Int = Int.max) throws(FrameError) -> String {
        let raw = try readBytes(limit: limit)
        guard let value = String(validating: raw, as: UTF8.self) else { throw .malformedPayload(kind) }
        return value
    }

    public mutating func readStrings(limit: Int = Int.max) throws(FrameError) -> [String] {
        let count = Int(try readUInt32())
        guard count <= bytes.count - offset else { throw .malformedPayload(kind) }
        var values: [String] = []
        for _ in 0..<count { values.append(try readString(limit: limit)) }
        return values
    }

    /// Checks that nothing is left over.
    public func finish() throws(FrameError) {
        guard isAtEnd else { throw .malformedPayload(kind) }
    }
}
