import Foundation
import Testing

/// Plugins that try to escape or to hurt the host. Each must be contained — the host
/// survives, the trial is recorded — and recorded with the right outcome and events.
@Suite(.enabled(if: Sandpit.builtPluginsExist, "needs `make plugins test-plugins` and a debug build"))
struct HostilePluginTests {
    struct Expectation: CustomTestStringConvertible, Sendable {
        var plugin: String
        var outcome: String
        /// A denied system call that must be recorded for the case, if any.
        var denied: String?
        /// A fragment the plugin's own answer must hold (its view of what happened).
        var answer: String?
        var testDescription: String { plugin }
    }

    static let cases: [Expectation] = [
        .init(plugin: "hostile-tcp", outcome: "ok", denied: "socket", answer: "blocked"),
        .init(plugin: "hostile-thread-connect", outcome: "ok", denied: "socket", answer: "blocked"),
        .init(plugin: "hostile-proc-read", outcome: "ok", denied: nil, answer: "Permission denied"),
        .init(plugin: "hostile-kill-group", outcome: "ok", denied: "kill", answer: "blocked"),
        .init(plugin: "hostile-udp", outcome: "ok", denied: "socket", answer: "blocked"),
        .init(plugin: "hostile-unix", outcome: "ok", denied: "socket", answer: "blocked"),
        .init(plugin: "hostile-write-file", outcome: "ok", denied: "openat", answer: "blocked"),
        .init(plugin: "hostile-read-outside", outcome: "ok", denied: nil, answer: "Permission denied"),
        .init(plugin: "hostile-exec", outcome: "ok", denied: "execve", answer: "blocked"),
        .init(plugin: "hostile-memfd-exec", outcome: "ok", denied: "memfd_create", answer: "blocked"),
        .init(plugin: "hostile-fork", outcome: "ok", denied: "clone", answer: "blocked"),
        .init(plugin: "hostile-fork-bomb", outcome: "killed_by_policy", denied: "clone", answer: nil),
        .init(plugin: "hostile-spin", outcome: "timeout", denied: nil, answer: nil),
        .init(plugin: "hostile-sleep", outcome: "timeout", denied: nil, answer: nil),
        .init(plugin: "hostile-segfault", outcome: "crashed", denied: nil, answer: nil),
        .init(plugin: "hostile-abort", outcome: "crashed", denied: nil, answer: nil),
        .init(plugin: "hostile-exit", outcome: "crashed", denied: nil, answer: nil),
        .init(plugin: "hostile-memory", outcome: "memory_limit", denied: nil, answer: nil),
        .init(plugin: "hostile-stdout-flood", outcome: "output_limit", denied: nil, answer: nil),
        .init(plugin: "hostile-answer-flood", outcome: "output_limit", denied: nil, answer: nil),
        .init(plugin: "hostile-bad-json", outcome: "protocol_error", denied: nil, answer: nil),
        .init(plugin: "hostile-error", outcome: "error", denied: nil, answer: "could not answer"),
        .init(plugin: "hostile-kill-host", outcome: "ok", denied: "kill", answer: "blocked"),
        .init(plugin: "hostile-ptrace", outcome: "ok", denied: "ptrace", answer: "blocked"),
        .init(plugin: "hostile-io-uring", outcome: "ok", denied: "io_uring_setup", answer: "blocked"),
        .init(plugin: "hostile-unshare", outcome: "ok", denied: "unshare", answer: "blocked"),
        .init(plugin: "hostile-int80", outcome: "killed_by_policy", denied: nil, answer: nil),
        .init(plugin: "hostile-fds", outcome: "ok", denied: nil, answer: "open fds: 0 1 2 3 5 6\""),
        .init(plugin: "hostile-env", outcome: "ok", denied: nil, answer: "environment: SWIFT_BACKTRACE=enable=no\""),
        .init(plugin: "hostile-write-inherited", outcome: "protocol_error", denied: nil, answer: nil),
    ]

    /// Runs one hostile plugin on one case and returns the trial report.
    static func trial(
        _ plugin: String, sandpit: Sandpit, launcher: [String] = [], binary: String = Sandpit.binary,
        pluginDirectory: String = Sandpit.hostile, environment: [String: String] = [:]
    ) throws
        -> (Sandpit.Result, [String: Any])
    {
        let result = try sandpit.run(
            [
                "run", "\(pluginDirectory)/\(plugin).so", "--limit", "1", "--policy", try sandpit.quickPolicy(),
                "--json",
            ],
            binary: binary, launcher: launcher, environment: environment)
        let trials = try #require(try result.json()["trials"] as? [[String: Any]], "\(result.stderr)")
        return (result, try #require(trials.first))
    }

    static func check(_ expectation: Expectation, _ result: Sandpit.Result, _ report: [String: Any]) throws {
        #expect(result.status == 0, "every trial is recorded, whatever the plugin did: \(result.stderr)")
        let trial = try #require(report["trial"] as? [String: Any])
        #expect(trial["status"] as? String == "complete")
        let theCase = try #require((report["cases"] as? [[String: Any]])?.first)
        #expect(theCase["outcome"] as? String == expectation.outcome, "\(theCase["detail"] ?? "")")
        let events = theCase["safety_events"] as? [[String: Any]] ?? []
        if let denied = expectation.denied {
            #expect(
                events.contains { $0["kind"] as? String == "denied_syscall" && $0["syscall"] as? String == denied },
                "expected a recorded denial of \(denied), got \(events)")
        }
        if expectation.outcome != "ok" && expectation.outcome != "error" {
            #expect(
                events.contains { $0["kind"] as? String == expectation.outcome }, "the outcome is a safety event too")
        }
        if let fragment = expectation.answer {
            #expect((theCase["answer"] as? String ?? "").contains(fragment), "\(theCase["answer"] ?? "")")
        }
        #expect(!(theCase["answer"] as? String ?? "").contains("escaped"))
    }

    @Test(arguments: cases)
    func isContainedAndRecorded(_ expectation: Expectation) throws {
        let sandpit = try Sandpit()
        let (result, report) = try Self.trial(expectation.plugin, sandpit: sandpit)
        try Self.check(expectation, result, report)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/sandpit-hostile-escape"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/sandpit-hostile-exec"))
    }

    @Test func kernelAttackSurfaceIsDeniedAndRecordedCallByCall() throws {
        let sandpit = try Sandpit()
        let (result, report) = try Self.trial("hostile-kernel-surface", sandpit: sandpit)
        #expect(result.status == 0)
        let theCase = try #require((report["cases"] as? [[String: Any]])?.first)
        #expect((theCase["answer"] as? String)?.contains("every kernel-surface call failed") == true)
        let events = theCase["safety_events"] as? [[String: Any]] ?? []
        let denied = Set(
            events.filter { $0["category"] as? String == "kernel_attack_surface" }.compactMap {
                $0["syscall"] as? String
            })
        let expected: Set<String> = [
            "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key", "kcmp", "pidfd_open",
            "pidfd_getfd", "mount", "pivot_root", "chroot", "setns", "personality", "kexec_load", "init_module",
            "reboot",
            "process_vm_readv", "process_vm_writev", "ptrace",
        ]
        #expect(denied == expected, "missing: \(expected.subtracting(denied)), extra: \(denied.subtracting(expected))")
        let summary = try #require(report["summary"] as? [String: Any])
        #expect((summary["safety_by_category"] as? [String: Int])?["kernel_attack_surface"] == expected.count)
    }

    @Test func cpuLimitPerCaseIsEnforcedBeforeTheWallClockOne() throws {
        let sandpit = try Sandpit()
        let policy = sandpit.directory + "/cpu.yaml"
        try
            "name: cpu\nextends: \(Sandpit.root.path)/sandboxes/standard.yaml\nlimits:\n  cpu_seconds_per_case: 0.3\n  wall_seconds_per_case: 20\n"
            .write(toFile: policy, atomically: true, encoding: .utf8)
        let started = Date()
        let result = try sandpit.run([
            "run", Sandpit.hostile + "/hostile-spin.so", "--limit", "1", "--policy", policy, "--json",
        ])
        let theCase = try #require(
            ((try result.json()["trials"] as? [[String: Any]])?.first?["cases"] as? [[String: Any]])?.first)
        #expect(theCase["outcome"] as? String == "timeout")
        #expect((theCase["detail"] as? String)?.contains("CPU") == true, "\(theCase["detail"] ?? "")")
        #expect(Date().timeIntervalSince(started) < 10, "killed on CPU, long before the 20 s wall limit")
    }

    @Test func constructorAttacksAreConfinedAndRecordedAsLoading() throws {
        let sandpit = try Sandpit()
        let (result, report) = try Self.trial("hostile-constructor", sandpit: sandpit)
        #expect(result.status == 0)
        let events = try #require(report["safety_events"] as? [[String: Any]])
        let loading = events.filter { $0["phase"] as? String == "load" }
        for syscall in ["socket", "openat", "clone"] {
            #expect(
                loading.contains { $0["syscall"] as? String == syscall && $0["case_id"] is NSNull },
                "constructor's \(syscall) recorded while loading: \(events)")
        }
        let categories = Set(loading.compactMap { $0["category"] as? String })
        #expect(categories.isSuperset(of: ["network", "filesystem", "process"]))
        #expect((report["cases"] as? [[String: Any]])?.first?["outcome"] as? String == "ok")
    }

    @Test(arguments: [
        ("not-a-plugin", "not an ELF shared object"),
        ("executable-not-library", "not a loadable shared object"),
        ("hostile-no-symbol", "no sandpit_plugin_v1 symbol"),
        ("hostile-wrong-abi", "wrong ABI version"),
        ("hostile-null-run", "NULL pointer"),
        ("hostile-bad-name", "bad name"),
        ("hostile-open-fails", "open() failed: model weights not found"),
    ])
    func notAPluginIsAOneLineErrorAndAFailedTrial(plugin: String, message: String) throws {
        let sandpit = try Sandpit()
        let path = "\(Sandpit.hostile)/\(plugin).so"
        let result = try sandpit.run(["run", path, Sandpit.plugins + "/echo.so", "--limit", "2"])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.contains(plugin) == true)
        #expect(lines.first?.contains(message) == true, "\(result.stderr)")
        // The run went on with the next plugin, and both trials are in the store.
        let rows = try #require(try sandpit.run(["trials", "--json"]).json()["trials"] as? [[String: Any]])
        #expect(Set(rows.compactMap { $0["status"] as? String }) == ["failed", "complete"])
    }

    /// As an unprivileged user, every layer that needs no privilege still applies.
    @Test(.enabled(if: getuid() == 0, "needs root to switch to an unprivileged user"))
    func hostilePluginsAreContainedForAnUnprivilegedUser() throws {
        let sandpit = try Sandpit()
        // Everything nobody must reach is copied where nobody can reach it.
        let home = sandpit.directory
        let fm = FileManager.default
        for name in ["sandpit", "sandpit-worker"] {
            try fm.copyItem(
                atPath: Sandpit.root.appendingPathComponent(".build/debug/\(name)").path, toPath: "\(home)/\(name)")
        }
        try fm.copyItem(atPath: Sandpit.hostile, toPath: "\(home)/plugins")
        try fm.copyItem(atPath: Sandpit.root.appendingPathComponent("sandboxes").path, toPath: "\(home)/sandboxes")
        try fm.copyItem(atPath: Sandpit.root.appendingPathComponent("fixtures").path, toPath: "\(home)/fixtures")
        chmod(home, 0o777)
        let launcher = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]
        for expectation in Self.cases
        where [
            "hostile-tcp", "hostile-write-file", "hostile-exec", "hostile-fork",
            "hostile-spin", "hostile-segfault", "hostile-kill-host",
            "hostile-ptrace", "hostile-io-uring", "hostile-fds",
        ].contains(expectation.plugin) {
            let (result, report) = try Self.trial(
                expectation.plugin, sandpit: sandpit, launcher: launcher, binary: "\(home)/sandpit",
                pluginDirectory: "\(home)/plugins", environment: ["SANDPIT_HOME": home])
            try Self.check(expectation, result, report)
            let isolation = (report["trial"] as? [String: Any])?["isolation"] as? [String: Bool] ?? [:]
            #expect(isolation["seccomp"] == true)
            #expect(isolation["no_new_privs"] == true)
            #expect(isolation["dropped_root"] == false, "not root to begin with")
        }
    }
}
