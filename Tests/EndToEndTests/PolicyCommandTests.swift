import Foundation
import Testing

/// `sandpit policy …` and `sandpit doctor` on the built binary.
@Suite(.enabled(if: Sandpit.builtPluginsExist, "needs `make plugins test-plugins` and a debug build"))
struct PolicyCommandTests {
    static let docker = Sandpit.root.appendingPathComponent("Tests/Data/docker-default-seccomp.json").path

    @Test func shippedPoliciesCheck() throws {
        let sandpit = try Sandpit()
        let result = try sandpit.run(["policy", "check", "standard", "strict", "observe", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try result.json()["policies"] as? [[String: Any]])
        #expect(rows.count == 3 && rows.allSatisfy { $0["ok"] as? Bool == true })
    }

    @Test func unknownSyscallIsNamedWithItsLine() throws {
        let sandpit = try Sandpit()
        let path = sandpit.directory + "/typo.yaml"
        try "name: typo\nseccomp:\n  allow:\n    - read\n    - wirte\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let result = try sandpit.run(["policy", "check", "standard", path])
        #expect(result.status == 2)
        #expect(result.stderr == "sandpit: error: \(path):5: unknown system call wirte\n")
        #expect(result.stdout.contains("ok  sandboxes/standard.yaml"))
    }

    @Test func explainSaysWhatIsAllowedAndWhatIsRisky() throws {
        let sandpit = try Sandpit()
        let strict = try sandpit.run(["policy", "explain", "strict"])
        #expect(strict.status == 0)
        #expect(strict.stdout.contains("It CANNOT:"))
        #expect(strict.stdout.contains("start threads"))
        #expect(strict.stdout.contains("open network connections"))
        #expect(!strict.stdout.contains("RISKY"))
        let imported = sandpit.directory + "/docker.yaml"
        #expect(try sandpit.run(["policy", "import", Self.docker, "--output", imported]).status == 0)
        let docker = try sandpit.run(["policy", "explain", imported])
        #expect(docker.stdout.contains("RISKY"))
        #expect(docker.stdout.contains("open network sockets"))
    }

    @Test func diffShowsBothDirections() throws {
        let sandpit = try Sandpit()
        let result = try sandpit.run(["policy", "diff", "strict", "standard", "--json"])
        #expect(result.status == 0)
        let json = try result.json()
        let onlyInB = try #require(json["only_in_b"] as? [String])
        #expect(onlyInB.contains("clone") && onlyInB.contains("openat"))
        #expect((json["only_in_a"] as? [String])?.isEmpty == true)
        #expect((json["changes"] as? [String])?.contains { $0.hasPrefix("threads: 1 → 64") } == true)
    }

    @Test func dockerDefaultProfileImportsAndChecks() throws {
        let sandpit = try Sandpit()
        let output = sandpit.directory + "/docker.yaml"
        let result = try sandpit.run(["policy", "import", Self.docker, "--output", output])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Not carried over"))
        #expect(result.stdout.contains("ptrace: can never be allowed"))
        #expect(result.stdout.contains("CAP_SYS_ADMIN"))
        #expect(try sandpit.run(["policy", "check", output]).status == 0)
        // The imported policy really runs a plugin.
        let run = try sandpit.run([
            "run", Sandpit.plugins + "/keyword-triage.so", "--policy", output, "--limit", "3", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test func exportThenImportGivesTheSameFilter() throws {
        let sandpit = try Sandpit()
        let json = sandpit.directory + "/standard.json"
        let yaml = sandpit.directory + "/standard-again.yaml"
        let exported = try sandpit.run(["policy", "export", "standard", "--oci", "--output", json])
        #expect(exported.status == 0)
        #expect(exported.stderr.contains("warning"))
        let profile = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        #expect(profile["defaultAction"] as? String == "SCMP_ACT_ERRNO")
        #expect(try sandpit.run(["policy", "import", json, "--output", yaml]).status == 0)
        let a = try sandpit.run(["policy", "check", "standard", "--json"]).json()["policies"] as? [[String: Any]]
        let b = try sandpit.run(["policy", "check", yaml, "--json"]).json()["policies"] as? [[String: Any]]
        #expect(a?.first?["instructions"] as? Int == b?.first?["instructions"] as? Int)
    }

    @Test func learnWritesAPolicyThePluginRunsUnder() throws {
        let sandpit = try Sandpit()
        let output = sandpit.directory + "/learned.yaml"
        let learned = try sandpit.run([
            "policy", "learn", Sandpit.hostile + "/hostile-tcp.so", "--limit", "2", "--output", output,
        ])
        #expect(learned.status == 0, "\(learned.stderr)")
        #expect(learned.stderr.contains("covers only what was exercised"))
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.contains("learned: true"))
        #expect(text.contains("syscall: socket"))
        #expect(text.contains("arg0 == 0x2"))
        // Under the learned policy the same plugin makes no denied call.
        let run = try sandpit.run([
            "run", Sandpit.hostile + "/hostile-tcp.so", "--policy", output, "--limit", "2", "--json",
        ])
        let summary = (try run.json()["trials"] as? [[String: Any]])?.first?["summary"] as? [String: Any]
        #expect(summary?["denied_syscalls"] as? Int == 0)
        // And a learned policy for a well-behaved Swift plugin allows nothing beyond the worker's needs.
        let swift = sandpit.directory + "/swift.yaml"
        #expect(
            try sandpit.run([
                "policy", "learn", Sandpit.plugins + "/lexicon-triage.so", "--limit", "5", "--output", swift,
            ]).status == 0)
        let swiftRun = try sandpit.run([
            "run", Sandpit.plugins + "/lexicon-triage.so", "--policy", swift, "--limit", "10", "--json",
        ])
        let swiftSummary = (try swiftRun.json()["trials"] as? [[String: Any]])?.first?["summary"] as? [String: Any]
        #expect((swiftSummary?["outcomes"] as? [String: Int])?["ok"] == 10)
        #expect(swiftSummary?["denied_syscalls"] as? Int == 0)
    }

    @Test func learnStillDeniesKernelAttackSurface() throws {
        let sandpit = try Sandpit()
        let output = sandpit.directory + "/learned.yaml"
        let learned = try sandpit.run([
            "policy", "learn", Sandpit.hostile + "/hostile-io-uring.so", "--limit", "1", "--output", output,
        ])
        #expect(learned.status == 0)
        #expect(learned.stdout.contains("denied even while observing (kernel attack surface): io_uring_setup"))
        #expect(!(try String(contentsOfFile: output, encoding: .utf8)).contains("io_uring"))
    }

    @Test func doctorReportsWhatAWorkerGot() throws {
        let sandpit = try Sandpit()
        let result = try sandpit.run(["doctor", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try result.json()
        let layers = try #require(json["layers"] as? [String: Bool])
        #expect(layers["seccomp"] == true)
        #expect(layers["no_new_privs"] == true)
        #expect(json["landlock_abi"] is Int)
        #expect(json["user_notification"] as? Bool == true)
        let policies = try #require(json["policies"] as? [[String: Any]])
        #expect(Set(policies.compactMap { $0["name"] as? String }).isSuperset(of: ["standard", "strict", "observe"]))
    }

    @Test func aRequiredLayerThatIsMissingRefusesTheTrial() throws {
        let sandpit = try Sandpit()
        let policy = sandpit.directory + "/needs.yaml"
        try "name: needs\nextends: \(Sandpit.root.path)/sandboxes/standard.yaml\nrequire: [user_namespace]\n"
            .write(toFile: policy, atomically: true, encoding: .utf8)
        // The same policy runs where namespaces work…
        let ok = try sandpit.run(["run", Sandpit.plugins + "/echo.so", "--policy", policy, "--limit", "1"])
        #expect(ok.status == 0, "\(ok.stderr)")
        // …and refuses, saying which layer and why, where unshare is forbidden.
        let refused = try sandpit.run(
            ["run", Sandpit.plugins + "/echo.so", "--policy", policy, "--limit", "1"],
            launcher: [Sandpit.hostile + "/deny-unshare"])
        #expect(refused.status == 4)
        #expect(refused.stderr.contains("requires user_namespace, not active on this machine"))
        #expect(refused.stderr.contains("unshare failed (Operation not permitted)"))
        let rows = try #require(try sandpit.run(["trials", "--json"]).json()["trials"] as? [[String: Any]])
        #expect(rows.count == 1, "the refused trial never started, so it is not in the store")
        // doctor says the same.
        let doctor = try sandpit.run(["doctor", "--json"], launcher: [Sandpit.hostile + "/deny-unshare"])
        #expect((try doctor.json()["layers"] as? [String: Bool])?["user_namespace"] == false)
    }

    @Test func groupsAreListed() throws {
        let sandpit = try Sandpit()
        let result = try sandpit.run(["policy", "groups"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("@basic-io"))
        #expect(result.stdout.contains("Never allowed"))
    }
}
