import CSandpitShims
import Foundation
import Glibc
import Testing

@testable import Sandbox

/// The audit-record reader: the parser on record text the kernel really sent (Linux 6.18),
/// the per-pid bookkeeping fed by hand, and, where this machine allows it, a real process.
@Suite struct LandlockAuditTests {
    /// What a process that restricted itself and opened /etc/shadow and /etc/hostname produced.
    static let recorded: [(UInt16, Substring)] = [
        (
            1423,
            #"audit(1796158631.943:3): domain=12af0e430 blockers=fs.read_file path="/etc/shadow" dev="vda" ino=818"#
        ),
        (
            1424,
            #"""
            audit(1796158631.943:3): domain=12af0e430 status=allocated mode=enforcing pid=5612 uid=0 \#
            exe="/root/.pyenv/versions/3.11.7/bin/python3.11" comm="python3"
            """#
        ),
        (
            1300,
            """
            audit(1796158631.943:3): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=7fced7bca390 \
            a2=80000 a3=0 items=0 ppid=5552 pid=5612 auid=4294967295 uid=0
            """
        ),
        (1327, "audit(1796158631.943:3): proctitle=707974686F6E33"),
        (1320, "audit(1796158631.943:3): "),
        (
            1423,
            #"audit(1796158631.943:4): domain=12af0e430 blockers=fs.read_file path="/etc/hostname" dev="vda" ino=611"#
        ),
        (1300, "audit(1796158631.943:4): arch=c000003e syscall=257 success=no exit=-13 pid=5612"),
        (1424, "audit(1796158631.995:5): domain=12af0e430 status=deallocated denials=2"),
    ]

    static func feed(_ audit: LandlockAudit, _ records: [(UInt16, Substring)]) {
        for (type, text) in records { audit.receive(type: type, text: text) }
    }

    @Test func accessRecordWithAQuotedPath() throws {
        let record = try #require(LandlockAudit.parse(type: 1423, text: Self.recorded[0].1))
        let expected = LandlockDenial(
            blockers: ["fs.read_file"], path: "/etc/shadow", detail: #"dev="vda" ino=818"#,
            realtimeMillis: 1_796_158_631_943, serial: 3, syscall: nil)
        #expect(record == .access(domain: 0x12af0e430, expected))
        #expect(expected.category == "filesystem")
    }

    @Test(arguments: [
        ("2F746D702F61206220", "/tmp/a b "),  // a trailing space, as in audit's own example
        ("2F746D702F612062", "/tmp/a b"),  // what Linux 6.18 printed for "/tmp/a b"
        ("2F746D702F22717522", "/tmp/\"qu\""),
        (#""/usr/local""#, "/usr/local"),
        ("0073616E647069742D74657374", "@sandpit-test"),  // an abstract UNIX socket
        ("(null)", "(null)"),
    ])
    func untrustedStringsAreDecoded(printed: String, decoded: String) {
        #expect(LandlockAudit.untrustedString(Substring(printed)) == decoded)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var blockers: [String]
        var path: String?
        var detail: String
        var category: String
        var testDescription: String { blockers.joined(separator: ",") }
    }

    @Test(arguments: [
        Case(
            text: "domain=12af0e7ae blockers=net.connect_tcp daddr=127.0.0.1 dest=9", blockers: ["net.connect_tcp"],
            path: nil, detail: "daddr=127.0.0.1 dest=9", category: "network"),
        Case(
            text: "domain=12af0e7ae blockers=net.bind_tcp src=8080", blockers: ["net.bind_tcp"], path: nil,
            detail: "src=8080", category: "network"),
        Case(
            text: #"domain=12af0e7ae blockers=scope.signal opid=1 ocomm="process_api""#, blockers: ["scope.signal"],
            path: nil, detail: #"opid=1 ocomm="process_api""#, category: "process"),
        Case(
            text: "domain=12af0e7ae blockers=scope.abstract_unix_socket path=0073616E647069742D74657374",
            blockers: ["scope.abstract_unix_socket"], path: "@sandpit-test", detail: "", category: "network"),
        Case(
            text: #"domain=195ba459b blockers=fs.make_reg,fs.refer path="/usr/local" dev="vda2" ino=365"#,
            blockers: ["fs.make_reg", "fs.refer"], path: "/usr/local", detail: #"dev="vda2" ino=365"#,
            category: "filesystem"),
        Case(
            text: #"domain=1 blockers=fs.read_dir path=2F746D702F612062 dev="vda" ino=16221835"#,
            blockers: ["fs.read_dir"], path: "/tmp/a b", detail: #"dev="vda" ino=16221835"#, category: "filesystem"),
    ])
    func accessRecordsOfEveryKind(_ item: Case) throws {
        let text = Substring("audit(1796158820.351:16): " + item.text)
        let record = try #require(LandlockAudit.parse(type: 1423, text: text))
        guard case .access(_, let denial) = record else {
            Issue.record("not an access record: \(record)")
            return
        }
        #expect(denial.blockers == item.blockers)
        #expect(denial.path == item.path)
        #expect(denial.detail == item.detail)
        #expect(denial.category == item.category)
        #expect(denial.realtimeMillis == 1_796_158_820_351 && denial.serial == 16)
    }

    @Test func domainAndSyscallRecords() {
        #expect(LandlockAudit.parse(type: 1424, text: Self.recorded[1].1) == .allocated(domain: 0x12af0e430, pid: 5612))
        #expect(
            LandlockAudit.parse(type: 1424, text: Self.recorded[7].1) == .deallocated(domain: 0x12af0e430, denials: 2))
        #expect(
            LandlockAudit.parse(type: 1300, text: Self.recorded[2].1)
                == .syscall(serial: 3, number: 257, pid: 5612, exit: -13, millis: 1_796_158_631_943))
        let path =
            #"audit(1796158631.943:9): item=0 name="/etc/shadow" inode=818 dev=fe:00 mode=0100640 nametype=NORMAL"#
        #expect(LandlockAudit.parse(type: 1302, text: Substring(path)) == .path(serial: 9, name: "/etc/shadow"))
        #expect(LandlockAudit.parse(type: 1320, text: "audit(1796158631.943:9): ") == .endOfEvent(serial: 9))
    }

    @Test func anOpenTheFilesModeRefusedIsHeldForItsWorker() {
        let audit = LandlockAudit(heldLimit: 10)
        audit.watch(pid: 700)
        let syscall =
            "audit(1796158700.100:50): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c ppid=1 pid=700"
        audit.receive(type: 1300, text: Substring(syscall))
        audit.receive(type: 1302, text: #"audit(1796158700.100:50): item=0 name="/etc/shadow" inode=818"#)
        audit.receive(type: 1320, text: "audit(1796158700.100:50): ")
        // Someone else's refusal is dropped.
        audit.receive(type: 1300, text: "audit(1796158700.100:51): arch=c000003e syscall=257 success=no exit=-13 pid=9")
        audit.receive(type: 1320, text: "audit(1796158700.100:51): ")
        let held = audit.take(pid: 700)
        #expect(held.count == 1)
        #expect(held.first?.path == "/etc/shadow" && held.first?.blockers == ["permissions"])
        #expect(held.first?.syscall == 257)
        let marker =
            "audit(1796158820.351:20): pid=42 uid=0 auid=4294967295 ses=4294967295 msg='sandpit-landlock-sync=42.7'"
        #expect(LandlockAudit.parse(type: 1121, text: Substring(marker)) == .marker(pid: 42, token: 7))
    }

    @Test func otherAndMalformedRecordsAreIgnored() {
        #expect(LandlockAudit.parse(type: 1327, text: Self.recorded[3].1) == nil)
        // EOE ends an event (a refused open waits for it); PROCTITLE and the rest say nothing.
        #expect(LandlockAudit.parse(type: 1320, text: Self.recorded[4].1) == .endOfEvent(serial: 3))
        #expect(LandlockAudit.parse(type: 1423, text: "audit(1796158631.943") == nil)
        #expect(LandlockAudit.parse(type: 1423, text: "audit(1796158631.943:3): blockers=fs.read_file") == nil)
        #expect(LandlockAudit.parse(type: 1424, text: "audit(1.000:1): domain=zz status=allocated pid=1") == nil)
    }

    @Test func denialsGoToThePidThatCreatedTheDomain() {
        let audit = LandlockAudit(heldLimit: 100)
        audit.watch(pid: 5612)
        Self.feed(audit, Self.recorded)
        let denials = audit.take(pid: 5612)
        #expect(denials.map(\.path) == ["/etc/shadow", "/etc/hostname"])
        #expect(denials.map(\.syscall) == [257, 257])
        #expect(denials.map(\.serial) == [3, 4])
        #expect(audit.deallocatedCount(pid: 5612) == 2)
        #expect(audit.take(pid: 5612).isEmpty)
        audit.finish(pid: 5612)
        #expect(audit.deallocatedCount(pid: 5612) == nil)
    }

    @Test func recordsOfUnwatchedPidsAreDropped() {
        let audit = LandlockAudit(heldLimit: 100)
        audit.watch(pid: 1)
        Self.feed(audit, Array(Self.recorded.prefix(7)))
        audit.watch(pid: 5612)  // too late: the domain is already known to be someone else's
        audit.receive(type: 1423, text: #"audit(1796158631.990:6): domain=12af0e430 blockers=fs.read_file path="/x""#)
        #expect(audit.take(pid: 1).isEmpty)
        #expect(audit.take(pid: 5612).isEmpty)
        #expect(audit.deallocatedCount(pid: 5612) == nil)
    }

    @Test func anAccessWaitsForItsDomainToBeNamed() {
        // Without an audit context (an audit rule "-a never,task"), each record has its own serial.
        let audit = LandlockAudit(heldLimit: 100)
        audit.watch(pid: 77)
        audit.receive(type: 1423, text: #"audit(1.001:10): domain=abc blockers=fs.write_file path="/etc/passwd""#)
        #expect(audit.take(pid: 77).isEmpty)
        audit.receive(type: 1424, text: #"audit(1.001:11): domain=abc status=allocated mode=enforcing pid=77 uid=0"#)
        audit.receive(type: 1423, text: #"audit(1.002:12): domain=abc blockers=net.connect_tcp daddr=10.0.0.1 dest=80"#)
        let denials = audit.take(pid: 77)
        #expect(denials.map(\.blockers) == [["fs.write_file"], ["net.connect_tcp"]])
        #expect(denials.allSatisfy { $0.syscall == nil })
        #expect(audit.deallocatedCount(pid: 77) == nil)
        audit.receive(type: 1424, text: "audit(1.500:13): domain=abc status=deallocated denials=5")
        #expect(audit.deallocatedCount(pid: 77) == 5)
    }

    @Test func heldDenialsAreBoundedAndTheRestCounted() {
        let audit = LandlockAudit(heldLimit: 3)
        audit.watch(pid: 9)
        audit.receive(type: 1424, text: "audit(1.000:1): domain=f status=allocated mode=enforcing pid=9 uid=0")
        for serial in 2...6 {
            audit.receive(
                type: 1423, text: Substring("audit(1.000:\(serial)): domain=f blockers=fs.read_file path=\"/a\""))
        }
        #expect(audit.take(pid: 9).count == 3)
        #expect(audit.droppedCount(pid: 9) == 2)
    }

    @Test func netlinkMessagesAreSplitAndFiltered() {
        func message(_ type: UInt16, _ text: String) -> [UInt8] {
            let body = Array(text.utf8)
            var bytes: [UInt8] = []
            withUnsafeBytes(of: UInt32(16 + body.count)) { bytes += $0 }
            withUnsafeBytes(of: type) { bytes += $0 }
            bytes += [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
            bytes += body
            while bytes.count % 4 != 0 { bytes.append(0) }
            return bytes
        }
        let buffer =
            message(1423, "audit(1.000:1): a=b") + message(1327, "audit(1.000:1): proctitle=6C73")
            + message(1300, "audit(1.000:1): arch=c000003e syscall=2")
        var seen: [(UInt16, String)] = []
        LandlockAudit.messages(in: buffer[...]) { seen.append(($0, String($1))) }
        #expect(seen.map(\.0) == [1423, 1300])  // PROCTITLE is skipped unread
        #expect(seen.map(\.1) == ["audit(1.000:1): a=b", "audit(1.000:1): arch=c000003e syscall=2"])
    }

    @Test func availabilityIsActiveOrSaysWhatIsMissing() {
        let availability = LandlockAudit.shared.availability
        if case .unavailable(let reason) = availability {
            #expect(reason.hasPrefix("landlock: denials not observable (") && !reason.contains("\n"))
        }
    }

    static let active = "needs LandlockAudit.shared active: root, Landlock ABI 7+, kernel audit"

    @Test(.enabled(if: LandlockAudit.shared.availability == .active, Comment(rawValue: active)))
    func anotherReaderSyncsAndStops() {
        let reader = LandlockAudit()
        #expect(reader.availability == .active)
        #expect(reader.sync(timeoutMilliseconds: 2000))
        reader.stop()
        let deadline = LandlockAudit.nowMillis() + 2000
        while reader.isReading && LandlockAudit.nowMillis() < deadline { usleep(5000) }
        #expect(!reader.isReading)
        #expect(!reader.sync(timeoutMilliseconds: 300))
    }

    @Test(.enabled(if: LandlockAudit.shared.availability == .active, Comment(rawValue: active)))
    func enablingAuditAgainIsAcknowledged() {
        // What start-up sends when audit is off; with audit on it changes nothing.
        var change = sandpit_audit_status()
        change.mask = UInt32(SANDPIT_AUDIT_STATUS_ENABLED)
        change.enabled = 1
        let payload = withUnsafeBytes(of: change) { Array($0) }
        #expect(LandlockAudit.request(UInt16(SANDPIT_AUDIT_SET), payload, reply: nil).code == 0)
        let (code, status) = LandlockAudit.status()
        #expect(code == 0 && status.enabled >= 1)
        #expect(LandlockAudit.kernelLostCount() != nil)
    }

    /// Restricts itself to no file reads (Landlock ABI 1 rights), then opens two files.
    static let deniedOpens = """
        import ctypes, os, time
        libc = ctypes.CDLL(None, use_errno=True)
        time.sleep(0.2)
        attr = (ctypes.c_uint64 * 3)(1 << 2, 0, 0)
        fd = libc.syscall(444, ctypes.byref(attr), 24, 0)
        assert fd >= 0 and libc.prctl(38, 1, 0, 0, 0) == 0 and libc.syscall(446, fd, 0) == 0
        for path in ("/etc/shadow", "/etc/hostname"):
            try:
                os.open(path, os.O_RDONLY)
                raise SystemExit(3)
            except PermissionError:
                pass
        """

    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
                && LandlockAudit.shared.availability == .active,
            "needs /usr/bin/python3, and LandlockAudit.shared active: root, Landlock ABI 7+, kernel audit"))
    func aRealProcessesDenialsArrive() throws {
        let audit = LandlockAudit.shared
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", Self.deniedOpens]
        try process.run()
        let pid = process.processIdentifier
        audit.watch(pid: pid)
        defer { audit.finish(pid: pid) }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(audit.sync(pid: pid, timeoutMilliseconds: 10_000))
        let denials = audit.take(pid: pid)
        #expect(denials.map(\.path) == ["/etc/shadow", "/etc/hostname"])
        #expect(denials.allSatisfy { $0.blockers == ["fs.read_file"] && $0.category == "filesystem" })
        #expect(denials.allSatisfy { $0.syscall == SeccompCompiler.number(of: "openat") })
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(denials.allSatisfy { abs(now - $0.realtimeMillis) < 60_000 })
        #expect(audit.deallocatedCount(pid: pid) == 2)
    }
}
