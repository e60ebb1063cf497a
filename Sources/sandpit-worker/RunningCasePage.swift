import Glibc
import WorkerProtocol

/// The page the worker shares with the host (see ``RunningCase``), mapped from fd 4.
enum RunningCasePage {
    nonisolated(unsafe) static var sequence: UnsafeMutablePointer<UInt64>?

    /// Maps the page and closes its descriptor; without it the host charges events to the
    /// oldest case in flight.
    static func map() {
        let fd = WorkerDescriptors.runningCase
        let address = mmap(nil, RunningCase.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        close(fd)
        guard let address, address != MAP_FAILED else { return }
        sequence = (address + RunningCase.sequenceOffset).assumingMemoryBound(to: UInt64.self)
    }

    /// Publishes the running case's sequence number, or 0 between cases. An aligned 8-byte
    /// store, which the host's aligned 8-byte load sees whole.
    static func publish(_ value: UInt64) {
        sequence?.pointee = value
    }
}
