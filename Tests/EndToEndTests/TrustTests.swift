import Foundation
import Testing

/// The numbers a lead reads must hold on a busy machine: per-case service time, events and
/// output charged to the case that caused them, nothing finished lost when a run is cut
/// short, and no frame or sink a plugin keeps can move another case's result.
@Suite(.enabled(if: Sandpit.builtPluginsExist, "run `make build-debug plugins test-plugins` first"))
struct TrustTests {
    static let trust = Sandpit.hostile

    @Test func serviceTimeUnderLoadIsNeverBelowWhatThePluginSpent() throws {
        let sandpit = try Sandpit()
        let load = try Spinners(count: 2)
        defer { load.stop() }
        let result = try sandpit.run(["run", Self.trust + "/trust-busy100.so", "--limit", "200", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require((try result.json()["trials"] as? [[String: Any]])?.first)
        let cases = try #require(report["cases"] as? [[String: Any]])
        #expect(cases.count == 200)
        let latencies = cases.compactMap { $0["latency_ms"] as? Double }
        // The plugin busy-waits 100 µs on the monotonic clock: no case can take less.
        let under = latencies.filter { $0 < 0.100 }
        #expect(under.isEmpty, "cases under 100 µs: \(under.prefix(10))")
        let trial = try #require(report["trial"] as? [String: Any])
        #expect(trial["timing_inconsistent"] as? Bool == false, "\(trial["timing_notes"] ?? "")")
        let p50 = try #require((report["summary"] as? [String: Any])?["latency_ms"] as? [String: Any])["p50"]
        #expect((p50 as? Double ?? 0) >= 0.100)
    }

    @Test(arguments: [["--in-flight", "16"], ["--in-flight", "64"], ["--workers", "2", "--in-flight", "16"]])
    func everyDenialAndEveryByteOfOutputIsChargedToItsOwnCase(options: [String]) throws {
        let sandpit = try Sandpit()
        let load = try Spinners(count: 2)
        defer { load.stop() }
        let result = try sandpit.run(["run", Self.trust + "/trust-deny3.so", "--limit", "150", "--json"] + options)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require((try result.json()["trials"] as? [[String: Any]])?.first)
        let cases = try #require(report["cases"] as? [[String: Any]])
        #expect(cases.count == 150)
        for c in cases {
            let id = c["id"] as? String ?? "?"
            let events = c["safety_events"] as? [[String: Any]] ?? []
            #expect(events.count == 3, "case \(id) has \(events.count) events")
            #expect(events.allSatisfy { $0["case_id"] as? String == id && $0["syscall"] as? String == "socket" })
            #expect(c["stdout"] as? String == "case \(id)\n", "case \(id) stdout: \(c["stdout"] ?? "")")
        }
    }

    @Test func aSinkKeptPastItsCallIsIgnored() throws {
        let sandpit = try Sandpit()
        let result = try sandpit.run(["run", Self.trust + "/trust-stale-sink.so", "--limit", "30", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require((try result.json()["trials"] as? [[String: Any]])?.first)
        let cases = try #require(report["cases"] as? [[String: Any]])
        #expect(cases.count == 30)
        for c in cases {
            let answer = c["answer"] as? String ?? ""
            #expect(c["outcome"] as? String == "ok")
            #expect(!answer.contains("STALE"), "a stale sink reached \(c["id"] ?? "?"): \(answer)")
            #expect(answer.contains("case \(c["id"] as? String ?? "")\""))
        }
    }

    @Test func forgedDuplicateAndOutOfOrderFramesNeverMoveAnotherCase() throws {
        let sandpit = try Sandpit()
        let result = try sandpit.run(["run", Self.trust + "/trust-forge.so", "--limit", "12", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require((try result.json()["trials"] as? [[String: Any]])?.first)
        let cases = try #require(report["cases"] as? [[String: Any]])
        #expect(cases.count == 12)
        // The plugin forges frames for the 3rd case (before its real answer), the 6th (while
        // the 5th runs), the 10th (then waits 0.4 s before answering) and the 2nd (again, long
        // after it was stored). Sequence n is the n-th case sent.
        let forged: Set<Int> = [2, 5, 9]
        for (position, c) in cases.enumerated() {
            let id = c["id"] as? String ?? "?"
            let events = c["safety_events"] as? [[String: Any]] ?? []
            if forged.contains(position) {
                #expect(c["outcome"] as? String == "protocol_error", "case \(position) \(id)")
            } else if position == 1 {
                // Too late to change what was stored; the case carries the event.
                #expect(events.contains { $0["kind"] as? String == "protocol_error" }, "\(events)")
                #expect((c["answer"] as? String ?? "").contains("case \(id)\""))
            } else {
                #expect(c["outcome"] as? String == "ok", "case \(position) \(id): \(c["detail"] ?? "")")
                #expect((c["answer"] as? String ?? "").contains("case \(id)\""), "case \(position) answer moved")
            }
        }
    }

    @Test func aHopelessPluginIsAbortedAndNothingIsGradedThatWasNotMeasured() throws {
        let sandpit = try Sandpit()
        let policy = try sandpit.policy(
            named: "impatient",
            [
                ("wall_seconds_per_case: 5", "wall_seconds_per_case: 0.3"),
                ("max_consecutive_failures: 20", "max_consecutive_failures: 3"),
            ])
        let result = try sandpit.run([
            "run", Self.trust + "/trust-hang.so", "--policy", policy, "--limit", "40", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require((try result.json()["trials"] as? [[String: Any]])?.first)
        let trial = try #require(report["trial"] as? [String: Any])
        #expect(trial["status"] as? String == "aborted")
        #expect((trial["error"] as? String ?? "").contains("3 cases in a row"))
        let summary = try #require(report["summary"] as? [String: Any])
        let outcomes = try #require(summary["outcomes"] as? [String: Int])
        #expect(outcomes["timeout"] == 3)
        #expect(outcomes["not_run"] == 37)
        #expect(summary["cases"] as? Int == 40)
        let latency = try #require(summary["latency_ms"] as? [String: Any])
        for key in ["p50", "p95", "p99", "max"] { #expect(latency[key] is NSNull, "\(key): \(latency[key] ?? "")") }
        #expect(summary["throughput_cases_per_s"] is NSNull)
        let grades = summary["grades"] as? [String: String] ?? [:]
        #expect(grades["latency_p95_ms"] == nil)
        let table = try sandpit.run(["show", "\(trial["id"] as? Int ?? 0)"])
        #expect(table.stdout.contains("p50 – ms"), "\(table.stdout)")
    }

    @Test func aHostKilledMidTrialKeepsWhatFinishedAndResumeCompletesIt() throws {
        let sandpit = try Sandpit()
        let run = try RunningSandpit(sandpit, ["run", Self.trust + "/trust-slow.so", "--limit", "400"])
        let stored = try sandpit.waitForCases(20)
        run.signal(SIGKILL)
        _ = run.wait()
        try #require(stored >= 20, "no cases were committed while the trial ran")
        let trial = try #require(try sandpit.trials().first)
        #expect(trial["status"] as? String == "incomplete")
        let kept = try #require(trial["cases"] as? Int)
        #expect(kept >= stored && kept < 400, "kept \(kept)")

        let resumed = try sandpit.run(["run", "--resume", "1", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let report = try sandpit.show(1)
        #expect((report["trial"] as? [String: Any])?["status"] as? String == "complete")
        let cases = try #require(report["cases"] as? [[String: Any]])
        #expect(cases.count == 400)
        #expect(Set(cases.compactMap { $0["id"] as? String }).count == 400)
        #expect(cases.allSatisfy { $0["outcome"] as? String == "ok" })
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func anInterruptedRunSaysWhatItKeptAndHowToFinish(signal: Int32, status: Int32) throws {
        let sandpit = try Sandpit()
        let run = try RunningSandpit(sandpit, ["run", Self.trust + "/trust-slow.so", "--limit", "400"])
        try #require(try sandpit.waitForCases(20) >= 20, "no cases were committed while the trial ran")
        run.signal(signal)
        let result = run.wait()
        #expect(result.status == status, "\(result.stderr)")
        let line = result.stderr.split(separator: "\n").last.map(String.init) ?? ""
        let trial = try #require(try sandpit.trials().first)
        let kept = try #require(trial["cases"] as? Int)
        #expect(trial["status"] as? String == "interrupted")
        #expect(line == "sandpit: interrupted: \(kept) of 400 cases recorded; finish with: sandpit run --resume 1")
        #expect(kept >= 20 && kept < 400)

        let resumed = try sandpit.run(["run", "--resume", "1"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let report = try sandpit.show(1)
        #expect((report["trial"] as? [String: Any])?["status"] as? String == "complete")
        #expect((report["cases"] as? [[String: Any]])?.count == 400)
        let again = try sandpit.run(["run", "--resume", "1"])
        #expect(again.status == 64)
        #expect(again.stderr.contains("trial 1 is complete"))
    }

    @Test func resumeRefusesWhenThePluginOrThePolicyChanged() throws {
        let sandpit = try Sandpit()
        let plugin = sandpit.directory + "/plugin.so"
        try FileManager.default.copyItem(atPath: Self.trust + "/trust-slow.so", toPath: plugin)
        let policy = try sandpit.policy(named: "mine", [])
        for (change, status, words) in [
            ("plugin", Int32(1), "the plugin changed"), ("policy", 2, "the policy changed"),
        ] {
            let fresh = try Sandpit()
            let run = try RunningSandpit(fresh, ["run", plugin, "--policy", policy, "--limit", "400"])
            _ = try fresh.waitForCases(10)
            run.signal(SIGINT)
            _ = run.wait()
            let original = try Data(contentsOf: URL(fileURLWithPath: change == "plugin" ? plugin : policy))
            if change == "plugin" {
                try FileManager.default.removeItem(atPath: plugin)
                try FileManager.default.copyItem(atPath: Self.trust + "/trust-busy100.so", toPath: plugin)
            } else {
                try (String(decoding: original, as: UTF8.self) + "\n# changed\n").write(
                    toFile: policy, atomically: true, encoding: .utf8)
            }
            let refused = try fresh.run(["run", "--resume", "1"])
            #expect(refused.status == status, "\(refused.stderr)")
            #expect(refused.stderr.contains(words), "\(refused.stderr)")
            #expect(refused.stderr.split(separator: "\n").count == 1)
            try original.write(to: URL(fileURLWithPath: change == "plugin" ? plugin : policy))
        }
    }
}

extension TrustTests {
    @Test func aWorkerThatClaimsLessTimeThanItsCPUUsedIsFlaggedAndNotGraded() throws {
        let sandpit = try Sandpit()
        let result = try sandpit.run(["run", Self.trust + "/trust-lie.so", "--limit", "50", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require((try result.json()["trials"] as? [[String: Any]])?.first)
        let trial = try #require(report["trial"] as? [String: Any])
        #expect(trial["timing_inconsistent"] as? Bool == true)
        let notes = trial["timing_notes"] as? [String] ?? []
        #expect(notes.contains { $0.contains("main thread used") }, "\(notes)")
        let grades = (report["summary"] as? [String: Any])?["grades"] as? [String: String] ?? [:]
        #expect(grades["latency_p95_ms"] == nil)
        let shown = try sandpit.run(["show", "\(trial["id"] as? Int ?? 0)"])
        #expect(shown.stdout.contains("timing_inconsistent"))
    }

    @Test func aLandlockDenialIsOnRecordAndTheTrialViolatedItsPolicy() throws {
        let sandpit = try Sandpit()
        let result = try sandpit.run(["run", Self.trust + "/trust-shadow.so", "--limit", "3", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require((try result.json()["trials"] as? [[String: Any]])?.first)
        let trial = try #require(report["trial"] as? [String: Any])
        let notes = trial["isolation_notes"] as? [String] ?? []
        if let unobservable = notes.first(where: { $0.hasPrefix("landlock: denials not observable") }) {
            // Never silence: the trial says it could not see them.
            Issue.record("Landlock denials are not observable on this machine: \(unobservable)")
            return
        }
        let events = try #require(report["safety_events"] as? [[String: Any]])
        let denied = events.filter { $0["kind"] as? String == "denied_access" }
        // /etc/hostname is outside the read set; Landlock refuses it once a case.
        let hostname = denied.filter { ($0["detail"] as? String ?? "").contains("/etc/hostname") }
        #expect(hostname.count == 3, "\(denied)")
        #expect(
            hostname.allSatisfy { $0["category"] as? String == "filesystem" && $0["syscall"] as? String == "openat" })
        // Each case spends 6 ms either side of its reads: every denial is charged to its own case.
        let cases = try #require(report["cases"] as? [[String: Any]])
        for c in cases {
            let own = (c["safety_events"] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "denied_access" }
            #expect(own.count == 3, "case \(c["id"] ?? "?"): \(own.map { $0["detail"] ?? "" })")
        }
        // /etc/shadow (mode 0640) is refused by its permissions before Landlock is asked; the
        // audit rule for failed opens still puts it on record.
        let shadow = denied.filter { ($0["detail"] as? String ?? "").contains("/etc/shadow") }
        #expect(shadow.count == 3, "\(denied)")
        let summary = try #require(report["summary"] as? [String: Any])
        #expect(summary["denied_accesses"] as? Int ?? 0 >= 6)
        #expect((summary["safety"] as? [String: Any])?["verdict"] as? String == "violated_policy")
    }
}
