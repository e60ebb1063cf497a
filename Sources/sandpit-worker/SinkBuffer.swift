import SandpitPluginABI

/// The buffer behind the `sandpit_sink` a plugin writes an answer or message into.
///
/// Each call gets a sink struct of its own, taken in turn from a ring of 4096, whose
/// `context` is a fresh token; `write` appends only while that token is the current one.
/// A sink kept past its call therefore keeps its dead token: the struct it points at is
/// not reused for another call until 4095 more calls have been made. (One struct reused
/// on the stack meant that an old sink pointer read the current call's token.)
enum SinkBuffer {
    // Only the worker's single thread calls into the plugin; a plugin thread that writes
    // through a stale sink is turned away by the token check. A plugin thread racing a
    // live sink can only garble its own answer, which the host validates.
    nonisolated(unsafe) static var bytes: [UInt8] = []
    nonisolated(unsafe) static var limit = 0
    nonisolated(unsafe) static var overflowed = false
    nonisolated(unsafe) static var token: UInt = 0
    nonisolated(unsafe) static var nextSlot = 0

    /// How many calls go by before a sink struct is handed out again.
    static let ringSize = 4096
    // Allocated once and never freed: the plugin may hold pointers into it for the
    // worker's whole life. Token 0 is never current, so an unused slot accepts nothing.
    nonisolated(unsafe) static let ring: UnsafeMutablePointer<sandpit_sink> = {
        let ring = UnsafeMutablePointer<sandpit_sink>.allocate(capacity: ringSize)
        ring.initialize(repeating: sandpit_sink(context: nil, write: write), count: ringSize)
        return ring
    }()

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
        let slot = ring + nextSlot
        nextSlot = (nextSlot + 1) % ringSize
        slot.pointee = sandpit_sink(context: UnsafeMutableRawPointer(bitPattern: token), write: write)
        return UnsafePointer(slot)
    }

    /// Ends a call: later writes through its sink are ignored.
    static func end() {
        token &+= 1
        if token == 0 { token = 1 }
    }
}
