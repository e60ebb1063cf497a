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
            let seen = landlockSeen[pid, default: 0] + denials.count
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
            landlockSeen[pid] = nil
        } else {
            landlockSeen[pid, default: 0] += denials.count
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
    private func charge(_ event: inout SafetyEvent, at realtimeMillis: Int64, pending: inout PendingResults) {
        var realtime = timespec()
        clock_gettime(CLOCK_REALTIME, &realtime)
        let offset = Int64(realtime.tv_sec) * 1_000_000_000 + Int64(realtime.tv_nsec) - Int64(Self.now())
        let stamped = realtimeMillis * 1_000_000 - offset
        // The coarse clock lags the event by up to a tick: the event is in [stamped, stamped + 5 ms).
        let from = stamped - 1_000_000
        let until = stamped + 5_000_000
        var best: (sequence: UInt64, overlap: Int64)?
        for window in claimedWindows {
            let overlap = min(until, Int64(window.finished)) - max(from, Int64(window.started))
            if overlap >= 0 && overlap > (best?.overlap ?? -1) { best = (window.sequence, overlap) }
        }
        if let best, let finished = recentlyFinished[best.sequence] {
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
