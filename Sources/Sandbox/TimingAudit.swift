import Glibc

/// Checks the service times a worker reports against what the host saw.
///
/// The worker times each `run` call itself (the host reads answers late, and several at a
/// time, when it is descheduled), but the worker runs plugin code, so its figures are
/// claims. An honest worker's claims satisfy, for each case on one worker:
/// sent ≤ started ≤ finished ≤ received, and started ≥ the previous case's finished (one
/// thread runs the cases in turn); so together they never add up to more than the host saw
/// the worker busy. And they cannot be much smaller than the CPU time its main thread used
/// while serving them. A trial with a claim that breaks any of these is
/// `timing_inconsistent`: its latency is shown but not graded.
struct TimingAudit: Sendable {
    /// Claims that broke a rule, over the whole slot.
    private(set) var violations = 0
    /// The first few, in words.
    private(set) var notes: [String] = []
    private var lastFinished: UInt64 = 0
    /// Service time claimed, cases answered, and bytes of answers and output moved, by the
    /// current worker.
    private var claimedNanos: UInt64 = 0
    private var answered = 0
    private var movedBytes: UInt64 = 0

    /// CPU time the worker spends on one case outside `run` (reading the frame, collecting
    /// output, writing the answer), allowed for generously: a few µs are measured here.
    static let overheadNanosPerCase: UInt64 = 25_000
    /// And per byte of answer, stdout and stderr it copies and sends (memory moves at several
    /// GB/s; 2 ns a byte is generous).
    static let overheadNanosPerByte: UInt64 = 2
    /// Slack on the CPU comparison: schedstat and the monotonic clock tick differently.
    static let cpuSlackNanos: UInt64 = 2_000_000

    /// A new worker started: its claims are checked from here.
    mutating func newWorker() {
        lastFinished = 0
        claimedNanos = 0
        answered = 0
        movedBytes = 0
    }

    /// Checks one answer's claim; returns whether it is plausible.
    mutating func check(
        caseID: String, sent: UInt64, received: UInt64, started: UInt64, finished: UInt64, bytes: Int = 0
    ) -> Bool {
        movedBytes += UInt64(max(0, bytes))
        var problem: String?
        if finished < started {
            problem = "finished before it started"
        } else if started < sent {
            problem = "started \(micros(sent - started)) µs before the host sent it"
        } else if finished > received {
            problem = "finished \(micros(finished - received)) µs after the host had its answer"
        } else if started < lastFinished {
            problem = "started \(micros(lastFinished - started)) µs before the previous case finished"
        }
        lastFinished = max(lastFinished, finished)
        if let problem {
            flag("case \(caseID): the worker's times say it \(problem)")
            return false
        }
        claimedNanos += finished - started
        answered += 1
        return true
    }

    /// At a clean shutdown: the claims of this worker against its main thread's CPU time
    /// since it was ready (`/proc/PID/task/PID/schedstat`, nanoseconds).
    mutating func checkCPU(mainThreadNanos: UInt64) {
        let allowance =
            UInt64(answered) * Self.overheadNanosPerCase + movedBytes * Self.overheadNanosPerByte + Self.cpuSlackNanos
        guard mainThreadNanos > claimedNanos + allowance else { return }
        flag(
            "the worker claimed \(micros(claimedNanos)) µs of service for \(answered) cases, but its main thread "
                + "used \(micros(mainThreadNanos)) µs of CPU")
    }

    private mutating func flag(_ note: String) {
        violations += 1
        if notes.count < 5 { notes.append(note) }
    }

    private func micros(_ nanos: UInt64) -> UInt64 { nanos / 1000 }

    /// The CPU time a thread of another process has used, in nanoseconds, from
    /// `/proc/PID/task/TID/schedstat` (a thread CPU clock of another process cannot be read).
    static func threadCPUNanos(pid: pid_t, tid: pid_t) -> UInt64? {
        let fd = open("/proc/\(pid)/task/\(tid)/schedstat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 96)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0, let first = buffer[0..<n].split(separator: 0x20).first else { return nil }
        return UInt64(String(decoding: first, as: UTF8.self))
    }
}
