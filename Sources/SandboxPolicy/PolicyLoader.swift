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
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml") {
            return try load(file: nameOrPath)
        }
        for directory in directories {
            let candidate = directory + "/" + nameOrPath + ".yaml"
            if FileManager.default.fileExists(atPath: candidate) { return try load(file: candidate) }
        }
        let looked =
            directories.isEmpty ? "no sandboxes directory found" : "looked in " + directories.joined(separator: ", ")
        throw PolicyError(file: nameOrPath, "no such policy (\(looked))")
    }

    /// Reads and validates one policy file.
    public static func load(file: String) throws(PolicyError) -> Policy {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw PolicyError(file: file, "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyError(file: file, "not UTF-8 text")
        }
        return try parse(text, file: file, sha256: SHA256.hex(of: data))
    }

    /// Parses policy text; `file` names it in errors.
    public static func parse(_ text: String, file: String, sha256: String? = nil) throws(PolicyError) -> Policy {
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

        let name = try document.string("name")
        guard name.range(of: "^[a-z0-9][a-z0-9-]{0,63}$", options: .regularExpression) != nil else {
            throw PolicyError(file: file, line: document.line("name"), "name must be lowercase letters, digits and '-'")
        }
        let description = try document.optionalString("description") ?? ""

        let seccompFields = try document.fields("seccomp")
        let defaultAction = try parseDefault(seccompFields, file: file)
        let allowed = try SyscallGroups.expand(
            try seccompFields.stringList("allow"), file: file, line: seccompFields.line("allow"))
        let whileLoading = try SyscallGroups.expand(
            try seccompFields.optionalStringList("allow_while_loading") ?? [], file: file,
            line: seccompFields.line("allow_while_loading"))
        try seccompFields.rejectUnknown(["default", "allow", "allow_while_loading"])
        for (names, key) in [(allowed, "allow"), (whileLoading, "allow_while_loading")] {
            for syscall in names where SyscallGroups.neverAllowed.contains(syscall) {
                throw PolicyError(
                    file: file, line: seccompFields.line(key),
                    "\(syscall) can never be allowed: it is kernel attack surface or a way out of the sandbox")
            }
        }

        var limits = Limits.defaults
        if let limitFields = try document.optionalFields("limits") {
            limits.memoryBytes = try limitFields.bytes("memory") ?? limits.memoryBytes
            limits.cpuSecondsPerWorker =
                try limitFields.unsigned("cpu_seconds_per_worker") ?? limits.cpuSecondsPerWorker
            limits.wallSecondsPerCase = try limitFields.seconds("wall_seconds_per_case") ?? limits.wallSecondsPerCase
            limits.wallSecondsPerTrial = try limitFields.seconds("wall_seconds_per_trial") ?? limits.wallSecondsPerTrial
            limits.answerBytes = try limitFields.bytes("answer_bytes") ?? limits.answerBytes
            limits.outputBytes = try limitFields.bytes("output_bytes") ?? limits.outputBytes
            limits.fileSizeBytes = try limitFields.bytes("file_size") ?? limits.fileSizeBytes
            limits.openFiles = try limitFields.unsigned("open_files") ?? limits.openFiles
            limits.threads = try limitFields.unsigned("threads") ?? limits.threads
            try limitFields.rejectUnknown([
                "memory", "cpu_seconds_per_worker", "wall_seconds_per_case", "wall_seconds_per_trial", "answer_bytes",
                "output_bytes", "file_size", "open_files", "threads",
            ])
            guard limits.memoryBytes >= 64 << 20 else {
                throw PolicyError(
                    file: file, line: limitFields.line("memory"), "memory below 64MiB cannot load a plugin")
            }
            guard limits.openFiles >= 8 else {
                throw PolicyError(file: file, line: limitFields.line("open_files"), "open_files must be at least 8")
            }
        }

        var readOnly: [String] = []
        if let fs = try document.optionalFields("filesystem") {
            readOnly = try fs.optionalStringList("read_only") ?? []
            try fs.rejectUnknown(["read_only"])
            for path in readOnly where path.isEmpty {
                throw PolicyError(file: file, line: fs.line("read_only"), "an empty path in read_only")
            }
        }
        if let network = try document.optionalString("network"), network != "none" {
            throw PolicyError(
                file: file, line: document.line("network"), "network must be none (the only value for now)")
        }
        var required = Set<IsolationLayer>()
        for layer in try document.optionalStringList("require") ?? [] {
            guard let value = IsolationLayer(rawValue: layer) else {
                let known = IsolationLayer.allCases.map(\.rawValue).sorted().joined(separator: ", ")
                throw PolicyError(
                    file: file, line: document.line("require"), "unknown layer \(layer) (known: \(known))")
            }
            required.insert(value)
        }
        try document.rejectUnknown(["name", "description", "seccomp", "limits", "filesystem", "network", "require"])

        return Policy(
            name: name, description: description,
            seccomp: SeccompRules(defaultAction: defaultAction, allowed: allowed, allowedWhileLoading: whileLoading),
            limits: limits, readOnlyPaths: readOnly, required: required,
            sha256: sha256 ?? SHA256.hex(of: Array(text.utf8)))
    }

    private static func parseDefault(_ fields: Fields, file: String) throws(PolicyError) -> SeccompRules.DefaultAction {
        let line = fields.line("default")
        guard let node = fields.node("default") else { return .notify }
        if let word = node.string, node.mapping == nil {
            switch word {
            case "notify": return .notify
            case "kill": return .kill
            default:
                throw PolicyError(file: file, line: line, "default must be notify, kill or errno: NAME, not \(word)")
            }
        }
        let inner = try Fields(node, file: file, context: "seccomp.default")
        let name = try inner.string("errno")
        guard let value = Errno.byName[name] else {
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
