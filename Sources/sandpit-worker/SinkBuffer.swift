import SandpitPluginABI

/// The buffer behind the `sandpit_sink` a plugin writes an answer or message into.
///
/// Each call gets a sink struct of its own, never used for another call, whose `context` is
/// a fresh token; `write` appends only while that token is the current one. A sink kept
/// past its call therefore keeps its dead token for good. (One struct reused on the stack
/// meant that an old sink pointer read the current call's token.) The structs cost 16 bytes
/// a call, allocated 4096 at a time and never freed: the plugin may hold any of them.
enum SinkBuffer {
    // Only the worker's single thread calls into the plugin; a plugin thread that writes
    // through a stale sink is turned away by the token check. A plugin thread racing a
    // live sink can only garble its own answer, which the host validates.
    nonisolated(unsafe) static var bytes: [UInt8] = []
    nonisolated(unsafe) static var limit = 0
    nonisolated(unsafe) static var overflowed = false
    nonisolated(unsafe) static var token: UInt = 0
    nonisolated(unsafe) static var chunk: UnsafeMutablePointer<sandpit_sink>?
    nonisolated(unsafe) static var usedInChunk = chunkSize

    static let chunkSize = 4096

    static let write: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, Int) -> Int32 = {
        context, data, length in
        guard UInt(bitPattern: context) == SinkBuffer.token, SinkBuffer.token != 0 else { return -1 }
        guard length > 0 else { return 0 }
        guard let data else { return -1 }
        let room = SinkBuffer.limit - SinkBuffer.bytes.count
        if length > room {
            if room > 0 {
                SinkBuffer.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: room))
            }
            SinkBuffer.overflowed = true
            return -1
        }
        SinkBuffer.bytes.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
        return 0
    }

    /// Starts a call: empties the buffer and returns the sink to pass to the plugin.
    static func begin(limit: Int) -> UnsafePointer<sandpit_sink> {
        bytes.removeAll(keepingCapacity: true)
        overflowed = false
        self.limit = limit
        token &+= 1
        if token == 0 { token = 1 }
        if usedInChunk == chunkSize {
            let fresh = UnsafeMutablePointer<sandpit_sink>.allocate(capacity: chunkSize)
            fresh.initialize(repeating: sandpit_sink(context: nil, write: write), count: chunkSize)
            chunk = fresh
            usedInChunk = 0
        }
        let slot = chunk! + usedInChunk
        usedInChunk += 1
        slot.pointee = sandpit_sink(context: UnsafeMutableRawPointer(bitPattern: token), write: write)
        return UnsafePointer(slot)
    }

    /// Ends a call: later writes through its sink are ignored.
    static func end() {
        token &+= 1
        if token == 0 { token = 1 }
    }
}
