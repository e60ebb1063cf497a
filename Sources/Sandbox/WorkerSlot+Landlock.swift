import Glibc

extension WorkerSlot {
    /// The audit reader when this machine lets the host see Landlock denials, else nil (the
    /// trial's isolation notes then say so).
    var landlockAudit: LandlockAudit? {
        LandlockAudit.shared.availability == .active ? LandlockAudit.shared : nil
    }

    /// Starts watching a new worker's Landlock denials (before it runs plugin code).
    func watchLandlock(_ pid: pid_t) { landlockAudit?.watch(pid: pid) }

    /// A note for the trial when Landlock denials cannot be seen here.
    var landlockAuditNote: String? {
        if case .unavailable(let reason) = LandlockAudit.shared.availability { return reason }
        return nil
    }

    /// Charges the Landlock denials the kernel has reported for the worker to its cases.
    ///
    /// The kernel stamps each with its coarse realtime clock (a few ms), so a denial goes to
    /// the case whose worker-measured run overlaps that moment most, else to the case
    /// running now. With `exited`, the worker has just died or exited: its records are
    /// waited for (bounded) and it is forgotten.
    func collectLandlockDenials(pending: inout PendingResults, exited: pid_t? = nil) {
        guard let audit = landlockAudit, let pid = exited ?? process?.pid else { return }
        if exited != nil { _ = audit.sync(timeoutMilliseconds: 200) }
        let denials = audit.take(pid: pid)
        if exited != nil {
            let seen = landlockSeen + denials.count
            // The kernel counts every denial of the domain; records past its backlog are lost.
            if audit.sync(pid: pid, timeoutMilliseconds: 300), let counted = audit.deallocatedCount(pid: pid),
                counted > seen
            {
                pending.addLate([
                    SafetyEvent(
                        kind: .deniedAccess, caseID: nil,
                        detail: "Landlock denied \(counted - seen) more access(es) the audit log did not report",
                        category: "filesystem", phase: readyRealtimeMillis == .max ? "load" : "run")
                ])
            }
            audit.finish(pid: pid)
            landlockSeen = 0
        } else {
            landlockSeen += denials.count
        }
        guard !denials.isEmpty else { return }
        for denial in denials {
            let what = denial.blockers.joined(separator: ",")
            var detail = "Landlock denied \(what)"
            if denial.blockers == ["permissions"] {
                detail = "refused by file permissions, before Landlock was asked,"
            }
            if let path = denial.path {
                detail += " on \(path)"
            } else if !denial.detail.isEmpty {
                detail += " (\(denial.detail))"
            }
            let name = denial.syscall.flatMap { SyscallNames.shared.name(of: $0) }
            var event = SafetyEvent(
                kind: .deniedAccess, caseID: nil, syscall: name, detail: detail, category: denial.category,
                phase: "run")
            if denial.realtimeMillis < readyRealtimeMillis {
                // Stamped before the worker was ready: it happened while the plugin loaded.
                event.phase = "load"
                pending.addLate([event])
            } else {
                charge(&event, at: denial.realtimeMillis, pending: &pending)
            }
        }
    }

    /// Finds the case a denial stamped `realtimeMillis` belongs to, and records it there.
    ///
    /// The stamp and the worker's readings around `run` come from the same coarse clock, so a
    /// denial made during a case lies within that case's readings; when several cases share
    /// the tick, the first of them is charged.
    private func charge(_ event: inout SafetyEvent, at realtimeMillis: Int64, pending: inout PendingResults) {
        let stamp = UInt64(max(0, realtimeMillis))
        let window = claimedWindows.first { $0.started <= stamp && stamp <= $0.finished }
        if let window, let finished = recentlyFinished[window.sequence] {
            event.caseID = finished.caseID
            pending.attach(event, toCase: finished.index)
        } else if !inFlight.isEmpty {
            event.caseID = inFlight[0].trialCase.id
            inFlight[0].events.append(event)
        } else {
            pending.addLate([event])
        }
    }
}
