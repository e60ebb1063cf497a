import CSandpitShims
import Glibc
import SandboxPolicy

extension WorkerSlot {
    /// What the host does with one notified call.
    enum Decision: Equatable {
        /// Let it run: decided on register values only, never on memory the plugin can change.
        case proceed
        /// Fail it with this errno; `record` is false only for a policy's silent errno default.
        case deny(errno: Int32, record: Bool)
        /// Kill the worker (a `kill` default).
        case kill
        /// Let it run and record it (the `observe` default, for `policy learn`).
        case observe
    }

    /// Answers every pending notification.
    func handleNotifications() {
        guard let process, process.listener >= 0 else { return }
        while true {
            var pending = pollfd(fd: process.listener, events: Int16(POLLIN), revents: 0)
            guard poll(&pending, 1, 0) > 0, pending.revents & Int16(POLLIN) != 0 else { return }
            var note = sandpit_notification()
            guard sandpit_notification_receive(process.listener, &note) == 0 else {
                // ENOENT: the caller died (or was interrupted) before we got to it.
                if sandpit_errno() == ENOENT || sandpit_errno() == EINTR { continue }
                return
            }
            let arguments = withUnsafeBytes(of: note.args) { Array($0.bindMemory(to: UInt64.self)) }
            let name = SyscallNames.shared.name(of: note.syscall_nr)
            let decision = decide(name: name, number: note.syscall_nr, arguments: arguments, pid: process.pid)
            // Recorded before the answer: until then the calling thread is blocked in the call,
            // so the running-case page still names the case that made it.
            switch decision {
            case .proceed:
                _ = sandpit_notification_respond(process.listener, note.id, 0, 0, 1)
            case .deny(let code, let record):
                if record { recordDenial(name: name, number: note.syscall_nr, arguments: arguments, errno: code) }
                _ = sandpit_notification_respond(process.listener, note.id, code, -1, 0)
            case .observe:
                recordDenial(name: name, number: note.syscall_nr, arguments: arguments, errno: nil, observed: true)
                _ = sandpit_notification_respond(process.listener, note.id, 0, 0, 1)
            case .kill:
                recordDenial(name: name, number: note.syscall_nr, arguments: arguments, errno: nil)
                killReason = (.killedByPolicy, "\(name ?? "syscall \(note.syscall_nr)") is forbidden by the policy")
                killNow(process)
                return
            }
            if denials > Self.denialLimit && killReason == nil {
                killReason = (.killedByPolicy, "more than \(Self.denialLimit) denied system calls")
                killNow(process)
                return
            }
        }
    }

    /// Kills the worker but leaves its socket open: answers it sent before dying are still
    /// read, and the case it was running (from the page, read first) takes the blame.
    func killNow(_ process: WorkerProcess) {
        killedSequence = process.runningSequence
        kill(-process.pid, SIGKILL)
        kill(process.pid, SIGKILL)
    }

    func decide(name: String?, number: Int32, arguments: [UInt64], pid: pid_t) -> Decision {
        if let name, ["kill", "tgkill", "tkill"].contains(name), targetsSelf(name, arguments, pid: pid) {
            return .proceed
        }
        if phase == .loading, let name {
            let execMapping = ["mmap", "mprotect", "pkey_mprotect"].contains(name)
            if execMapping || launch.filter.continueWhileLoading[number] != nil {
                // Mappings are checked by kind, not by flags: the exec bit is what sent them here.
                if execMapping || BuiltInConditions.permit(name, arguments) { return .proceed }
            }
        }
        // A number with no name is a call this policy cannot know: ENOSYS, as for any new call.
        guard let name else { return .deny(errno: ENOSYS, record: true) }
        if launch.filter.notifyRules.contains(number) { return .deny(errno: EPERM, record: true) }
        switch launch.filter.defaultAction {
        case .notify: return .deny(errno: EPERM, record: true)
        case .errno(let code): return .deny(errno: code, record: false)
        case .kill: return .kill
        case .observe:
            return SyscallGroups.kernelAttackSurface.contains(name) ? .deny(errno: EPERM, record: true) : .observe
        }
    }

    /// Whether a kill/tgkill/tkill is aimed at the worker itself (its pid is its own
    /// process group and session, so nothing else shares it).
    func targetsSelf(_ name: String, _ arguments: [UInt64], pid: pid_t) -> Bool {
        let target = Int32(truncatingIfNeeded: arguments[0])
        switch name {
        case "kill", "tgkill": return target == pid
        default:  // tkill takes a thread id
            return target == pid || access("/proc/\(pid)/task/\(target)", F_OK) == 0
        }
    }

    func recordDenial(name: String?, number: Int32, arguments: [UInt64], errno code: Int32?, observed: Bool = false) {
        if !observed { denials += 1 }
        let answer =
            observed
            ? "allowed and recorded (observe)"
            : code.map { $0 == EPERM ? "denied with EPERM" : "denied with errno \($0)" } ?? "worker killed"
        // The calling thread is blocked in the call, so the page says which case made it.
        let running = process?.runningSequence ?? 0
        // 0 is between cases: a plugin thread, charged to no case. No page at all: the head.
        let position =
            process?.page == nil
            ? (inFlight.isEmpty ? nil : 0) : running == 0 ? nil : inFlight.firstIndex { $0.sequence == running } ?? 0
        let event = SafetyEvent(
            kind: observed ? .observedSyscall : .deniedSyscall, caseID: position.map { inFlight[$0].trialCase.id },
            syscall: name ?? "syscall_\(number)",
            arguments: arguments, detail: answer, category: SyscallCategory.of(name),
            phase: phase == .loading ? "load" : "run")
        if let position {
            inFlight[position].events.append(event)
        } else if loadEvents.count < Self.denialLimit {
            loadEvents.append(event)
        }
    }
}

/// System-call names by number, resolved once each through libseccomp.
final class SyscallNames: @unchecked Sendable {
    // The cache is guarded by `lock`; lookups are rare (denials only).
    private var cache: [Int32: String?] = [:]
    private var lock = pthread_mutex_t()

    static let shared = SyscallNames()

    private init() { pthread_mutex_init(&lock, nil) }

    func name(of number: Int32) -> String? {
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        if let cached = cache[number] { return cached }
        let name = SeccompCompiler.name(of: number)
        cache[number] = name
        return name
    }
}
