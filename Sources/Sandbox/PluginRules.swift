import WorkerProtocol

/// The ABI's rules for what a plugin says about itself (PLUGIN_ABI.md).
public enum PluginRules {
    /// Why `hello` breaks the rules, or nil when it keeps them.
    public static func problem(with hello: PluginHello) -> String? {
        guard hello.abiVersion == 1 else { return "wrong ABI version \(hello.abiVersion) (this sandpit speaks 1)" }
        let name = hello.name
        guard (1...64).contains(name.utf8.count) else {
            return "bad name: must be 1 to 64 characters, has \(name.utf8.count)"
        }
        guard name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }) else {
            return "bad name \"\(printable(name))\": only lowercase letters, digits and '-' are allowed"
        }
        guard (1...64).contains(hello.version.utf8.count) else {
            return "bad version: must be 1 to 64 characters, has \(hello.version.utf8.count)"
        }
        guard !hello.version.unicodeScalars.contains(where: { $0 == "\u{FFFD}" || $0.value < 0x20 }) else {
            return "bad version: not printable UTF-8"
        }
        guard !caseKinds(hello.caseKinds).isEmpty else {
            return "bad case_kinds \"\(printable(hello.caseKinds))\": a comma-separated list of kinds, or *"
        }
        return nil
    }

    /// The case kinds a plugin answers: ["*"] for all, [] when the field is malformed.
    public static func caseKinds(_ field: String) -> [String] {
        if field == "*" { return ["*"] }
        let kinds = field.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
        }
        let valid = kinds.allSatisfy { kind in
            !kind.isEmpty && kind.utf8.count <= 64
                && kind.utf8.allSatisfy {
                    ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d || $0 == 0x5f
                }
        }
        return valid ? kinds : []
    }

    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 || $0 == "\u{FFFD}" ? "?" : Character($0) }.prefix(80))
    }
}
