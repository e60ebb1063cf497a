/// Writes a policy as YAML in the format ``PolicyLoader`` reads, for `policy import` and
/// `policy learn`. The output always parses back to the same policy.
public struct PolicyWriter {
    public var name: String
    public var description: String
    /// Comment lines written at the top (without the `#`).
    public var header: [String] = []
    public var learned = false
    public var defaultAction: SeccompRules.DefaultAction = .notify
    public var allow: [String] = []
    public var allowWhileLoading: [String] = []
    public var rules: [(syscall: String, action: SyscallRule.Action, when: [String])] = []
    public var limits: Limits = .defaults
    public var required: [IsolationLayer] = [.seccomp, .noNewPrivileges, .landlock]

    public init(name: String, description: String) {
        self.name = name
        self.description = description
    }

    /// The YAML text.
    public var text: String {
        var out = header.map { $0.isEmpty ? "#" : "# " + $0 }
        if !out.isEmpty { out.append("") }
        out.append("name: \(name)")
        out.append("description: \(quoted(description))")
        if learned { out.append("learned: true") }
        out.append("")
        out.append("seccomp:")
        out.append("  default: \(defaultText(defaultAction))")
        out.append("  allow:" + (allow.isEmpty ? " []" : ""))
        for name in allow { out.append("    - \(name)") }
        if !allowWhileLoading.isEmpty {
            out.append("  allow_while_loading:")
            for name in allowWhileLoading { out.append("    - \(name)") }
        }
        if !rules.isEmpty {
            out.append("  rules:")
            for rule in rules {
                out.append("    - syscall: \(rule.syscall)")
                out.append("      action: \(actionText(rule.action))")
                if !rule.when.isEmpty {
                    out.append("      when: [" + rule.when.map(quoted).joined(separator: ", ") + "]")
                }
            }
        }
        out.append("")
        out.append("limits:")
        out.append("  memory: \(limits.memoryBytes >> 20)MiB")
        out.append("  cpu_seconds_per_worker: \(limits.cpuSecondsPerWorker)")
        out.append("  cpu_seconds_per_case: \(limits.cpuSecondsPerCase)")
        out.append("  wall_seconds_per_case: \(limits.wallSecondsPerCase)")
        out.append("  wall_seconds_per_trial: \(limits.wallSecondsPerTrial)")
        out.append("  answer_bytes: \(limits.answerBytes)")
        out.append("  output_bytes: \(limits.outputBytes)")
        out.append("  file_size: \(limits.fileSizeBytes)")
        out.append("  max_consecutive_failures: \(limits.maxConsecutiveFailures)")
        out.append("  open_files: \(limits.openFiles)")
        out.append("  threads: \(limits.threads)")
        out.append("")
        out.append("network: none")
        out.append("")
        out.append("require: [" + required.map(\.rawValue).joined(separator: ", ") + "]")
        return out.joined(separator: "\n") + "\n"
    }

    func defaultText(_ action: SeccompRules.DefaultAction) -> String {
        switch action {
        case .notify: return "notify"
        case .kill: return "kill"
        case .observe: return "observe"
        case .errno(let code): return "{errno: \(Errno.name(of: code))}"
        }
    }

    func actionText(_ action: SyscallRule.Action) -> String {
        switch action {
        case .allow: return "allow"
        case .notify: return "notify"
        case .kill: return "kill"
        case .errno(let code): return "{errno: \(Errno.name(of: code))}"
        }
    }

    /// A YAML double-quoted string (JSON's escapes are valid there).
    func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

extension Errno {
    /// The name of errno `code`, or its number when it has no name here.
    static func name(of code: Int32) -> String {
        byName.first { $0.value == code }?.key ?? String(code)
    }
}
