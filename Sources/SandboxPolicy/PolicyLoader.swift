import Digest
import Foundation
import Yams

/// Reads policies from YAML files.
///
/// The format:
/// ```yaml
/// name: standard
/// description: Threads, read-only data, no network, no processes.
/// seccomp:
///   default: notify            # notify | kill | errno: EPERM
///   allow: ["@basic-io", "@memory", getrandom]
///   allow_while_loading: []    # allowed until the plugin's open returns
/// limits:
///   memory: 2GiB
///   cpu_seconds_per_worker: 600
///   wall_seconds_per_case: 5
///   wall_seconds_per_trial: 3600
///   answer_bytes: 1MiB
///   output_bytes: 1MiB
///   file_size: 0
///   open_files: 64
///   threads: 64
/// filesystem:
///   read_only: [fixtures/models]
/// network: none
/// require: [seccomp, no_new_privs, landlock]
/// ```
public enum PolicyLoader {
    /// Finds a policy by name in `directories`, or reads it as a path when it looks like one.
    ///
    /// - Throws: ``PolicyError`` when no such policy exists or it does not parse.
    public static func load(_ nameOrPath: String, searching directories: [String]) throws(PolicyError) -> Policy {
        try load(file: try locate(nameOrPath, searching: directories), searching: directories)
    }

    /// The file a policy name or path refers to.
    public static func locate(_ nameOrPath: String, searching directories: [String], near: String? = nil)
        throws(PolicyError) -> String
    {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") {
            if nameOrPath.hasPrefix("/") || near == nil { return nameOrPath }
            return URL(fileURLWithPath: near!).deletingLastPathComponent().appendingPathComponent(nameOrPath).path
        }
        let nearby = near.map { [URL(fileURLWithPath: $0).deletingLastPathComponent().path] } ?? []
        for directory in nearby + directories {
            let candidate = directory + "/" + nameOrPath + ".yaml"
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        let looked =
            directories.isEmpty ? "no sandboxes directory found" : "looked in " + directories.joined(separator: ", ")
        throw PolicyError(file: nameOrPath, "no such policy (\(looked))")
    }

    /// Reads and validates one policy file, and the policies it extends.
    public static func load(file: String, searching directories: [String] = []) throws(PolicyError) -> Policy {
        var chain: [String] = []
        return try load(file: file, searching: directories, chain: &chain)
    }

    private static func load(file: String, searching directories: [String], chain: inout [String]) throws(PolicyError)
        -> Policy
    {
        let canonical = URL(fileURLWithPath: file).standardizedFileURL.path
        if chain.contains(canonical) {
            let names = (chain + [canonical]).map { URL(fileURLWithPath: $0).lastPathComponent }
            throw PolicyError(file: file, "extends loop: \(names.joined(separator: " → "))")
        }
        chain.append(canonical)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw PolicyError(file: file, "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyError(file: file, "not UTF-8 text")
        }
        return try parse(text, file: file, sha256: SHA256.hex(of: data)) {
            (parent: String, line: Int?) throws(PolicyError) in
            let path: String
            do {
                path = try locate(parent, searching: directories, near: file)
            } catch {
                throw PolicyError(file: file, line: line, "extends \(parent): no such policy")
            }
            return try load(file: path, searching: directories, chain: &chain)
        }
    }

    /// Parses policy text; `file` names it in errors. `parent` loads a policy it extends.
    public static func parse(
        _ text: String, file: String, sha256: String? = nil,
        parent: (String, Int?) throws(PolicyError) -> Policy = { name, _ throws(PolicyError) in
            throw PolicyError(file: name, "extends is not available here")
        }
    ) throws(PolicyError) -> Policy {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
            let names = duplicates.sorted().joined(separator: ", ")
            throw PolicyError(
                file: file, line: context.mark.line,
                "\(names) \(duplicates.count == 1 ? "appears" : "appear") more than once in the mapping that starts here"
            )
        } catch let error as YamlError {
            throw PolicyError(file: file, line: Self.line(of: error), "not valid YAML: \(Self.problem(of: error))")
        } catch {
            throw PolicyError(file: file, "not valid YAML: \(error)")
        }
        guard let root else { throw PolicyError(file: file, "the file is empty") }
        let document = try Fields(root, file: file, context: "the policy")
        try document.rejectUnknown([
            "name", "description", "extends", "learned", "seccomp", "limits", "filesystem",
            "network", "require",
        ])

        let name = try document.string("name")
        guard name.range(of: "^[a-z0-9][a-z0-9-]{0,63}$", options: .regularExpression) != nil else {
            throw PolicyError(file: file, line: document.line("name"), "name must be lowercase letters, digits and '-'")
        }
        var base: Policy?
        if let parentName = try document.optionalString("extends") {
            base = try parent(parentName, document.line("extends"))
        }
        let description = try document.optionalString("description") ?? base?.description ?? ""

        // seccomp
        let seccompFields = try document.optionalFields("seccomp")
        if base == nil && seccompFields == nil {
            throw PolicyError(
                file: file, line: document.line("name"), "seccomp: missing (required unless the policy extends another)"
            )
        }
        var seccomp = base?.seccomp ?? SeccompRules(defaultAction: .notify, allowed: [], allowedWhileLoading: [])
        if let seccompFields {
            try seccompFields.rejectUnknown([
                "default", "allow", "allow_while_loading", "rules",
                "i_understand_this_is_unsafe",
            ])
            if seccompFields.node("default") != nil {
                seccomp.defaultAction = try parseDefault(seccompFields, file: file)
            }
            if let unsafe = try seccompFields.optionalBool("i_understand_this_is_unsafe") { seccomp.unsafe = unsafe }
            for (key, isLoading) in [("allow", false), ("allow_while_loading", true)] {
                guard let entries = try seccompFields.optionalStringListWithLines(key) else { continue }
                if base == nil && key == "allow" && entries.isEmpty {
                    // An empty allowlist is legal but almost never meant; the worker's own needs stay allowed.
                }
                for (entry, line) in entries {
                    let names = try SyscallGroups.expand([entry], file: file, line: line)
                    for syscall in names {
                        seccomp.places[syscall] = seccomp.places[syscall] ?? "\(file):\(line ?? 0)"
                        if isLoading {
                            if !seccomp.allowedWhileLoading.contains(syscall) {
                                seccomp.allowedWhileLoading.append(syscall)
                            }
                        } else if !seccomp.allowed.contains(syscall) {
                            seccomp.allowed.append(syscall)
                        }
                    }
                }
            }
            if let ruleNodes = seccompFields.node("rules") {
                guard let items = ruleNodes.sequence else {
                    throw PolicyError(file: file, line: seccompFields.line("rules"), "rules: must be a list")
                }
                for item in items {
                    let rule = try parseRule(item, file: file)
                    seccomp.places[rule.syscall] = seccomp.places[rule.syscall] ?? "\(file):\(item.mark?.line ?? 0)"
                    seccomp.rules.append(rule)
                }
            }
        }
        try checkRules(seccomp, file: file)

        // limits
        var limits = base?.limits ?? Limits.defaults
        if let limitFields = try document.optionalFields("limits") {
            limits.memoryBytes = try limitFields.bytes("memory") ?? limits.memoryBytes
            limits.cpuSecondsPerWorker =
                try limitFields.unsigned("cpu_seconds_per_worker") ?? limits.cpuSecondsPerWorker
            limits.wallSecondsPerCase = try limitFields.seconds("wall_seconds_per_case") ?? limits.wallSecondsPerCase
            limits.cpuSecondsPerCase = try limitFields.seconds("cpu_seconds_per_case") ?? limits.cpuSecondsPerCase
            limits.wallSecondsPerTrial = try limitFields.seconds("wall_seconds_per_trial") ?? limits.wallSecondsPerTrial
            limits.answerBytes = try limitFields.bytes("answer_bytes") ?? limits.answerBytes
            limits.outputBytes = try limitFields.bytes("output_bytes") ?? limits.outputBytes
            limits.fileSizeBytes = try limitFields.bytes("file_size") ?? limits.fileSizeBytes
            limits.openFiles = try limitFields.unsigned("open_files") ?? limits.openFiles
            limits.threads = try limitFields.unsigned("threads") ?? limits.threads
            if let failures = try limitFields.unsigned("max_consecutive_failures") {
                guard failures >= 1 && failures <= 1_000_000 else {
                    throw PolicyError(
                        file: file, line: limitFields.line("max_consecutive_failures"),
                        "max_consecutive_failures must be between 1 and 1000000")
                }
                limits.maxConsecutiveFailures = Int(failures)
            }
            try limitFields.rejectUnknown([
                "memory", "cpu_seconds_per_worker", "cpu_seconds_per_case", "wall_seconds_per_case",
                "wall_seconds_per_trial",
                "answer_bytes",
                "output_bytes", "file_size", "open_files", "threads", "max_consecutive_failures",
            ])
            guard limits.memoryBytes >= 64 << 20 else {
                throw PolicyError(
                    file: file, line: limitFields.line("memory"), "memory below 64MiB cannot load a plugin")
            }
            guard limits.openFiles >= 8 else {
                throw PolicyError(file: file, line: limitFields.line("open_files"), "open_files must be at least 8")
            }
            guard limits.wallSecondsPerCase <= limits.wallSecondsPerTrial else {
                throw PolicyError(
                    file: file, line: limitFields.line("wall_seconds_per_case"),
                    "wall_seconds_per_case is longer than wall_seconds_per_trial: no case could finish")
            }
        }

        var readOnly = base?.readOnlyPaths ?? []
        if let fs = try document.optionalFields("filesystem") {
            try fs.rejectUnknown(["read_only"])
            for path in try fs.optionalStringList("read_only") ?? [] {
                guard !path.isEmpty else {
                    throw PolicyError(file: file, line: fs.line("read_only"), "an empty path in read_only")
                }
                guard !path.contains("\0") else {
                    throw PolicyError(file: file, line: fs.line("read_only"), "a path with a NUL byte in read_only")
                }
                // Relative paths are relative to the policy file, so a policy means the same from any directory.
                let absolute =
                    path.hasPrefix("/")
                    ? path : URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path).path
                if !readOnly.contains(absolute) { readOnly.append(absolute) }
            }
        }
        if let network = try document.optionalString("network"), network != "none" {
            throw PolicyError(
                file: file, line: document.line("network"), "network must be none (the only value for now)")
        }
        var required = base?.required ?? []
        for layer in try document.optionalStringList("require") ?? [] {
            guard let value = IsolationLayer(rawValue: layer) else {
                let known = IsolationLayer.allCases.map(\.rawValue).sorted().joined(separator: ", ")
                throw PolicyError(
                    file: file, line: document.line("require"), "unknown layer \(layer) (known: \(known))")
            }
            required.insert(value)
        }

        var ownHash = sha256 ?? SHA256.hex(of: Array(text.utf8))
        if let base { ownHash = SHA256.hex(of: Array((ownHash + base.sha256).utf8)) }
        var policy = Policy(
            name: name, description: description, seccomp: seccomp, limits: limits, readOnlyPaths: readOnly,
            required: required, sha256: ownHash, extends: try document.optionalString("extends"))
        policy.learned = try document.optionalBool("learned") ?? false
        return policy
    }

    /// One entry of `rules:`:
    /// `{syscall: socket, action: allow, when: ["arg0 == AF_UNIX"]}`.
    static func parseRule(_ node: Node, file: String) throws(PolicyError) -> SyscallRule {
        let fields = try Fields(node, file: file, context: "a rule")
        try fields.rejectUnknown(["syscall", "action", "when"])
        let syscall = try fields.string("syscall")
        let line = fields.line("syscall")
        guard !syscall.hasPrefix("@") else {
            throw PolicyError(file: file, line: line, "a rule names one system call, not a group (\(syscall))")
        }
        let action: SyscallRule.Action
        if let actionNode = fields.node("action"), actionNode.mapping != nil {
            let inner = try Fields(actionNode, file: file, context: "action")
            let errnoName = try inner.string("errno")
            guard
                let value = Errno.byName[errnoName] ?? Int32(errnoName).flatMap({ (1...4095).contains($0) ? $0 : nil })
            else {
                throw PolicyError(file: file, line: fields.line("action"), "unknown errno \(errnoName)")
            }
            action = .errno(value)
        } else {
            switch try fields.optionalString("action") ?? "allow" {
            case "allow": action = .allow
            case "notify", "deny": action = .notify
            case "kill": action = .kill
            case let other:
                throw PolicyError(
                    file: file, line: fields.line("action"),
                    "action must be allow, notify, kill or errno: NAME, not \(other)")
            }
        }
        var conditions: [ArgumentCondition] = []
        let texts = try fields.optionalStringList("when") ?? []
        for text in texts {
            do {
                conditions.append(try ConditionParser.parse(text, syscall: syscall))
            } catch {
                throw PolicyError(file: file, line: fields.line("when"), "\(syscall): \(error.message)")
            }
        }
        return SyscallRule(syscall: syscall, action: action, conditions: conditions, conditionTexts: texts)
    }

    /// Rejects what no policy may say: kernel attack surface allowed without the unsafe flag,
    /// and a call both allowed and denied with nothing to tell the two apart.
    static func checkRules(_ seccomp: SeccompRules, file: String) throws(PolicyError) {
        func line(_ name: String) -> Int? { seccomp.places[name].flatMap { Int($0.split(separator: ":").last ?? "") } }
        let allowedByRules = seccomp.rules.filter { $0.action == .allow }.map(\.syscall)
        for syscall in seccomp.allowed + seccomp.allowedWhileLoading + allowedByRules
        where SyscallGroups.neverAllowed.contains(syscall) && !seccomp.unsafe {
            throw PolicyError(
                file: file, line: line(syscall),
                "\(syscall) can never be allowed: it is kernel attack surface or a way out of the sandbox "
                    + "(only i_understand_this_is_unsafe: true overrides this)")
        }
        for rule in seccomp.rules where rule.conditions.isEmpty && rule.action != .allow {
            if seccomp.allowed.contains(rule.syscall) {
                throw PolicyError(
                    file: file, line: line(rule.syscall),
                    "\(rule.syscall) is both in allow and denied by a rule with no conditions: which is meant?")
            }
        }
        var unconditional: [String: SyscallRule.Action] = [:]
        for rule in seccomp.rules where rule.conditions.isEmpty {
            if let earlier = unconditional[rule.syscall], earlier != rule.action {
                throw PolicyError(
                    file: file, line: line(rule.syscall),
                    "\(rule.syscall) has two rules with different actions and no conditions")
            }
            unconditional[rule.syscall] = rule.action
        }
    }

    private static func parseDefault(_ fields: Fields, file: String) throws(PolicyError) -> SeccompRules.DefaultAction {
        let line = fields.line("default")
        guard let node = fields.node("default") else { return .notify }
        if let word = node.string, node.mapping == nil {
            switch word {
            case "notify": return .notify
            case "kill": return .kill
            case "observe": return .observe
            default:
                throw PolicyError(
                    file: file, line: line, "default must be notify, kill, observe or errno: NAME, not \(word)")
            }
        }
        let inner = try Fields(node, file: file, context: "seccomp.default")
        let name = try inner.string("errno")
        guard let value = Errno.byName[name] ?? Int32(name).flatMap({ (1...4095).contains($0) ? $0 : nil }) else {
            throw PolicyError(file: file, line: line, "unknown errno \(name) (use EPERM, EACCES, ENOSYS, …)")
        }
        return .errno(value)
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
            return problem
        default: return "\(error)"
        }
    }
}

/// Errno names a policy may use.
enum Errno {
    static let byName: [String: Int32] = [
        "EPERM": 1, "ENOENT": 2, "EIO": 5, "EBADF": 9, "EAGAIN": 11, "ENOMEM": 12, "EACCES": 13, "EFAULT": 14,
        "EBUSY": 16, "EINVAL": 22, "ENOSPC": 28, "EROFS": 30, "ENOSYS": 38, "EOPNOTSUPP": 95, "ECONNREFUSED": 111,
    ]
}
