import SandboxPolicy
import Testing

@testable import Sandbox

@Suite struct ConditionTests {
    @Test(
        arguments: [
            ("mmap", [0, 4096, 0x3, 0x22, 0, 0], true),  // PROT_READ|PROT_WRITE
            ("mmap", [0, 4096, 0x5, 0x22, 0, 0], false),  // PROT_EXEC
            ("openat", [0, 0, 0x80000, 0, 0, 0], true),  // O_RDONLY|O_CLOEXEC
            ("openat", [0, 0, 0x41, 0, 0, 0], false),  // O_WRONLY|O_CREAT
            ("openat", [0, 0, 0x2, 0, 0, 0], false),  // O_RDWR
            ("openat", [0, 0, 0x410000, 0, 0, 0], false),  // O_TMPFILE
            ("clone", [0x3d0f00, 0, 0, 0, 0, 0], true),  // pthread_create's flags
            ("clone", [0x11, 0, 0, 0, 0, 0], false),  // fork: SIGCHLD only
            ("clone", [0x1001_0000, 0, 0, 0, 0, 0], false),  // CLONE_THREAD|CLONE_NEWUSER
            ("ioctl", [1, 0x5401, 0, 0, 0, 0], true),  // TCGETS
            ("ioctl", [1, 0xFFFF_FFFF_0000_5401, 0, 0, 0, 0], true),  // upper half ignored
            ("ioctl", [1, 0x5412, 0, 0, 0, 0], false),  // TIOCSTI: push input into a terminal
            ("fcntl", [3, 8, 0, 0, 0, 0], false),  // F_SETOWN
            ("prlimit64", [0, 7, 0, 1234, 0, 0], true),  // read only
            ("prlimit64", [0, 7, 1234, 0, 0, 0], false),  // setting a limit
            ("read", [0, 0, 0, 0, 0, 0], true),
        ] as [(String, [UInt64], Bool)])
    func builtInConditions(name: String, arguments: [UInt64], permitted: Bool) {
        #expect(BuiltInConditions.permit(name, arguments) == permitted)
    }

    @Test(arguments: [
        ("{}", true), ("{\"a\":[1,2.5e-3,true,false,null,{\"b\":\"\\u00e9\\n\"}]}", true), (" {\"x\":\"ā\"} \n", true),
        ("[]", false), ("\"s\"", false), ("{", false), ("{} {}", false), ("{\"a\":01}", false), ("{\"a\":1.}", false),
        ("{\"a\":\"\\x\"}", false), ("{\"a\":\"\\ud800\"}", false), ("{\"a\":\"\\ud83d\\ude00\"}", true),
        ("{a:1}", false), ("{\"a\":1,}", false), ("{\"a\":\"tab\there\"}", false), ("", false), ("nul", false),
    ])
    func jsonObjects(text: String, valid: Bool) {
        #expect(JSONObjectValidator.isObject(Array(text.utf8)) == valid, "\(text)")
    }

    @Test func invalidUTF8IsNotJSON() {
        #expect(!JSONObjectValidator.isObject([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]))
    }

    @Test func deepNestingIsRefusedNotOverflowed() {
        let deep = String(repeating: "{\"a\":", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        #expect(!JSONObjectValidator.isObject(Array(deep.utf8)))
    }

    @Test(arguments: ["triage", "triage,redact", "*", "triage, summarise"])
    func goodCaseKinds(field: String) {
        #expect(!PluginRules.caseKinds(field).isEmpty)
    }

    @Test(arguments: ["", ",", "triage,", "Triage", "tri age", String(repeating: "a", count: 65)])
    func badCaseKinds(field: String) {
        #expect(PluginRules.caseKinds(field).isEmpty)
    }
}
