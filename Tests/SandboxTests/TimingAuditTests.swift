import Testing

@testable import Sandbox

/// The host's checks of a worker's timing claims (see `TimingAudit`).
struct TimingAuditTests {
    /// One claim: sent and received as the host saw them, started and finished as claimed.
    static func claim(
        _ audit: inout TimingAudit, _ id: String, sent: UInt64, received: UInt64, started: UInt64, finished: UInt64
    ) -> Bool {
        audit.check(caseID: id, sent: sent, received: received, started: started, finished: finished)
    }

    @Test func honestClaimsPass() {
        var audit = TimingAudit()
        audit.newWorker()
        // Sent at 0 and 10, answers read at 150 and 260 (late, together): the claims fit.
        let first = Self.claim(&audit, "a", sent: 0, received: 150, started: 5, finished: 105)
        let second = Self.claim(&audit, "b", sent: 10, received: 260, started: 106, finished: 206)
        audit.checkCPU(mainThreadNanos: 200)
        #expect(first && second)
        #expect(audit.violations == 0)
    }

    @Test(arguments: [
        (UInt64(100), UInt64(50), "finished before it started"),
        (UInt64(0), UInt64(50), "before the host sent it"),
        (UInt64(20), UInt64(400), "after the host had its answer"),
    ])
    func aClaimOutsideWhatTheHostSawIsFlagged(started: UInt64, finished: UInt64, words: String) {
        var audit = TimingAudit()
        let accepted = Self.claim(&audit, "x", sent: 10, received: 300, started: started, finished: finished)
        #expect(!accepted)
        #expect(audit.violations == 1)
        #expect(audit.notes.first?.contains(words) == true, "\(audit.notes)")
    }

    @Test func overlappingCasesAreFlagged() {
        var audit = TimingAudit()
        let first = Self.claim(&audit, "a", sent: 0, received: 500, started: 10, finished: 300)
        let second = Self.claim(&audit, "b", sent: 0, received: 600, started: 200, finished: 400)
        #expect(first && !second)
        #expect(audit.notes.first?.contains("before the previous case finished") == true)
    }

    @Test func claimsFarBelowTheMainThreadsCPUAreFlagged() {
        var lying = TimingAudit()
        var honest = TimingAudit()
        for i in 0..<100 {
            let t = UInt64(i) * 3_000_000
            // 1 µs claimed against 2 ms claimed, for the same 200 ms of main-thread CPU.
            _ = Self.claim(&lying, "\(i)", sent: t, received: t + 2_900_000, started: t + 1000, finished: t + 2000)
            _ = Self.claim(
                &honest, "\(i)", sent: t, received: t + 2_900_000, started: t + 1000, finished: t + 2_001_000)
        }
        lying.checkCPU(mainThreadNanos: 200_000_000)
        honest.checkCPU(mainThreadNanos: 200_000_000)
        #expect(lying.violations == 1)
        #expect(honest.violations == 0)
    }
}
