import CSandpitShims
import Foundation
import Glibc
import Synchronization
import WorkerProtocol

/// Landlock denials of sandboxed workers, read from the kernel's audit log.
///
/// From Landlock ABI 7 (Linux 6.15) the kernel reports each denied access as audit
/// records: AUDIT_LANDLOCK_ACCESS names the domain and the object, and the first denial of
/// a domain comes with an AUDIT_LANDLOCK_DOMAIN `status=allocated` record naming the pid
/// that created it. A thread of its own reads the audit multicast group and keeps, for each
/// watched worker, what its domains denied; records of processes nobody watches are dropped.
///
/// For one worker: ``watch(pid:)`` before it runs untrusted code; once it has exited and
/// been reaped, ``sync(pid:timeoutMilliseconds:)``, ``take(pid:)``,
/// ``deallocatedCount(pid:)``, and ``finish(pid:)``.
final class LandlockAudit: Sendable {
    enum Availability: Sendable, Hashable {
        case active
        /// A one-line reason for the trial's isolation notes, saying what would make it work.
        case unavailable(reason: String)
    }

    /// The process-wide reader. Started on first use: that needs root (CAP_AUDIT_READ,
    /// CAP_AUDIT_CONTROL, CAP_AUDIT_WRITE) and Landlock ABI 7, and enables audit if it is off.
    /// Audit is never disabled again: other sandpit processes may rely on it.
    static let shared = LandlockAudit()

    let availability: Availability
    /// Held denials per pid beyond which new ones are only counted (``droppedCount(pid:)``).
    let heldLimit: Int
    private let socket: Int32
    private let state = Mutex(State())
    private let stopping = Atomic<Bool>(false)
    private let reading = Atomic<Bool>(false)
    /// Numbers sync markers and netlink requests, across every reader of this process.
    private static let numbers = Atomic<UInt64>(0)

    /// A reader of its own (there is normally no need for more than ``shared``).
    init() {
        heldLimit = 10_000
        switch Self.open() {
        case .success(let fd):
            socket = fd
            availability = .active
            reading.store(true, ordering: .relaxed)
            let thread = Thread { [self] in readLoop() }
            thread.name = "sandpit-landlock-audit"
            thread.start()
        case .failure(let problem):
            socket = -1
            availability = .unavailable(reason: "landlock: denials not observable (\(problem.reason))")
        }
    }

    /// A reader with no socket, fed only through ``receive(type:text:)`` (for tests).
    init(heldLimit: Int) {
        self.heldLimit = heldLimit
        socket = -1
        availability = .unavailable(reason: "landlock: denials not observable (records fed by hand)")
    }

    /// Starts keeping the denials of the domains `pid` creates. Call it before the
    /// process restricts itself.
    func watch(pid: pid_t) {
        state.withLock { state in
            if state.watches[pid] == nil { state.watches[pid] = Watch() }
        }
    }

    /// Returns the denials held for `pid` so far, and forgets them.
    func take(pid: pid_t) -> [LandlockDenial] {
        state.withLock { state in
            defer { state.watches[pid]?.denials = [] }
            return state.watches[pid]?.denials ?? []
        }
    }

    /// Denials of `pid` not held because it already had ``heldLimit`` of them.
    func droppedCount(pid: pid_t) -> Int {
        state.withLock { $0.watches[pid]?.dropped ?? 0 }
    }

    /// The denials the kernel counted for `pid`'s domains, logged or not, once every
    /// domain seen for it has been deallocated; nil before that, or if none was seen (a
    /// domain shows in the log only with its first logged denial).
    func deallocatedCount(pid: pid_t) -> Int? {
        state.withLock { state in
            guard let watch = state.watches[pid], watch.allDeallocated, !watch.domains.isEmpty else { return nil }
            return watch.deallocated.values.reduce(0, +)
        }
    }

    /// Forgets `pid`. Later records of its domains (from children still running) are dropped.
    func finish(pid: pid_t) {
        state.withLock { state in
            guard let watch = state.watches.removeValue(forKey: pid) else { return }
            for domain in watch.domains {
                state.owners[domain] = nil
                if watch.deallocated[domain] == nil { state.ignore(domain) }
            }
        }
    }

    /// Waits until every record the kernel had queued when called has been read and, when
    /// `pid` is given, until each of its domains has been deallocated. A domain is
    /// deallocated once its last credential is freed: the worker and its children reaped,
    /// and every file they opened after restricting themselves closed (the host's copy of
    /// a seccomp listener included). Blocks the calling thread.
    ///
    /// - Returns: false when the wait timed out or the reader is not running.
    func sync(pid: pid_t? = nil, timeoutMilliseconds: Int) -> Bool {
        guard isReading else { return false }
        let deadline = Self.nowMillis() + Int64(timeoutMilliseconds)
        let token = Self.numbers.add(1, ordering: .relaxed).newValue
        guard Self.sendMarker(token) == 0 else { return false }
        while true {
            let done = state.withLock { state in
                state.markerSeen >= token && (pid.flatMap { state.watches[$0]?.allDeallocated } ?? true)
            }
            if done { return true }
            if Self.nowMillis() >= deadline { return false }
            usleep(1000)
        }
    }

    /// Records the kernel could not queue since boot, system-wide (AUDIT_GET `lost`): a
    /// rise during a trial means denials may be missing. Nil when audit status is unreadable.
    static func kernelLostCount() -> Int? {
        let (code, status) = status()
        return code == 0 ? Int(status.lost) : nil
    }

    /// Parses one record and applies it; what the reader thread does with each message.
    func receive(type: UInt16, text: Substring) {
        guard let record = Self.parse(type: type, text: text) else { return }
        state.withLock { $0.apply(record, heldLimit: heldLimit, ownPid: getpid()) }
    }

    /// Times the socket's receive buffer overflowed: records were lost, whosever they were.
    var overruns: Int { state.withLock { $0.overruns } }

    /// Whether the reader thread is running.
    var isReading: Bool { reading.load(ordering: .relaxed) }

    /// Ends the reader thread within 200 ms and closes its socket (never done to ``shared``).
    func stop() { stopping.store(true, ordering: .relaxed) }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !stopping.load(ordering: .relaxed) {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            // The timeout only bounds how long stop() takes.
            let ready = poll(&descriptor, 1, 200)
            if ready < 0 && errno != EINTR { break }
            if ready <= 0 { continue }
            var records: [Record] = []
            while true {
                let count = buffer.withUnsafeMutableBytes {
                    recv(socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
                }
                if count < 0 {
                    // ENOBUFS: the socket's buffer overflowed and records were lost.
                    if errno == ENOBUFS { state.withLock { $0.overruns += 1 } }
                    if errno == EINTR || errno == ENOBUFS { continue }
                    if errno != EAGAIN { usleep(10_000) }  // unexpected: do not spin on it
                    break
                }
                Self.messages(in: buffer[..<count]) { type, text in
                    if let record = Self.parse(type: type, text: text) { records.append(record) }
                }
            }
            if records.isEmpty { continue }
            let pid = getpid()
            state.withLock { state in
                for record in records { state.apply(record, heldLimit: heldLimit, ownPid: pid) }
            }
        }
        close(socket)
        reading.store(false, ordering: .relaxed)
    }

    /// Calls `body` with the type and text of each netlink message in `bytes` whose type
    /// is one of ``wantedTypes`` (the others are not decoded).
    static func messages(in bytes: ArraySlice<UInt8>, _ body: (UInt16, Substring) -> Void) {
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= 16 {
            let length = bytes[offset..<offset + 4].withUnsafeBytes { Int($0.loadUnaligned(as: UInt32.self)) }
            let type = bytes[offset + 4..<offset + 6].withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) }
            guard length >= 16, length <= bytes.endIndex - offset else { return }
            if wantedTypes.contains(type) {
                let text = bytes[offset + 16..<offset + length].prefix { $0 != 0 }
                body(type, Substring(String(decoding: text, as: UTF8.self)))
            }
            offset += (length + 3) & ~3
        }
    }

    static func nowMillis() -> Int64 { Int64(SharedClock.monotonicNanos() / 1_000_000) }
}

extension LandlockAudit {
    /// Why the reader could not start.
    struct StartProblem: Error {
        var reason: String
    }

    /// Adds (once per boot: the kernel answers EEXIST after) the audit rule that reports an
    /// `open`, `openat` or `openat2` by the worker's uid failing with EACCES. A file whose mode
    /// forbids it (`/etc/shadow`) is refused before Landlock is asked, so only this rule makes
    /// such a read visible. Other processes of that uid are reported too; the reader drops
    /// every record of a pid it does not watch.
    static func addRefusalRule() {
        // struct audit_rule_data: flags, action, field_count, mask[64], fields[64], values[64],
        // fieldflags[64], buflen.
        var words = [UInt32](repeating: 0, count: 3 + 64 * 4 + 1)
        words[0] = 0x04  // AUDIT_FILTER_EXIT
        words[1] = 2  // AUDIT_ALWAYS
        let fields: [(UInt32, UInt32)] = [
            (11, 0xC000_003E),  // AUDIT_ARCH == x86_64
            (1, WorkerLaunch.unprivilegedID),  // AUDIT_UID: the worker's, when sandpit is root
            (103, UInt32(bitPattern: -13)),  // AUDIT_EXIT == -EACCES
        ]
        words[2] = UInt32(fields.count)
        for number in [2, 257, 437] { words[3 + number / 32] |= 1 << UInt32(number % 32) }  // open, openat, openat2
        for (i, (field, value)) in fields.enumerated() {
            words[3 + 64 + i] = field
            words[3 + 128 + i] = value
            words[3 + 192 + i] = 0x4000_0000  // AUDIT_EQUAL
        }
        let payload = words.withUnsafeBytes { Array($0) }
        _ = request(UInt16(SANDPIT_AUDIT_ADD_RULE), payload, reply: nil)
    }

    /// The kernel's audit backlog the reader asks for (records queued before any is dropped).
    static let backlogLimit: UInt32 = 8192

    /// Opens the multicast socket once everything it needs is there; enables audit if off
    /// and raises the backlog limit to ``backlogLimit``.
    static func open() -> Result<Int32, StartProblem> {
        func fail(_ reason: String) -> Result<Int32, StartProblem> { .failure(StartProblem(reason: reason)) }
        let abi = sandpit_landlock_create_ruleset(nil, 0, 1)
        if abi < 0 { return fail("Landlock is not enabled in this kernel; add landlock to the lsm= boot parameter") }
        if abi < 7 { return fail("Landlock ABI \(abi); audit records need ABI 7, Linux 6.15 or later") }
        let fd = sandpit_audit_open(1 << (UInt32(SANDPIT_AUDIT_NLGRP_READLOG) - 1))
        if fd < 0 {
            switch errno {
            case EPERM: return fail("audit needs root / CAP_AUDIT_READ")
            case EPROTONOSUPPORT, EAFNOSUPPORT:
                return fail("the kernel has no audit: built without CONFIG_AUDIT, or booted with audit=0")
            default: return fail("cannot read the audit log: \(String(cString: strerror(errno)))")
            }
        }
        func closing(_ reason: String) -> Result<Int32, StartProblem> {
            close(fd)
            return fail(reason)
        }
        let (code, current) = status()
        if code == EPERM || code == ECONNREFUSED {
            return closing(
                "reading audit status needs root / CAP_AUDIT_CONTROL, in the initial user and PID namespaces")
        } else if code != 0 {
            return closing("cannot read audit status: \(String(cString: strerror(code)))")
        } else if current.enabled == 0 && current.failure == 2 {
            // AUDIT_FAIL_PANIC: a burst of denials past the backlog limit would panic the machine.
            return closing("audit is off and set to panic when records are lost; enable it with auditctl -e 1 if meant")
        } else if current.enabled == 0 {
            let code = setStatus(SANDPIT_AUDIT_STATUS_ENABLED) { $0.enabled = 1 }
            if code != 0 {
                return closing(
                    "audit is off and enabling it failed (\(String(cString: strerror(code)))); try auditctl -e 1")
            }
        }
        if current.backlog_limit < backlogLimit {
            // At the default 64, a worker denied in a tight loop loses most of its records
            // (measured: 15-85%); 8192 kept every one of 9,000. The deallocated count still
            // tells when any were lost.
            _ = setStatus(SANDPIT_AUDIT_STATUS_BACKLOG_LIMIT) { $0.backlog_limit = backlogLimit }
        }
        addRefusalRule()
        let token = numbers.add(1, ordering: .relaxed).newValue
        if sendMarker(token) != 0 { return closing("marking how far the log was read needs root / CAP_AUDIT_WRITE") }
        if !awaitMarker(token, on: fd) {
            // kthreadd (pid 2 in the initial PID namespace, which AUDIT_GET required) is in the initial one.
            if let mine = Isolation.readLink("/proc/self/ns/net"), let initial = Isolation.readLink("/proc/2/ns/net"),
                mine != initial
            {
                return closing("audit records reach only the initial network namespace; run sandpit outside this one")
            }
            return closing("a test record sent to the audit log never came back; check audit rules with auditctl -l")
        }
        // Bursts are bounded by the kernel's backlog (64 records by default), but a slow
        // reader thread needs room: ask for 32 MiB, or what an unprivileged socket may have.
        var size: Int32 = 32 << 20
        let length = socklen_t(MemoryLayout<Int32>.size)
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, length) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, length)
        }
        return .success(fd)
    }

    /// Reads `fd` until this process's marker `token` comes back, for at most a second.
    static func awaitMarker(_ token: UInt64, on fd: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let deadline = nowMillis() + 1000
        var seen = false
        while !seen {
            let left = deadline - nowMillis()
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard left > 0, poll(&descriptor, 1, Int32(left)) > 0 else { return false }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count > 0 else { continue }
            messages(in: buffer[..<count]) { type, text in
                seen = seen || parse(type: type, text: text) == .marker(pid: getpid(), token: token)
            }
        }
        return true
    }

    /// AUDIT_SET of the one field `mask` names, as `change` sets it; 0 or the errno answered.
    static func setStatus(_ mask: Int32, _ change: (inout sandpit_audit_status) -> Void) -> Int32 {
        var status = sandpit_audit_status()
        status.mask = UInt32(mask)
        change(&status)
        return request(UInt16(SANDPIT_AUDIT_SET), withUnsafeBytes(of: status) { Array($0) }, reply: nil).code
    }

    /// AUDIT_GET: the kernel's audit status; `code` is 0 or the errno it answered.
    static func status() -> (code: Int32, status: sandpit_audit_status) {
        let (code, payload) = request(UInt16(SANDPIT_AUDIT_GET), [], reply: UInt16(SANDPIT_AUDIT_GET))
        var status = sandpit_audit_status()
        withUnsafeMutableBytes(of: &status) { raw in
            payload.prefix(raw.count).withUnsafeBytes { raw.copyMemory(from: $0) }
        }
        return (code, status)
    }

    /// Queues an AUDIT_TRUSTED_APP record carrying `token`; the reader sees it after every
    /// record queued before it, as kauditd sends the queue in order. Returns 0 or an errno.
    static func sendMarker(_ token: UInt64) -> Int32 {
        let text = "\(markerKey)\(getpid()).\(token)"
        return request(UInt16(SANDPIT_AUDIT_TRUSTED_APP), Array(text.utf8) + [0], reply: nil).code
    }

    /// Sends one request on a socket of its own and waits (at most a second) for the
    /// reply of type `reply`, or for the kernel's acknowledgement when `reply` is nil.
    /// Returns 0 and the reply's payload, or an errno.
    static func request(_ type: UInt16, _ payload: [UInt8], reply: UInt16?) -> (code: Int32, payload: [UInt8]) {
        let fd = sandpit_audit_open(0)
        guard fd >= 0 else { return (errno, []) }
        defer { close(fd) }
        let sequence = UInt32(truncatingIfNeeded: numbers.add(1, ordering: .relaxed).newValue)
        let flags = UInt16(SANDPIT_NLM_F_REQUEST) | (reply == nil ? UInt16(SANDPIT_NLM_F_ACK) : 0)
        var message: [UInt8] = []
        withUnsafeBytes(of: UInt32(16 + payload.count)) { message += $0 }
        withUnsafeBytes(of: type) { message += $0 }
        withUnsafeBytes(of: flags) { message += $0 }
        withUnsafeBytes(of: sequence) { message += $0 }
        withUnsafeBytes(of: UInt32(0)) { message += $0 }
        message += payload
        guard message.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == message.count else {
            return (errno, [])
        }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let deadline = nowMillis() + 1000
        while true {
            let left = deadline - nowMillis()
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard left > 0, poll(&descriptor, 1, Int32(left)) > 0 else { return (ETIMEDOUT, []) }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count >= 16 else { continue }
            let bytes = buffer[..<count]
            let got = bytes[4..<6].withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) }
            let seen = bytes[8..<12].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            guard seen == sequence else { continue }
            if got == UInt16(SANDPIT_NLMSG_ERROR), count >= 20 {
                let error = bytes[16..<20].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
                if error != 0 || reply == nil { return (-error, []) }
            } else if got == reply {
                return (0, Array(bytes[16...]))
            }
        }
    }
}
