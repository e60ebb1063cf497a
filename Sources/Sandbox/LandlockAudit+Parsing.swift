import CSandpitShims
import Glibc

/// One access a worker's Landlock domain denied, as the kernel's audit log reported it.
struct LandlockDenial: Sendable, Hashable {
    /// What was missing: access rights such as `fs.read_file` or `net.connect_tcp`, or a
    /// scope such as `scope.signal`. Several when one request lacked several rights.
    var blockers: [String]
    /// The file or socket path, decoded when the kernel printed it in hex; an abstract
    /// UNIX socket's name starts with `@`. Nil for network ports and signals.
    var path: String?
    /// The other fields naming the object, as the kernel printed them: `dev="vda" ino=818`,
    /// `daddr=127.0.0.1 dest=443`, `opid=1 ocomm="init"`.
    var detail: String
    /// When the kernel logged it, in milliseconds since 1970 (realtime, coarse clock).
    var realtimeMillis: Int64
    /// The audit event's serial number; the records of one system call share it.
    var serial: UInt64
    /// The denied system call's number, from the event's SYSCALL record when there is one.
    var syscall: Int32?

    /// The safety-event category: filesystem, network, process or other.
    var category: String {
        guard let first = blockers.first else { return "other" }
        if first.hasPrefix("fs.") { return "filesystem" }
        if first.hasPrefix("net.") || first.hasSuffix("unix_socket") { return "network" }
        if first == "scope.signal" || first == "ptrace" { return "process" }
        return "other"
    }
}

extension LandlockAudit {
    /// What one audit record tells the reader; other records are ignored.
    enum Record: Sendable, Hashable {
        /// AUDIT_LANDLOCK_ACCESS: `domain` denied an access.
        case access(domain: UInt64, LandlockDenial)
        /// AUDIT_LANDLOCK_DOMAIN `status=allocated`: `pid` created `domain` (logged with its first denial).
        case allocated(domain: UInt64, pid: pid_t)
        /// AUDIT_LANDLOCK_DOMAIN `status=deallocated`: the domain is gone, after `denials`
        /// denials in all, logged or not.
        case deallocated(domain: UInt64, denials: Int)
        /// AUDIT_SYSCALL: the system call of event `serial`, who made it and what it returned.
        case syscall(serial: UInt64, number: Int32, pid: pid_t?, exit: Int64?, millis: Int64)
        /// AUDIT_PATH: a path event `serial` resolved.
        case path(serial: UInt64, name: String)
        /// AUDIT_EOE: event `serial` has no more records.
        case endOfEvent(serial: UInt64)
        /// A sync marker a LandlockAudit in process `pid` sent (AUDIT_TRUSTED_APP).
        case marker(pid: pid_t, token: UInt64)
    }

    /// The text a sync marker carries: `sandpit-landlock-sync=PID.TOKEN`.
    static let markerKey = "sandpit-landlock-sync="

    /// The record types the reader uses; the rest (PROCTITLE, EOE, ...) are skipped unread.
    static let wantedTypes: Set<UInt16> = [
        UInt16(SANDPIT_AUDIT_LANDLOCK_ACCESS), UInt16(SANDPIT_AUDIT_LANDLOCK_DOMAIN), UInt16(SANDPIT_AUDIT_SYSCALL),
        UInt16(SANDPIT_AUDIT_TRUSTED_APP), UInt16(SANDPIT_AUDIT_PATH), UInt16(SANDPIT_AUDIT_EOE),
    ]

    /// Parses one record: the text after the netlink header, such as
    /// `audit(1796158631.943:3): domain=12af0e430 blockers=fs.read_file path="/etc/shadow" dev="vda" ino=818`.
    ///
    /// Record formats are those of security/landlock/audit.c and security/lsm_audit.c.
    /// - Returns: nil for record types the reader does not use, or text it cannot read.
    static func parse(type: UInt16, text: Substring) -> Record? {
        guard wantedTypes.contains(type), let (millis, serial, body) = stamp(text) else { return nil }
        switch Int32(type) {
        case SANDPIT_AUDIT_LANDLOCK_ACCESS:
            let pairs = fields(body)
            guard let domain = pairs.first(where: { $0.key == "domain" }).flatMap({ UInt64($0.value, radix: 16) }),
                let blockers = pairs.first(where: { $0.key == "blockers" })?.value
            else { return nil }
            var path: String?
            var detail: [String] = []
            for (key, value) in pairs where key != "domain" && key != "blockers" {
                if key == "path" && path == nil {
                    path = untrustedString(value)
                } else {
                    detail.append("\(key)=\(value)")
                }
            }
            let denial = LandlockDenial(
                blockers: blockers.split(separator: ",").map(String.init), path: path,
                detail: detail.joined(separator: " "), realtimeMillis: millis, serial: serial, syscall: nil)
            return .access(domain: domain, denial)
        case SANDPIT_AUDIT_LANDLOCK_DOMAIN:
            let pairs = fields(body)
            func value(_ key: String) -> Substring? { pairs.first { $0.key == key }?.value }
            guard let domain = value("domain").flatMap({ UInt64($0, radix: 16) }) else { return nil }
            switch value("status") {
            case "allocated": return value("pid").flatMap { pid_t($0) }.map { .allocated(domain: domain, pid: $0) }
            case "deallocated":
                return value("denials").flatMap { Int($0) }.map { .deallocated(domain: domain, denials: $0) }
            default: return nil
            }
        case SANDPIT_AUDIT_SYSCALL:
            var number: Int32?
            var pid: pid_t?
            var exit: Int64?
            forEachField(body) { key, value in
                switch key {
                case "syscall": number = Int32(value)
                case "exit": exit = Int64(value)
                case "pid": pid = pid_t(value)
                default: break
                }
                return pid == nil  // pid comes after syscall and exit
            }
            return number.map { .syscall(serial: serial, number: $0, pid: pid, exit: exit, millis: millis) }
        case SANDPIT_AUDIT_PATH:
            var name: String?
            forEachField(body) { key, value in
                if key == "name" { name = untrustedString(value) }
                return name == nil && key != "inode"
            }
            return name.map { .path(serial: serial, name: $0) }
        case SANDPIT_AUDIT_EOE:
            return .endOfEvent(serial: serial)
        case SANDPIT_AUDIT_TRUSTED_APP:
            guard let range = body.firstRange(of: markerKey) else { return nil }
            let rest = body[range.upperBound...].prefix { $0.isNumber || $0 == "." }
            let parts = rest.split(separator: ".")
            guard parts.count == 2, let pid = pid_t(parts[0]), let token = UInt64(parts[1]) else { return nil }
            return .marker(pid: pid, token: token)
        default:
            return nil
        }
    }

    /// Splits `audit(SEC.MS:SERIAL): body` into the time in milliseconds, the serial and the body.
    static func stamp(_ text: Substring) -> (Int64, UInt64, Substring)? {
        guard text.hasPrefix("audit("), let close = text.firstIndex(of: ")") else { return nil }
        let inner = text[text.index(text.startIndex, offsetBy: 6)..<close]
        guard let dot = inner.firstIndex(of: "."), let colon = inner.firstIndex(of: ":"), dot < colon,
            let seconds = Int64(inner[..<dot]), let millis = Int64(inner[inner.index(after: dot)..<colon]),
            let serial = UInt64(inner[inner.index(after: colon)...])
        else { return nil }
        let body = text[text.index(after: close)...].drop { $0 == ":" || $0 == " " }
        return (seconds * 1000 + millis, serial, body)
    }

    /// Splits `key=value key="value" key='a b'` into pairs; values keep their quotes. A
    /// quoted value has no space in it unless single-quoted (the kernel hex-encodes
    /// untrusted strings that hold a space or a double quote).
    static func fields(_ body: Substring) -> [(key: Substring, value: Substring)] {
        var pairs: [(key: Substring, value: Substring)] = []
        forEachField(body) { key, value in
            pairs.append((key, value))
            return true
        }
        return pairs
    }

    /// Calls `visit` with each field of `body` in turn, until it returns false.
    static func forEachField(_ body: Substring, _ visit: (Substring, Substring) -> Bool) {
        var index = body.startIndex
        while index < body.endIndex {
            if body[index] == " " {
                index = body.index(after: index)
                continue
            }
            let start = index
            while index < body.endIndex && body[index] != "=" && body[index] != " " { index = body.index(after: index) }
            guard index < body.endIndex, body[index] == "=" else { continue }
            let key = body[start..<index]
            index = body.index(after: index)
            let valueStart = index
            if index < body.endIndex, body[index] == "\"" || body[index] == "'" {
                let quote = body[index]
                index = body.index(after: index)
                while index < body.endIndex && body[index] != quote { index = body.index(after: index) }
                if index < body.endIndex { index = body.index(after: index) }
            } else {
                while index < body.endIndex && body[index] != " " { index = body.index(after: index) }
            }
            if !visit(key, body[valueStart..<index]) { return }
        }
    }

    /// Decodes a value the kernel wrote with audit_log_untrustedstring: in double quotes,
    /// or in hex (upper case, no quotes) when it holds a space, a quote or a byte outside
    /// 0x21...0x7e. A leading NUL (an abstract UNIX socket's name) is shown as `@`.
    static func untrustedString(_ value: Substring) -> String {
        if value.count >= 2 && value.first == "\"" && value.last == "\"" {
            return String(value.dropFirst().dropLast())
        }
        let digits = Array(value.utf8)
        guard !digits.isEmpty, digits.count % 2 == 0 else { return String(value) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for pair in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[pair]), let low = hexValue(digits[pair + 1]) else { return String(value) }
            bytes.append(high << 4 | low)
        }
        if bytes.first == 0 { return "@" + String(decoding: bytes.dropFirst(), as: UTF8.self) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}

extension LandlockAudit {
    /// What one watched pid's domains denied.
    struct Watch {
        var domains: Set<UInt64> = []
        /// `denials=` of each deallocated domain.
        var deallocated: [UInt64: Int] = [:]
        var denials: [LandlockDenial] = []
        var dropped = 0

        var allDeallocated: Bool { domains.allSatisfy { deallocated[$0] != nil } }
    }

    /// Everything the reader knows; small, and only touched under the mutex.
    struct State {
        var watches: [pid_t: Watch] = [:]
        /// Domain → the watched pid that created it.
        var owners: [UInt64: pid_t] = [:]
        /// Domains of pids nobody watches, so their later records are dropped at once.
        var ignored: Set<UInt64> = []
        /// Denials of domains not known yet: the allocated record follows the first denial.
        var pending: [(domain: UInt64, denial: LandlockDenial)] = []
        /// Serials of recent held denials, for the SYSCALL record that closes their event.
        var recent: [(serial: UInt64, pid: pid_t)] = []
        /// Opens a watched worker failed with EACCES that no Landlock record explains (the
        /// file's own permissions refused them), waiting for their PATH and end records.
        var refusals: [UInt64: LandlockDenial] = [:]
        var refusalOwners: [UInt64: pid_t] = [:]
        /// The highest sync marker of this process read so far.
        var markerSeen: UInt64 = 0
        /// Times the socket's receive buffer overflowed (records lost).
        var overruns = 0

        mutating func apply(_ record: Record, heldLimit: Int, ownPid: pid_t) {
            switch record {
            case .access(let domain, let denial):
                if let pid = owners[domain] {
                    hold(denial, for: pid, heldLimit: heldLimit)
                } else if !ignored.contains(domain) {
                    // Bounded: denials of domains created before this reader started never resolve.
                    if pending.count >= 1024 { pending.removeFirst(pending.count - 1023) }
                    pending.append((domain, denial))
                }
            case .allocated(let domain, let pid):
                let waiting = pending.filter { $0.domain == domain }.map(\.denial)
                pending.removeAll { $0.domain == domain }
                guard watches[pid] != nil else {
                    ignore(domain)
                    return
                }
                owners[domain] = pid
                watches[pid]?.domains.insert(domain)
                for denial in waiting { hold(denial, for: pid, heldLimit: heldLimit) }
            case .deallocated(let domain, let denials):
                ignored.remove(domain)
                pending.removeAll { $0.domain == domain }
                // Domain ids are never reused, so the owner entry can go.
                if let pid = owners.removeValue(forKey: domain) { watches[pid]?.deallocated[domain] = denials }
            case .syscall(let serial, let number, let pid, let exit, let millis):
                guard let index = recent.firstIndex(where: { $0.serial == serial }) else {
                    // Not a Landlock denial: an open the file's permissions refused (the exit
                    // rule LandlockAudit adds reports those), if a watched worker made it.
                    if exit == -13, let pid, watches[pid] != nil, refusals.count < 1024 {
                        refusals[serial] = LandlockDenial(
                            blockers: ["permissions"], path: nil, detail: "", realtimeMillis: millis, serial: serial,
                            syscall: number)
                        refusalOwners[serial] = pid
                    }
                    return
                }
                let pid = recent.remove(at: index).pid
                guard var denials = watches[pid]?.denials else { return }
                watches[pid]?.denials = []  // keeps the array uniquely referenced while patching
                for position in denials.indices.reversed().prefix(64)
                where denials[position].serial == serial && denials[position].syscall == nil {
                    denials[position].syscall = number
                }
                watches[pid]?.denials = denials
            case .path(let serial, let name):
                if refusals[serial] != nil && refusals[serial]?.path == nil { refusals[serial]?.path = name }
            case .endOfEvent(let serial):
                guard let refusal = refusals.removeValue(forKey: serial),
                    let pid = refusalOwners.removeValue(forKey: serial)
                else { return }
                hold(refusal, for: pid, heldLimit: heldLimit)
            case .marker(let sender, let token):
                if sender == ownPid { markerSeen = max(markerSeen, token) }
            }
        }

        mutating func hold(_ denial: LandlockDenial, for pid: pid_t, heldLimit: Int) {
            guard watches[pid] != nil else { return }
            if watches[pid]!.denials.count < heldLimit {
                watches[pid]!.denials.append(denial)
            } else {
                watches[pid]!.dropped += 1
            }
            if !recent.contains(where: { $0.serial == denial.serial }) {
                if recent.count >= 64 { recent.removeFirst() }
                recent.append((denial.serial, pid))
            }
        }

        mutating func ignore(_ domain: UInt64) {
            // Bounded; forgetting only sends a domain's later records through `pending`.
            if ignored.count >= 10_000 { ignored.removeAll() }
            ignored.insert(domain)
        }
    }
}
