import Glibc
import WorkerProtocol

/// The socket to the host (fd 3), read and written with blocking calls.
///
/// The worker is single-threaded by construction; a plugin's own threads never touch it.
struct Channel {
    let fd: Int32
    private var reader = FrameReader()
    private var scratch = [UInt8](repeating: 0, count: 1 << 16)

    init(fd: Int32) { self.fd = fd }

    /// The next frame, or nil at end of stream.
    mutating func receive() -> Frame? {
        while true {
            do {
                if let frame = try reader.next() { return frame }
            } catch {
                Worker.fail("malformed frame from host: \(error)")
            }
            let count = scratch.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return nil }
            scratch.withUnsafeBytes { reader.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
    }

    /// True when a complete frame is already buffered (so a flush can wait).
    var hasBufferedFrame: Bool { reader.pendingByteCount >= 5 }

    /// Writes every byte, or exits: without the host there is nothing left to do.
    func send(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { exit(0) }
                offset += n
            }
        }
    }

    func send(_ frame: Frame) { send(frame.encoded) }
}
