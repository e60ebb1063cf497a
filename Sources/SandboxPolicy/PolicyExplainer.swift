/// Says what a plugin under a policy can and cannot do, in plain English.
public enum PolicyExplainer {
    /// A capability a security team asks about, and the calls that grant it.
    struct Capability {
        var can: String
        var cannot: String
        var syscalls: [String]
        /// Whether having it deserves a warning.
        var risky: Bool
    }

    static let capabilities: [Capability] = [
        Capability(
            can: "open network sockets and connect", cannot: "open network connections (no socket, connect, bind)",
            syscalls: ["socket", "connect", "bind", "listen", "accept", "accept4", "sendto", "socketpair"], risky: true),
        Capability(
            can: "start processes or run programs", cannot: "start processes or run programs (no fork, no exec)",
            syscalls: ["execve", "execveat", "fork", "vfork"], risky: true),
        Capability(
            can: "open files for reading (only paths Landlock allows)",
            cannot: "open any file once loaded (it reads only what it already has open)",
            syscalls: ["openat", "open", "openat2"], risky: false),
        Capability(
            can: "start threads (clone with CLONE_THREAD only)", cannot: "start threads", syscalls: ["clone"],
            risky: false),
        Capability(
            can: "wait on timers and sleep", cannot: "sleep or read clocks beyond the vDSO",
            syscalls: ["nanosleep", "clock_nanosleep"], risky: false),
        Capability(
            can: "handle signals", cannot: "install signal handlers", syscalls: ["rt_sigaction"], risky: false),
        Capability(
            can: "use event loops (epoll, eventfd, timerfd)", cannot: "use event loops (epoll, eventfd, timerfd)",
            syscalls: ["epoll_create1", "eventfd2", "timerfd_create"], risky: false),
    ]

    /// The explanation, as lines of text.
    public static func explain(_ policy: Policy, path: String) -> [String] {
        let allowed = allowedNames(policy)
        var lines: [String] = []
        lines.append("Policy \(policy.name) (\(path))")
        if let parent = policy.extends { lines.append("  extends \(parent)") }
        if !policy.description.isEmpty { lines.append("  \(policy.description)") }
        if policy.learned {
            lines.append(
                "  LEARNED: written from what one plugin did on the cases it was run on; it covers only what was exercised."
            )
        }
        lines.append("")
        switch policy.seccomp.defaultAction {
        case .notify:
            lines.append(
                "Anything not listed is denied with EPERM and recorded by the host (syscall, arguments, case).")
        case .kill: lines.append("Anything not listed kills the worker; the case is recorded as killed_by_policy.")
        case .errno(let code):
            lines.append("Anything not listed fails with errno \(code), SILENTLY: denials are not recorded.")
        case .observe:
            lines.append("OBSERVE: anything not listed is ALLOWED and recorded; only kernel attack surface is denied.")
            lines.append("  Use it to learn what a plugin needs, never for a trial that matters.")
        }
        lines.append("")
        lines.append("A plugin under this policy CAN:")
        lines.append("  - compute, allocate memory (never executable once loaded) and use the descriptors it has")
        var cannot: [String] = []
        var risky: [String] = []
        for capability in capabilities {
            let granted = capability.syscalls.filter { allowed.contains($0) }
            if granted.isEmpty {
                cannot.append(capability.cannot)
            } else {
                lines.append("  - \(capability.can)  [\(granted.joined(separator: ", "))]")
                if capability.risky { risky.append("\(capability.can): \(granted.joined(separator: ", "))") }
            }
        }
        for rule in policy.seccomp.rules where rule.action == .allow {
            let when = rule.conditionTexts.isEmpty ? "always" : "when " + rule.conditionTexts.joined(separator: " and ")
            lines.append("  - call \(rule.syscall) \(when)")
        }
        lines.append("")
        lines.append("It CANNOT:")
        for item in cannot { lines.append("  - \(item)") }
        lines.append(
            "  - write, create or delete files (opening for writing is refused by seccomp, and Landlock grants no write)"
        )
        lines.append(
            "  - reach kernel attack surface: io_uring, bpf, perf_event_open, userfaultfd, keyctl, ptrace, "
                + "process_vm_*, mount, namespaces, personality, kexec, modules")
        lines.append("  - signal any process but itself, or run 32-bit (int 0x80) system calls (the worker is killed)")
        for rule in policy.seccomp.rules where rule.action != .allow {
            let when = rule.conditionTexts.isEmpty ? "" : " when " + rule.conditionTexts.joined(separator: " and ")
            let what: String
            switch rule.action {
            case .kill: what = "is killed if it calls"
            case .errno(let code): what = "silently fails (errno \(code)) to call"
            default: what = "is denied (and recorded) calling"
            }
            lines.append("  - (it \(what) \(rule.syscall)\(when))")
        }
        let attackSurface = allowed.intersection(SyscallGroups.neverAllowed)
        if policy.seccomp.unsafe || !attackSurface.isEmpty {
            risky.append("i_understand_this_is_unsafe is set: \(attackSurface.sorted().joined(separator: ", "))")
        }
        if case .errno = policy.seccomp.defaultAction { risky.append("denials are silent: nothing will be recorded") }
        if case .observe = policy.seccomp.defaultAction { risky.append("observe lets nearly everything through") }
        if !policy.readOnlyPaths.isEmpty {
            risky.append("reads these paths: \(policy.readOnlyPaths.joined(separator: ", ")) (is any of them secret?)")
        }
        let l = policy.limits
        lines.append("")
        lines.append(
            "Limits: memory \(l.memoryBytes >> 20) MiB, \(format(l.wallSecondsPerCase)) s a case, "
                + "\(format(l.cpuSecondsPerCase)) CPU s a case, \(format(l.wallSecondsPerTrial)) s a trial, "
                + "\(l.cpuSecondsPerWorker) CPU s a worker, "
                + "\(l.answerBytes >> 10) KiB an answer, \(l.outputBytes >> 10) KiB of stdout+stderr a case, "
                + "\(l.openFiles) open files, \(l.threads) threads; "
                + "the trial is aborted after \(l.maxConsecutiveFailures) cases in a row time out or crash.")
        lines.append(
            "Files: the plugin, its libraries and the Swift runtime, read only"
                + (policy.readOnlyPaths.isEmpty
                    ? "; nothing else." : "; and " + policy.readOnlyPaths.joined(separator: ", ") + "."))
        lines.append("Network: none.")
        let required = policy.required.map(\.rawValue).sorted()
        lines.append(
            required.isEmpty
                ? "Requires no layer: a trial runs with whatever this machine offers (and records it)."
                : "Refuses to start unless these layers are active: \(required.joined(separator: ", ")).")
        if !risky.isEmpty {
            lines.append("")
            lines.append("RISKY:")
            for item in risky { lines.append("  ! \(item)") }
        }
        return lines
    }

    /// Every name the policy lets through unconditionally or with conditions.
    public static func allowedNames(_ policy: Policy) -> Set<String> {
        Set(policy.seccomp.allowed + policy.seccomp.rules.filter { $0.action == .allow }.map(\.syscall))
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

/// What one policy allows that another does not.
public struct PolicyDiff: Sendable {
    public var onlyInFirst: [String]
    public var onlyInSecond: [String]
    public var changes: [String]

    /// Compares `a` and `b`.
    public init(_ a: Policy, _ b: Policy) {
        func entries(_ p: Policy) -> Set<String> {
            var set = Set(p.seccomp.allowed)
            for rule in p.seccomp.rules where rule.action == .allow {
                set.insert(
                    rule.conditionTexts.isEmpty
                        ? rule.syscall : "\(rule.syscall) when \(rule.conditionTexts.joined(separator: " and "))")
            }
            for name in p.seccomp.allowedWhileLoading { set.insert("\(name) (while loading)") }
            return set
        }
        let ea = entries(a)
        let eb = entries(b)
        onlyInFirst = ea.subtracting(eb).sorted()
        onlyInSecond = eb.subtracting(ea).sorted()
        var changes: [String] = []
        func compare<T: Equatable>(_ name: String, _ x: T, _ y: T, _ show: (T) -> String = { "\($0)" }) {
            if x != y { changes.append("\(name): \(show(x)) → \(show(y))") }
        }
        compare("default", "\(a.seccomp.defaultAction)", "\(b.seccomp.defaultAction)")
        compare("memory", a.limits.memoryBytes, b.limits.memoryBytes) { "\($0 >> 20) MiB" }
        compare("wall_seconds_per_case", a.limits.wallSecondsPerCase, b.limits.wallSecondsPerCase)
        compare("cpu_seconds_per_case", a.limits.cpuSecondsPerCase, b.limits.cpuSecondsPerCase)
        compare("wall_seconds_per_trial", a.limits.wallSecondsPerTrial, b.limits.wallSecondsPerTrial)
        compare("cpu_seconds_per_worker", a.limits.cpuSecondsPerWorker, b.limits.cpuSecondsPerWorker)
        compare("answer_bytes", a.limits.answerBytes, b.limits.answerBytes)
        compare("output_bytes", a.limits.outputBytes, b.limits.outputBytes)
        compare("open_files", a.limits.openFiles, b.limits.openFiles)
        compare("threads", a.limits.threads, b.limits.threads)
        compare("max_consecutive_failures", a.limits.maxConsecutiveFailures, b.limits.maxConsecutiveFailures)
        compare("read_only", a.readOnlyPaths, b.readOnlyPaths) { $0.isEmpty ? "none" : $0.joined(separator: ", ") }
        compare("require", a.required.map(\.rawValue).sorted(), b.required.map(\.rawValue).sorted()) {
            $0.joined(separator: ", ")
        }
        compare("i_understand_this_is_unsafe", a.seccomp.unsafe, b.seccomp.unsafe)
        self.changes = changes
    }
}
