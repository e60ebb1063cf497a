import CSandpitShims
import CSeccomp
import Glibc
import SandboxPolicy

/// A policy's seccomp filter, compiled by libseccomp into BPF for the worker to install,
/// plus what the host needs to answer the filter's notifications.
public struct CompiledFilter: Sendable {
    /// BPF instructions, 8 bytes each.
    public var bpf: [UInt8]
    /// What a notified call gets once loading is over.
    public var defaultAction: SeccompRules.DefaultAction
    /// Calls the host lets continue while the plugin loads and opens, by number.
    public var continueWhileLoading: [Int32: String]
    /// Calls a rule sends to the host to be denied and recorded, whatever the default.
    public var notifyRules: Set<Int32> = []
    /// Number of BPF instructions.
    public var instructionCount: Int { bpf.count / 8 }
}

/// Compiles a ``Policy`` with libseccomp.
///
/// The filter always: kills the process on a foreign architecture (`int 0x80`, x32),
/// answers `clone3` with ENOSYS so libc falls back to `clone` (whose flags it can check),
/// tells `setpriority` it succeeded (Dispatch calls it), and sends every other call that
/// is not allowed to the host through user notification — including the calls that only
/// loading needs, which the host lets continue until the plugin's `open` has returned.
public enum SeccompCompiler {
    /// What the worker itself needs after its filter is in place, whatever the policy.
    static let workerNeeds = [
        "read", "write", "close", "exit_group", "exit", "rt_sigreturn", "brk", "mmap", "munmap",
        "mremap",
    ]
    /// What `dlopen` needs; allowed while loading even under a policy that forbids it later.
    static let loadingNeeds = [
        "openat", "newfstatat", "fstat", "pread64", "lseek", "mprotect", "mmap", "read", "close", "munmap", "madvise",
        "getrandom", "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getcwd", "statfs", "fstatfs",
        "sched_getaffinity",
    ]

    /// Compiles `policy` for the native architecture.
    ///
    /// - Throws: ``SandboxError`` (`.policy`) naming a system call this kernel or
    ///   libseccomp does not know.
    public static func compile(_ policy: Policy, policyPath: String) throws(SandboxError) -> CompiledFilter {
        let defaultBits: UInt32
        switch policy.seccomp.defaultAction {
        case .notify, .errno, .observe: defaultBits = UInt32(SCMP_ACT_NOTIFY)
        case .kill: defaultBits = UInt32(SCMP_ACT_KILL_PROCESS)
        }
        guard let context = seccomp_init(defaultBits) else {
            throw SandboxError(.policy, path: policyPath, "libseccomp could not create a filter")
        }
        defer { seccomp_release(context) }
        func check(_ rc: Int32, _ what: String) throws(SandboxError) {
            guard rc == 0 else {
                throw SandboxError(.policy, path: policyPath, "\(what): \(String(cString: strerror(-rc)))")
            }
        }
        try check(seccomp_attr_set(context, SCMP_FLTATR_ACT_BADARCH, UInt32(SCMP_ACT_KILL_PROCESS)), "bad-arch action")
        // no_new_privs is set by the worker itself before Landlock; the exported BPF carries no attributes.
        try check(seccomp_attr_set(context, SCMP_FLTATR_CTL_OPTIMIZE, 2), "binary-tree optimisation")

        func number(_ name: String) throws(SandboxError) -> Int32 {
            let nr = seccomp_syscall_resolve_name(name)
            guard nr != __NR_SCMP_ERROR else {
                let place = policy.seccomp.places[name] ?? policyPath
                throw SandboxError(.policy, path: place, "unknown system call \(name)")
            }
            return nr
        }
        func add(_ action: UInt32, _ name: String, _ unmerged: [ArgumentCondition]) throws(SandboxError) {
            let nr = try number(name)
            let conditions: [ArgumentCondition]
            switch Self.merge(unmerged) {
            case .merged(let merged): conditions = merged
            case .never: return  // no call can match: nothing to add
            case .cannotCombine(let index):
                let place = policy.seccomp.places[name] ?? policyPath
                throw SandboxError(
                    .policy, path: place,
                    "\(name): two conditions on arg\(index) that libseccomp cannot combine (only masked == conditions on the same argument combine)"
                )
            }
            var raw = conditions.map(Self.raw)
            let rc = raw.withUnsafeMutableBufferPointer {
                seccomp_rule_add_array(context, action, nr, UInt32($0.count), $0.baseAddress)
            }
            // EEXIST: the same rule again (a name in two groups); not an error.
            guard rc == 0 || rc == -EEXIST else {
                throw SandboxError(.policy, path: policyPath, "rule for \(name): \(String(cString: strerror(-rc)))")
            }
        }
        func allow(_ name: String) throws(SandboxError) {
            if name == "setpriority" {
                try add(0x0005_0000, name, [])  // SCMP_ACT_ERRNO(0): told it worked, nothing changes
                return
            }
            if let alternatives = BuiltInConditions.alternatives(for: name) {
                for conditions in alternatives { try add(UInt32(SCMP_ACT_ALLOW), name, conditions) }
            } else {
                try add(UInt32(SCMP_ACT_ALLOW), name, [])
            }
        }

        let allowed = Set(policy.seccomp.allowed)
        for name in policy.seccomp.allowed + workerNeeds { try allow(name) }
        var notifyRules = Set<Int32>()
        for rule in policy.seccomp.rules {
            switch rule.action {
            case .allow:
                let builtIn = BuiltInConditions.alternatives(for: rule.syscall) ?? [[]]
                for conditions in builtIn {
                    try add(UInt32(SCMP_ACT_ALLOW), rule.syscall, conditions + rule.conditions)
                }
            case .notify:
                // libseccomp refuses a rule whose action is the default's: the default already does it.
                if defaultBits != UInt32(SCMP_ACT_NOTIFY) || !rule.conditions.isEmpty {
                    try add(UInt32(SCMP_ACT_NOTIFY), rule.syscall, rule.conditions)
                }
                notifyRules.insert(try number(rule.syscall))
            case .kill:
                if defaultBits != UInt32(SCMP_ACT_KILL_PROCESS) || !rule.conditions.isEmpty {
                    try add(UInt32(SCMP_ACT_KILL_PROCESS), rule.syscall, rule.conditions)
                }
            case .errno(let code): try add(0x0005_0000 | UInt32(code), rule.syscall, rule.conditions)
            }
        }
        // Only the worker's socket: the fd that carries the listener to the host.
        try add(UInt32(SCMP_ACT_ALLOW), "sendmsg", [.int32(0, equals: 3)])
        try add(0x0005_0000 | UInt32(ENOSYS), "clone3", [])

        var whileLoading: [Int32: String] = [:]
        for name in loadingNeeds + policy.seccomp.allowedWhileLoading {
            whileLoading[try number(name)] = name
            // Under a kill default, a loading call must still reach the host to be let through.
            if policy.seccomp.defaultAction == .kill && !allowed.contains(name) {
                try add(UInt32(SCMP_ACT_NOTIFY), name, [])
            }
        }
        if policy.seccomp.defaultAction == .kill {
            for name in ["mmap", "mprotect"] {
                try add(
                    UInt32(SCMP_ACT_NOTIFY), name,
                    [.masked(2, BuiltInConditions.protExec, equals: BuiltInConditions.protExec)])
            }
            for name in ["kill", "tgkill", "tkill"] { try add(UInt32(SCMP_ACT_NOTIFY), name, []) }
        }

        let bpf = try export(context, policyPath: policyPath)
        return CompiledFilter(
            bpf: bpf, defaultAction: policy.seccomp.defaultAction, continueWhileLoading: whileLoading,
            notifyRules: notifyRules)
    }

    enum Merged: Equatable {
        case merged([ArgumentCondition])
        /// The conditions contradict each other: no call matches.
        case never
        /// Two conditions on one argument that are not both masked equalities.
        case cannotCombine(Int)
    }

    /// libseccomp takes one comparison per argument in a rule. Masked equalities on the same
    /// argument combine: `a & m1 == v1` and `a & m2 == v2` is `a & (m1|m2) == v1|v2` when
    /// they agree on the bits both masks cover, and nothing otherwise.
    static func merge(_ conditions: [ArgumentCondition]) -> Merged {
        var out: [ArgumentCondition] = []
        for condition in conditions {
            guard let i = out.firstIndex(where: { $0.index == condition.index }) else {
                out.append(condition)
                continue
            }
            func masked(_ c: ArgumentCondition) -> (UInt64, UInt64)? {
                switch c.op {
                case .maskedEqual(let mask): return (mask, c.value)
                case .equal: return (UInt64.max, c.value)
                default: return nil
                }
            }
            guard let (m1, v1) = masked(out[i]), let (m2, v2) = masked(condition) else {
                return .cannotCombine(condition.index)
            }
            guard v1 & m2 == v2 & m1 else { return .never }
            out[i] = .masked(condition.index, m1 | m2, equals: v1 | v2)
        }
        return .merged(out)
    }

    private static func raw(_ condition: ArgumentCondition) -> scmp_arg_cmp {
        let op: scmp_compare
        // For SCMP_CMP_MASKED_EQ, datum_a is the mask and datum_b the value.
        var (a, b) = (condition.value, UInt64(0))
        switch condition.op {
        case .equal: op = SCMP_CMP_EQ
        case .notEqual: op = SCMP_CMP_NE
        case .less: op = SCMP_CMP_LT
        case .lessOrEqual: op = SCMP_CMP_LE
        case .greater: op = SCMP_CMP_GT
        case .greaterOrEqual: op = SCMP_CMP_GE
        case .maskedEqual(let mask):
            op = SCMP_CMP_MASKED_EQ
            (a, b) = (mask, condition.value)
        }
        return scmp_arg_cmp(arg: UInt32(condition.index), op: op, datum_a: a, datum_b: b)
    }

    /// libseccomp 2.5 exports only to a file descriptor: a memfd, read back.
    private static func export(_ context: scmp_filter_ctx, policyPath: String) throws(SandboxError) -> [UInt8] {
        let fd = sandpit_memfd("sandpit-filter")
        guard fd >= 0 else {
            throw SandboxError(.system, path: policyPath, "memfd_create: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let rc = seccomp_export_bpf(context, fd)
        guard rc == 0 else {
            throw SandboxError(.policy, path: policyPath, "exporting the filter: \(String(cString: strerror(-rc)))")
        }
        let size = lseek(fd, 0, SEEK_END)
        var bytes = [UInt8](repeating: 0, count: Int(size))
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n == size, size > 0, size % 8 == 0 else {
            throw SandboxError(.system, path: policyPath, "reading the exported filter back failed")
        }
        return bytes
    }

    /// The name of system call `number` on this architecture, or nil when it has none.
    public static func name(of number: Int32) -> String? {
        guard let raw = seccomp_syscall_resolve_num_arch(UInt32(SCMP_ARCH_NATIVE), number) else { return nil }
        defer { free(raw) }
        return String(cString: raw)
    }

    /// The number of system call `name` on this architecture, or nil.
    public static func number(of name: String) -> Int32? {
        let nr = seccomp_syscall_resolve_name(name)
        return nr == __NR_SCMP_ERROR ? nil : nr
    }
}
