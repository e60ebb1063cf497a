import Foundation
import Testing

/// `sandpit run`, `trials`, `show` and `plugin inspect` on the built binary and real plugins.
@Suite(.enabled(if: Sandpit.builtPluginsExist, "needs `make plugins test-plugins` and a debug build"))
struct RunTests {
    @Test func examplePluginsRunAndCompare() throws {
        let sandpit = try Sandpit()
        let plugins = ["keyword-triage", "lexicon-triage", "echo"].map { Sandpit.plugins + "/\($0).so" }
        let result = try sandpit.run(["run"] + plugins + ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let trials = try #require(try result.json()["trials"] as? [[String: Any]])
        #expect(trials.count == 3)
        for report in trials {
            let trial = try #require(report["trial"] as? [String: Any])
            #expect(trial["status"] as? String == "complete")
            let plugin = try #require(trial["plugin"] as? [String: Any])
            #expect((plugin["sha256"] as? String)?.count == 64)
            for key in ["name", "version", "path"] { #expect(plugin[key] is String) }
            let policy = try #require(trial["policy"] as? [String: Any])
            #expect(policy["name"] as? String == "standard")
            let fixtures = try #require(trial["fixtures"] as? [String: Any])
            #expect(fixtures["set"] as? String == "common-cases-v1")
            #expect((fixtures["sha256"] as? String)?.count == 64)
            #expect(fixtures["seed"] as? Int == 0)
            let isolation = try #require(trial["isolation"] as? [String: Bool])
            #expect(isolation["seccomp"] == true)
            #expect(isolation["no_new_privs"] == true)
            for key in ["landlock", "user_namespace", "net_namespace"] { #expect(isolation[key] != nil) }
            #expect(trial["started_at"] is String)
            #expect(trial["finished_at"] is String)

            let summary = try #require(report["summary"] as? [String: Any])
            let cases = try #require(summary["cases"] as? Int)
            #expect(cases >= 50)
            let outcomes = try #require(summary["outcomes"] as? [String: Int])
            #expect(outcomes["ok"] == cases, "every case answered: \(outcomes)")
            #expect(
                Set(outcomes.keys) == [
                    "ok", "error", "timeout", "memory_limit", "killed_by_policy", "crashed",
                    "output_limit", "protocol_error", "not_run",
                ])
            let latency = try #require(summary["latency_ms"] as? [String: Double])
            #expect(Set(latency.keys) == ["p50", "p95", "p99", "max"])
            #expect(latency["p50"]! <= latency["p95"]! && latency["p95"]! <= latency["max"]!)
            #expect(summary["safety_events"] as? Int == 0, "a well-behaved plugin makes no denied calls")
            let name = ((trial["plugin"] as? [String: Any])?["name"] as? String) ?? ""
            // echo repeats its input: every case leaks; the triage baselines answer with a label only.
            if name == "echo" {
                #expect((summary["leaks"] as? Int ?? 0) > 0)
                #expect(summary["leak_rate"] as? Double == 1)
            } else {
                #expect(summary["leaks"] as? Int == 0)
            }
            #expect(summary["unexpected_identifiers"] as? Int == 0)
            #expect((summary["safety"] as? [String: Any])?["verdict"] as? String == "contained")
            #expect(summary["quality"] is [String: Any])
            #expect(summary["grades"] is [String: String])
            #expect((summary["peak_rss_bytes"] as? Int ?? 0) > 0)
            let caseList = try #require(report["cases"] as? [[String: Any]])
            #expect(caseList.count == cases)
            for c in caseList {
                for key in ["id", "kind", "outcome"] { #expect(c[key] is String) }
                #expect(c["score"] is Double || c["score"] is Int)
                #expect(c["latency_ms"] is Double || c["latency_ms"] is Int)
                #expect(c["safety_events"] is [Any])
                #expect(c["leaks"] is [Any])
            }
            #expect(report["safety_events"] is [Any])
            #expect(report["leaks"] is [Any])
        }
        // The triage baselines give real labels.
        let keyword = try #require(
            trials.first {
                (($0["trial"] as? [String: Any])?["plugin"] as? [String: Any])?["name"] as? String == "keyword-triage"
            })
        let answers = (keyword["cases"] as? [[String: Any]] ?? []).compactMap { $0["answer"] as? String }
        #expect(answers.allSatisfy { $0.contains("\"label\"") })

        let listed = try sandpit.run(["trials", "--json"])
        #expect(listed.status == 0)
        let rows = try #require(try listed.json()["trials"] as? [[String: Any]])
        #expect(rows.count == 3)
        #expect(
            rows.allSatisfy {
                $0["id"] is Int && $0["plugin"] is String && $0["status"] as? String == "complete"
                    && $0["started_at"] is String
            })

        let id = try #require(rows.first?["id"] as? Int)
        let shown = try sandpit.run(["show", "\(id)", "--json"])
        #expect(shown.status == 0)
        #expect((try shown.json()["trial"] as? [String: Any])?["id"] as? Int == id)

        let table = try sandpit.run(["run", plugins[0], "--limit", "5"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("keyword-triage"))
        #expect(table.stdout.contains("latency p50 ms"))
    }

    @Test func baselinesAnswerEveryKindInsideTheSandbox() throws {
        let sandpit = try Sandpit()
        let names = ["keyword-triage", "lexicon-triage", "naive-bayes-triage", "pattern-redactor", "rules-decide"]
        let result = try sandpit.run(["run"] + names.map { Sandpit.plugins + "/\($0).so" } + ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let trials = try #require(try result.json()["trials"] as? [[String: Any]])
        var kinds = Set<String>()
        for report in trials {
            let summary = try #require(report["summary"] as? [String: Any])
            #expect((summary["outcomes"] as? [String: Int])?["ok"] == summary["cases"] as? Int)
            #expect(summary["denied_syscalls"] as? Int == 0, "a baseline needs nothing the standard policy denies")
            for c in report["cases"] as? [[String: Any]] ?? [] { kinds.insert(c["kind"] as? String ?? "") }
        }
        #expect(kinds == ["decide", "extract", "redact", "summarise", "triage"])
        // The trained baseline routes most held-out enquiries right (it never saw the eval split).
        let export = try sandpit.run(["fixtures", "export", "--kind", "triage", "--jsonl"])
        var gold: [String: String] = [:]
        for line in export.stdout.split(separator: "\n") {
            let c = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            gold[c["id"] as! String] = (c["expected"] as? [String: Any])?["label"] as? String
        }
        let bayes = try #require(
            trials.first {
                ((($0["trial"] as? [String: Any])?["plugin"] as? [String: Any])?["name"] as? String)
                    == "naive-bayes-triage"
            })
        let answers = bayes["cases"] as? [[String: Any]] ?? []
        let right = answers.filter { c in
            let answer =
                try? JSONSerialization.jsonObject(with: Data((c["answer"] as? String ?? "").utf8)) as? [String: Any]
            return answer?["label"] as? String == gold[c["id"] as? String ?? ""]
        }.count
        #expect(Double(right) / Double(max(answers.count, 1)) > 0.8, "\(right) of \(answers.count)")
        // Under strict, the weights are still read (while loading), and nothing is denied after.
        let strict = try sandpit.run([
            "run", Sandpit.plugins + "/naive-bayes-triage.so", "--policy", "strict", "--limit", "20", "--json",
        ])
        let strictSummary = (try strict.json()["trials"] as? [[String: Any]])?.first?["summary"] as? [String: Any]
        #expect((strictSummary?["outcomes"] as? [String: Int])?["ok"] == 20, "\(strict.stderr)")
        #expect(strictSummary?["denied_syscalls"] as? Int == 0)
    }

    @Test func limitSeedWorkersAndCases() throws {
        let sandpit = try Sandpit()
        let plugin = Sandpit.plugins + "/keyword-triage.so"
        let a = try sandpit.run(["run", plugin, "--limit", "7", "--seed", "3", "--workers", "2", "--json"])
        let b = try sandpit.run(["run", plugin, "--limit", "7", "--seed", "3", "--json"])
        func ids(_ r: Sandpit.Result) throws -> [String] {
            let trial = try #require((try r.json()["trials"] as? [[String: Any]])?.first)
            return (trial["cases"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        }
        #expect(try ids(a).count == 7)
        #expect(try ids(a) == ids(b), "the same seed picks the same cases in the same order")
        let usage = try sandpit.run(["run", plugin, "--cases", "astrology"])
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("unknown case kind astrology"))
        let badSeed = try sandpit.run(["run", plugin, "--seed", "banana"])
        #expect(badSeed.status == 64)
    }

    @Test func inspectLoadsInTheSandbox() throws {
        let sandpit = try Sandpit()
        let result = try sandpit.run(["plugin", "inspect", Sandpit.plugins + "/lexicon-triage.so", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try result.json()
        #expect(report["name"] as? String == "lexicon-triage")
        #expect(report["case_kinds"] as? [String] == ["triage"])
        #expect(report["abi"] as? Int == 1)
        #expect(report["swift_runtime"] as? Bool == true)
        #expect((report["sha256"] as? String)?.count == 64)
    }

    @Test func badPolicyIsOneLineWithFileAndLine() throws {
        let sandpit = try Sandpit()
        let path = sandpit.directory + "/bad.yaml"
        try "name: bad\nseccomp:\n  allow: [read, ptrace]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try sandpit.run(["run", Sandpit.plugins + "/echo.so", "--policy", path])
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "sandpit: error: \(path):3: ptrace can never be allowed: it is kernel attack surface or a way out of the sandbox (only i_understand_this_is_unsafe: true overrides this)\n"
        )
        #expect(
            try sandpit.run(["trials", "--json"]).json()["trials"] as? [Any] == nil
                || (try sandpit.run(["trials", "--json"]).json()["trials"] as? [Any])?.isEmpty == true)
    }

    @Test func unusableStoreIsAClearError() throws {
        let sandpit = try Sandpit()
        try "garbage garbage garbage garbage".write(toFile: sandpit.store, atomically: true, encoding: .utf8)
        let result = try sandpit.run(["trials"])
        #expect(result.status == 3)
        #expect(result.stderr.contains(sandpit.store))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func unknownTrialIsNotFound() throws {
        let sandpit = try Sandpit()
        let result = try sandpit.run(["show", "12345"])
        #expect(result.status == 6)
        #expect(result.stderr.contains("no trial 12345"))
    }

    @Test func interruptedRunStaysIncomplete() throws {
        let sandpit = try Sandpit()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Sandpit.binary)
        process.arguments = ["run", Sandpit.hostile + "/hostile-spin.so", "--limit", "3", "--store", sandpit.store]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the trial is in the store (it is written before the first case), then kill.
        for _ in 0..<200 {
            Thread.sleep(forTimeInterval: 0.05)
            let rows = try? sandpit.run(["trials", "--json"]).json()["trials"] as? [[String: Any]]
            if rows?.isEmpty == false { break }
        }
        Thread.sleep(forTimeInterval: 0.3)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let listed = try sandpit.run(["trials", "--json"])
        let rows = try #require(try listed.json()["trials"] as? [[String: Any]])
        #expect(rows.count == 1)
        #expect(rows.first?["status"] as? String == "incomplete")
        // The host died; its workers must not outlive it (PR_SET_PDEATHSIG, set again after the uid change).
        var orphans: [String] = []
        for _ in 0..<40 {
            orphans = Self.orphanedWorkers()
            if orphans.isEmpty { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(orphans.isEmpty, "workers left running after their host was killed: \(orphans)")
    }

    /// Live sandpit-worker processes whose parent is gone (reparented to pid 1).
    static func orphanedWorkers() -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
        return pids.filter { pid in
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                status.contains("Name:\tsandpit-worker")
            else { return false }
            return status.contains("PPid:\t1\n") && !status.contains("State:\tZ")
        }
    }
}
