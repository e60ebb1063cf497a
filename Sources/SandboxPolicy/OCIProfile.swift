import Foundation

/// OCI / Docker seccomp profiles: import into a sandpit policy, export from one.
///
/// What cannot be carried over is listed, never silently dropped: rules that need a
/// capability (sandpit workers have none), rules for other architectures, calls no sandpit
/// policy may allow, actions sandpit does not have, and names this kernel does not know.
public enum OCIProfile {
    /// The result of an import: the policy's YAML and what was left out, with why.
    public struct Imported: Sendable {
        public var yaml: String
        public var notCarried: [String]
    }

    static let operators: [String: String] = [
        "SCMP_CMP_EQ": "==", "SCMP_CMP_NE": "!=", "SCMP_CMP_LT": "<", "SCMP_CMP_LE": "<=", "SCMP_CMP_GT": ">",
        "SCMP_CMP_GE": ">=",
    ]
    static let nativeArchitectures: Set<String> = ["amd64", "x86_64", "SCMP_ARCH_X86_64"]

    /// Converts a profile.
    ///
    /// - Parameters:
    ///   - isKnown: whether this kernel and libseccomp know a system call name.
    /// - Throws: ``PolicyError`` when the file is not a seccomp profile.
    public static func importProfile(
        _ data: Data, file: String, name: String, isKnown: (String) -> Bool
    ) throws(PolicyError) -> Imported {
        guard let profile = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw PolicyError(file: file, "not a JSON object")
        }
        guard let defaultAction = profile["defaultAction"] as? String else {
            throw PolicyError(file: file, "no defaultAction: not an OCI seccomp profile")
        }
        var notCarried: [String] = []
        let defaultErrno = Int32(profile["defaultErrnoRet"] as? Int ?? 1)
        var writer = PolicyWriter(
            name: name, description: "Imported from \(URL(fileURLWithPath: file).lastPathComponent)")
        switch defaultAction {
        case "SCMP_ACT_ERRNO":
            writer.defaultAction = defaultErrno == 1 ? .notify : .errno(defaultErrno)
            if defaultErrno == 1 {
                notCarried.append("defaultAction SCMP_ACT_ERRNO(EPERM) becomes notify: still EPERM, and now recorded")
            }
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD":
            writer.defaultAction = .kill
        case "SCMP_ACT_TRAP":
            writer.defaultAction = .kill
            notCarried.append(
                "defaultAction SCMP_ACT_TRAP becomes kill (a trap is cooperative: the plugin could catch it)")
        default:
            writer.defaultAction = .notify
            notCarried.append(
                "defaultAction \(defaultAction) is not an allowlist; sandpit policies are: it becomes notify")
        }
        if let architectures = profile["architectures"] as? [String], !architectures.isEmpty,
            !architectures.contains("SCMP_ARCH_X86_64")
        {
            notCarried.append("architectures \(architectures.joined(separator: ", ")) do not include x86_64")
        }
        guard let entries = profile["syscalls"] as? [[String: Any]] else {
            throw PolicyError(file: file, "syscalls is missing or not a list of objects")
        }
        var allowSet = Set<String>()
        var foreign: [String] = []
        var unconditional: [String: SyscallRule.Action] = [:]
        for (index, entry) in entries.enumerated() {
            var names = entry["names"] as? [String] ?? []
            if let single = entry["name"] as? String { names.append(single) }
            guard !names.isEmpty, let action = entry["action"] as? String else {
                throw PolicyError(file: file, "syscalls[\(index)] needs names and an action")
            }
            let includes = entry["includes"] as? [String: Any] ?? [:]
            let excludes = entry["excludes"] as? [String: Any] ?? [:]
            let label =
                names.count > 3
                ? "\(names.prefix(3).joined(separator: ", ")) and \(names.count - 3) more"
                : names.joined(separator: ", ")
            if let caps = includes["caps"] as? [String], !caps.isEmpty {
                notCarried.append(
                    "\(label): only with \(caps.joined(separator: ", ")) (sandpit workers have no capabilities)")
                continue
            }
            if let arches = includes["arches"] as? [String], !arches.isEmpty,
                nativeArchitectures.isDisjoint(with: arches)
            {
                continue  // another architecture's rule: nothing to carry on this one
            }
            if let arches = excludes["arches"] as? [String], !nativeArchitectures.isDisjoint(with: arches) { continue }
            var conditions: [String] = []
            for arg in entry["args"] as? [[String: Any]] ?? [] {
                guard let argIndex = arg["index"] as? Int, let value = (arg["value"] as? NSNumber)?.uint64Value,
                    let op = arg["op"] as? String
                else { throw PolicyError(file: file, "syscalls[\(index)].args needs index, value and op") }
                let valueTwo = (arg["valueTwo"] as? NSNumber)?.uint64Value ?? 0
                if op == "SCMP_CMP_MASKED_EQ" {
                    conditions.append(
                        "arg\(argIndex) & 0x\(String(value, radix: 16)) == 0x\(String(valueTwo, radix: 16))")
                } else if let symbol = operators[op] {
                    conditions.append("arg\(argIndex) \(symbol) 0x\(String(value, radix: 16))")
                } else {
                    throw PolicyError(file: file, "syscalls[\(index)]: unknown operator \(op)")
                }
            }
            let ruleAction: SyscallRule.Action
            switch action {
            case "SCMP_ACT_ALLOW": ruleAction = .allow
            case "SCMP_ACT_LOG":
                ruleAction = .allow
                notCarried.append("\(label): SCMP_ACT_LOG becomes allow (sandpit records denials, not allowed calls)")
            case "SCMP_ACT_ERRNO": ruleAction = .errno(Int32(entry["errnoRet"] as? Int ?? Int(defaultErrno)))
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP": ruleAction = .kill
            case "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE": ruleAction = .notify
            default: throw PolicyError(file: file, "syscalls[\(index)]: unknown action \(action)")
            }
            for syscall in names {
                if !isKnown(syscall) {
                    if !foreign.contains(syscall) { foreign.append(syscall) }
                    continue
                }
                var ruleAction = ruleAction
                if ruleAction == .errno(0) {
                    // errno 0 is "pretend it worked", which sandpit does for setpriority itself.
                    ruleAction = .allow
                    if syscall != "setpriority" {
                        notCarried.append("\(syscall): SCMP_ACT_ERRNO(0) (pretend success) becomes allow")
                    }
                }
                if ruleAction == .allow && SyscallGroups.neverAllowed.contains(syscall) {
                    notCarried.append("\(syscall): can never be allowed in a sandpit policy")
                    continue
                }
                if syscall == "clone3" { continue }  // sandpit always answers ENOSYS, so libc falls back to clone
                if conditions.isEmpty {
                    if let earlier = unconditional[syscall], earlier != ruleAction {
                        notCarried.append("\(syscall): a later rule contradicts an earlier one; the first is kept")
                        continue
                    }
                    if unconditional[syscall] != nil { continue }
                    unconditional[syscall] = ruleAction
                    if ruleAction == .allow {
                        if allowSet.insert(syscall).inserted { writer.allow.append(syscall) }
                        continue
                    }
                }
                writer.rules.append((syscall, ruleAction, conditions))
            }
        }
        // A rule that denies a name also allowed outright would contradict it; the allow wins in Docker too.
        writer.rules.removeAll { rule in
            rule.when.isEmpty && rule.action != .allow && allowSet.contains(rule.syscall)
        }
        writer.header = [
            "Imported by `sandpit policy import` from \(file).",
            "Check it with `sandpit policy check` and read it with `sandpit policy explain` before use.",
        ]
        if !foreign.isEmpty {
            let sample = foreign.prefix(6).joined(separator: ", ")
            notCarried.append(
                "\(foreign.count) names that are no system call on this architecture (\(sample)\(foreign.count > 6 ? ", …" : ""))"
            )
        }
        var seen = Set<String>()
        return Imported(yaml: writer.text, notCarried: notCarried.filter { seen.insert($0).inserted })
    }

    /// An OCI seccomp profile equivalent to `policy`'s filter, as far as one can be: the
    /// host's own decisions (executable mappings while loading, signals to itself, notify)
    /// have no OCI form, and are listed in `notes`.
    public static func export(_ policy: Policy) -> (json: Data, notes: [String]) {
        var notes: [String] = []
        var syscalls: [[String: Any]] = []
        var plain: [String] = []
        func args(_ conditions: [ArgumentCondition]) -> [[String: Any]] {
            conditions.map { c in
                switch c.op {
                case .maskedEqual(let mask):
                    return ["index": c.index, "value": mask, "valueTwo": c.value, "op": "SCMP_CMP_MASKED_EQ"]
                case .equal: return ["index": c.index, "value": c.value, "valueTwo": 0, "op": "SCMP_CMP_EQ"]
                case .notEqual: return ["index": c.index, "value": c.value, "valueTwo": 0, "op": "SCMP_CMP_NE"]
                case .less: return ["index": c.index, "value": c.value, "valueTwo": 0, "op": "SCMP_CMP_LT"]
                case .lessOrEqual: return ["index": c.index, "value": c.value, "valueTwo": 0, "op": "SCMP_CMP_LE"]
                case .greater: return ["index": c.index, "value": c.value, "valueTwo": 0, "op": "SCMP_CMP_GT"]
                case .greaterOrEqual: return ["index": c.index, "value": c.value, "valueTwo": 0, "op": "SCMP_CMP_GE"]
                }
            }
        }
        for name in policy.seccomp.allowed {
            if name == "setpriority" {
                syscalls.append(["names": [name], "action": "SCMP_ACT_ERRNO", "errnoRet": 0])
            } else if let alternatives = BuiltInConditions.alternatives(for: name) {
                for conditions in alternatives {
                    syscalls.append(["names": [name], "action": "SCMP_ACT_ALLOW", "args": args(conditions)])
                }
            } else {
                plain.append(name)
            }
        }
        if !plain.isEmpty { syscalls.insert(["names": plain, "action": "SCMP_ACT_ALLOW"], at: 0) }
        for rule in policy.seccomp.rules {
            var entry: [String: Any] = ["names": [rule.syscall], "args": args(rule.conditions)]
            switch rule.action {
            case .allow: entry["action"] = "SCMP_ACT_ALLOW"
            case .kill: entry["action"] = "SCMP_ACT_KILL_PROCESS"
            case .errno(let code):
                entry["action"] = "SCMP_ACT_ERRNO"
                entry["errnoRet"] = Int(code)
            case .notify:
                entry["action"] = "SCMP_ACT_ERRNO"
                entry["errnoRet"] = 1
                notes.append(
                    "\(rule.syscall): notify becomes SCMP_ACT_ERRNO(EPERM); nothing records it outside sandpit")
            }
            syscalls.append(entry)
        }
        syscalls.append(["names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38])
        var profile: [String: Any] = ["architectures": ["SCMP_ARCH_X86_64"], "syscalls": syscalls]
        switch policy.seccomp.defaultAction {
        case .notify:
            profile["defaultAction"] = "SCMP_ACT_ERRNO"
            profile["defaultErrnoRet"] = 1
            notes.append("default notify becomes SCMP_ACT_ERRNO(EPERM): denials are no longer recorded")
        case .errno(let code):
            profile["defaultAction"] = "SCMP_ACT_ERRNO"
            profile["defaultErrnoRet"] = Int(code)
        case .kill: profile["defaultAction"] = "SCMP_ACT_KILL_PROCESS"
        case .observe:
            profile["defaultAction"] = "SCMP_ACT_LOG"
            notes.append("default observe becomes SCMP_ACT_LOG, and kernel attack surface is no longer denied")
        }
        notes.append(
            "sandpit's host lets through what dlopen needs while a plugin loads, and signals a worker sends itself; an OCI profile has no such phase: add mprotect/mmap with PROT_EXEC and kill/tgkill if your runtime needs them"
        )
        let json =
            (try? JSONSerialization.data(withJSONObject: profile, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return (json, notes)
    }
}
