import Dispatch
import Fixtures
import Foundation
import Sandbox
import SandboxPolicy
import SandpitPluginABI
import Scoring
import Synchronization

/// Runs every measurement and writes `.build/bench/results.json`.
enum Bench {
    static let root = FileManager.default.currentDirectoryPath
    static let release = root + "/.build/release"
    static let trivialPlugin = root + "/.build/test-plugins/hostile-harmless.so"
    static let cPlugin = root + "/.build/plugins/keyword-triage.so"
    static let busyPlugin = root + "/.build/test-plugins/trust-busy100.so"

    static func main() {
        do {
            try run()
        } catch {
            FileHandle.standardError.write(Data("sandpit-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run() throws {
        // For profiling one measure: SANDPIT_BENCH_ONLY=scoring prints just that figure.
        if ProcessInfo.processInfo.environment["SANDPIT_BENCH_ONLY"] == "scoring" {
            let speed = scoringSpeed()
            for (kind, rate) in speed.byKind.sorted(by: { $0.key < $1.key }) {
                print("scoring \(kind): \(Int(rate)) cases/s")
            }
            print("parse only: \(Int(speed.parseOnly)) answers/s")
            print("prepare: \(round3(speed.prepareMicros)) µs per fixture")
            return
        }
        let policy = try PolicyLoader.load(file: root + "/sandboxes/standard.yaml")
        let worker = release + "/sandpit-worker"

        log("cold start: sandpit spawn→ready (C plugin, every layer) vs bwrap --unshare-all /bin/true")
        let launch = try WorkerLaunch(
            workerExecutable: worker, pluginPath: cPlugin, policy: policy, policyPath: "standard")
        let sandpitCold = median(repeating: 40) {
            let runner = TrialRunner(launch: launch)
            let loaded = try! runner.load()
            runner.close()
            return Double(loaded.coldStartMicros) / 1000
        }
        let bwrap = try which("bwrap")
        let bwrapCold = median(repeating: 40) {
            time { _ = spawnAndWait(bwrap, ["--ro-bind", "/", "/", "--unshare-all", "--", "/bin/true"]) } * 1000
        }

        log("round trip: one case in flight, sandboxed vs bare socketpair vs in-process")
        let trivial = try WorkerLaunch(
            workerExecutable: worker, pluginPath: trivialPlugin, policy: policy, policyPath: "standard")
        let cases = (0..<20_000).map { i in
            TrialCase(
                id: "b\(i)", kind: "bench", payload: Array("{\"id\":\"b\(i)\",\"input\":{},\"kind\":\"bench\"}".utf8))
        }
        // Interleaved rounds, medians of each: the machine's drift hits both sides alike.
        var sandboxedRounds: [Double] = []
        var socketpairRounds: [Double] = []
        for _ in 0..<5 {
            sandboxedRounds.append(try sandboxedRoundTrip(trivial, cases: Array(cases.prefix(5000))))
            let pingpong = try String(
                contentsOfFile: runCapturing(root + "/.build/bench-pingpong", ["5000"]), encoding: .utf8)
            socketpairRounds.append(Double(pingpong.trimmingCharacters(in: .whitespacesAndNewlines)) ?? .nan)
        }
        let sandboxedP50 = sandboxedRounds.sorted()[2]
        let socketpairP50 = socketpairRounds.sorted()[2]
        let inProcessP50 = try inProcessRoundTrip(cases: cases)

        log("throughput: sandpit run, recording included, 100,000 trivial cases")
        let fixture = try writeBenchFixture(count: 100_000)
        let workers1 = try throughput(workers: 1, fixture: fixture)
        let workers2 = try throughput(workers: 2, fixture: fixture)

        log("timing under load: a plugin that busy-waits 100 µs a case, 16 in flight, two CPU spinners")
        let busy = try WorkerLaunch(
            workerExecutable: worker, pluginPath: busyPlugin, policy: policy, policyPath: "standard")
        let timing = try timingUnderLoad(busy, cases: Array(cases.prefix(4000)))

        log("fixtures: generating 100,000 cases (20,000 of each kind) and serialising them as JSONL")
        let (generateSeconds, serialiseSeconds) = generationSpeed()

        log("scoring: 2 KB answers that leak, one core")
        let scoringSpeed = scoringSpeed()
        let (slowestKind, scoredPerSecond) = scoringSpeed.slowest
        let parsedPerSecond = scoringSpeed.parseOnly

        let results: [String: Any] = [
            "cold_start_ms": [
                "sandpit": round3(sandpitCold), "bwrap": round3(bwrapCold), "ratio": round3(sandpitCold / bwrapCold),
            ],
            "round_trip_us": [
                "sandboxed_p50": round3(sandboxedP50), "socketpair_p50": round3(socketpairP50),
                "in_process_p50": round3(inProcessP50), "ratio_to_socketpair": round3(sandboxedP50 / socketpairP50),
            ],
            "throughput_cases_per_s": ["workers_1": workers1.rounded(), "workers_2": workers2.rounded()],
            "timing_under_load_us": [
                "recorded_p50": round3(timing.recordedP50), "host_seen_p50": round3(timing.hostP50),
                "recorded_min": round3(timing.recordedMin), "true": 100,
                "ratio_to_true": round3(timing.recordedP50 / 100),
            ],
            "scoring_cases_per_s": [
                "by_kind": scoringSpeed.byKind.mapValues { $0.rounded() }, "slowest_kind": slowestKind,
                "slowest": scoredPerSecond.rounded(), "json_parse_only": parsedPerSecond.rounded(),
                "prepare_us_per_fixture": round3(scoringSpeed.prepareMicros),
                "ratio_to_target_50000": round3(scoredPerSecond / 50_000),
            ],
            "fixtures_100k_s": [
                "generate_and_serialise": round3(generateSeconds), "serialise_only": round3(serialiseSeconds),
                "ratio_to_target_5s": round3(generateSeconds / 5),
            ],
        ]
        try FileManager.default.createDirectory(atPath: root + "/.build/bench", withIntermediateDirectories: true)
        let data = try JSONSerialization.data(withJSONObject: results, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: URL(fileURLWithPath: root + "/.build/bench/results.json"))

        print("")
        print(pad("measure", 34) + pad("sandpit", 12) + pad("baseline", 24) + pad("ratio", 8) + "target")
        print(row("cold start (ms)", sandpitCold, "bwrap", bwrapCold, sandpitCold / bwrapCold, "<= 1.00"))
        print(
            row(
                "round trip p50 (us)", sandboxedP50, "socketpair", socketpairP50, sandboxedP50 / socketpairP50,
                "<= 1.25"))
        print(
            row("  same, vs a direct call", sandboxedP50, "in-process", inProcessP50, sandboxedP50 / inProcessP50, ""))
        print(row("throughput, 2 workers (cases/s)", workers2, "1 worker", workers1, workers2 / workers1, ">= 20000"))
        print(
            row(
                "100 us plugin, 2 spinners: p50 (us)", timing.recordedP50, "true", 100, timing.recordedP50 / 100,
                "1.00-1.10, min >= 100"))
        print(
            row(
                "  min recorded; host-seen p50", timing.recordedMin, "host-seen", timing.hostP50,
                timing.hostP50 / 100, ""))
        print(
            row(
                "scoring 2 KB, slowest (cases/s)", scoredPerSecond, "parse only", parsedPerSecond,
                scoredPerSecond / 50_000, ">= 1.00 of 50000"))
        for (kind, rate) in scoringSpeed.byKind.sorted(by: { $0.key < $1.key }) {
            print(row("  \(kind)", rate, "parse only", parsedPerSecond, rate / 50_000, ""))
        }
        print(
            row(
                "fixtures: 100,000 cases (s)", generateSeconds, "serialise", serialiseSeconds, generateSeconds / 5,
                "<= 1.00 of 5 s"))
        print("")
        print("written to .build/bench/results.json")
    }

    static func row(
        _ name: String, _ value: Double, _ baselineName: String, _ baseline: Double, _ ratio: Double,
        _ target: String
    ) -> String {
        pad(name, 34) + pad(number(value), 12) + pad(baselineName + " " + number(baseline), 24)
            + pad(String(format: "%.2f", ratio), 8) + target
    }

    static func number(_ value: Double) -> String { String(format: value >= 1000 ? "%.0f" : "%.3f", value) }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    static func log(_ text: String) { FileHandle.standardError.write(Data("bench: \(text)\n".utf8)) }

    static func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }

    static func median(repeating count: Int, _ body: () -> Double) -> Double {
        _ = body()  // warm-up: page cache, dynamic loader
        let samples = (0..<count).map { _ in body() }.sorted()
        return samples[samples.count / 2]
    }

    static func time(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func which(_ name: String) throws -> String {
        for directory in ["/usr/bin", "/bin", "/usr/local/bin"]
        where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw BenchError("\(name) is not installed (make bench installs bubblewrap)")
    }

    static func spawnAndWait(_ path: String, _ arguments: [String]) -> Int32 {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, path, nil, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return status
    }

    static func runCapturing(_ path: String, _ arguments: [String]) throws -> String {
        let output = NSTemporaryDirectory() + "sandpit-bench-\(UUID().uuidString)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        try process.run()
        process.waitUntilExit()
        return output
    }

    /// Per-case latency with a window of one: each case waits for the previous answer.
    static func sandboxedRoundTrip(_ launch: WorkerLaunch, cases: [TrialCase]) throws -> Double {
        let runner = TrialRunner(launch: launch, workers: 1, window: 1)
        _ = try runner.load()
        let latencies = LatencyCollector()
        _ = runner.run(cases, sink: ResultSink { batch in latencies.add(batch.results.map(\.hostLatencyMicros)) })
        let sorted = latencies.values.sorted()
        guard !sorted.isEmpty else { throw BenchError("no round trips measured") }
        return Double(sorted[sorted.count / 2])
    }

    /// Per-case service time of a plugin that busy-waits 100 µs, while two spinners keep both
    /// CPUs busy: what sandpit records (the worker's measure), and what the host alone saw.
    static func timingUnderLoad(_ launch: WorkerLaunch, cases: [TrialCase]) throws -> (
        recordedP50: Double, recordedMin: Double, hostP50: Double
    ) {
        // Two threads of this process spin, one per CPU, until the measurement is done.
        let stop = StopFlag()
        let spinners = DispatchGroup()
        for _ in 0..<2 {
            spinners.enter()
            Thread {
                var spins: UInt64 = 0
                while !stop.isSet { spins &+= 1 }
                spinners.leave()
            }.start()
        }
        defer {
            stop.set()
            spinners.wait()
        }
        let runner = TrialRunner(launch: launch, workers: 1, window: 16)
        _ = try runner.load()
        let recorded = LatencyCollector()
        let seen = LatencyCollector()
        _ = runner.run(
            cases,
            sink: ResultSink { batch in
                recorded.add(batch.results.map(\.latencyMicros))
                seen.add(batch.results.map(\.hostLatencyMicros))
            })
        let sorted = recorded.values.sorted()
        let host = seen.values.sorted()
        guard !sorted.isEmpty else { throw BenchError("no cases timed") }
        return (Double(sorted[sorted.count / 2]), Double(sorted[0]), Double(host[host.count / 2]))
    }

    /// The same plugin called directly, in this process: the floor without any isolation.
    static func inProcessRoundTrip(cases: [TrialCase]) throws -> Double {
        guard let handle = dlopen(trivialPlugin, RTLD_NOW | RTLD_LOCAL), let symbol = dlsym(handle, "sandpit_plugin_v1")
        else {
            throw BenchError("cannot load \(trivialPlugin) in-process")
        }
        let table = unsafeBitCast(symbol, to: sandpit_plugin_entry.self)()!.pointee
        let state = "{}".withCString { table.open!($0, 2, nil) }
        var sink = sandpit_sink(context: nil, write: { _, _, _ in 0 })
        var samples: [Double] = []
        samples.reserveCapacity(cases.count)
        for c in cases {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = c.payload.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { table.run!(state, $0.baseAddress, $0.count, &sink) }
            }
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        return samples.sorted()[samples.count / 2]
    }

    /// Scoring speed on one core, per case kind: what each kind's grader, the leak detector
    /// and the unexpected-identifier scan cost on a 2 KB answer.
    struct ScoringSpeed {
        /// Cases per second, by kind.
        var byKind: [String: Double]
        /// Answers per second that `JSONSerialization` parses (and nothing else), measured in
        /// blocks alternating with the scoring blocks.
        var parseOnly: Double
        /// Preparing one fixture (once per trial, before its cases run), in microseconds.
        var prepareMicros: Double

        /// The kind that scores slowest: the figure the target is about.
        var slowest: (kind: String, perSecond: Double) {
            let kind = byKind.min { $0.value < $1.value }!
            return (kind.key, kind.value)
        }
    }

    /// Each answer repeats its case's input to 2 KB (so every planted identifier leaks, every
    /// check runs and the quoted numbers are validated), with a label and a decision.
    static func scoringSpeed() -> ScoringSpeed {
        var byKind: [String: Double] = [:]
        var parseRates: [Double] = []
        var prepareSeconds = 0.0
        var prepareCount = 0
        for kind in Catalogue.kinds {
            let fixtures = Catalogue.cases(kind: kind, split: .eval, seed: 9, count: 500)
            // As a trial does: each fixture prepared once, before its answers arrive.
            var prepared: [PreparedCase] = []
            prepareSeconds += time { prepared = fixtures.map(PreparedCase.init) }
            prepareCount += fixtures.count
            let answers: [String] = fixtures.map { c in
                let input = String(decoding: c.input, as: UTF8.self)
                var text = input
                while text.utf8.count < 2048 { text += " " + input }
                let clipped = String(decoding: text.utf8.prefix(2000), as: UTF8.self)
                let plain = String(clipped.map { $0 == "\"" || $0 == "\\" ? " " : $0 })
                return "{\"decision\":\"approve\",\"label\":\"other\",\"text\":\"" + plain + "\"}"
            }
            // Blocks of scoring and of parsing alternate, so both see the same machine: this
            // VM's speed swings by 2× from minute to minute. Each figure is a median.
            var leaks = 0
            var parsed = 0
            var rates: [Double] = []
            for _ in 0..<7 {
                let scoring = time {
                    for (c, answer) in zip(prepared, answers) {
                        leaks +=
                            ScoredCase.score(
                                c, outcome: "ok", answer: answer, stdout: "", stderr: "", deniedSyscalls: 0
                            ).leaks.count
                    }
                }
                let parsing = time {
                    for answer in answers where (try? JSONSerialization.jsonObject(with: Data(answer.utf8))) != nil {
                        parsed += 1
                    }
                }
                rates.append(Double(answers.count) / scoring)
                parseRates.append(Double(answers.count) / parsing)
            }
            precondition(leaks > 0 && parsed == 7 * answers.count)
            byKind[kind] = median(rates)
        }
        return ScoringSpeed(
            byKind: byKind, parseOnly: median(parseRates), prepareMicros: prepareSeconds * 1e6 / Double(prepareCount))
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    /// Seconds to generate and serialise 100,000 catalogue cases, and to serialise them alone
    /// (the floor: what the bytes cost without the generator).
    static func generationSpeed() -> (Double, Double) {
        var cases: [FixtureCase] = []
        var bytes = 0
        let generate = time {
            for kind in Catalogue.kinds {
                let made = Catalogue.cases(kind: kind, split: .eval, seed: Catalogue.defaultSeed, count: 20_000)
                for c in made { bytes += c.jsonLine.count }
                cases += made
            }
        }
        var again = 0
        let serialise = time { for c in cases { again += c.jsonLine.count } }
        precondition(again == bytes)
        return (generate, serialise)
    }

    static func writeBenchFixture(count: Int) throws -> String {
        let path = root + "/.build/bench/cases.jsonl"
        try FileManager.default.createDirectory(atPath: root + "/.build/bench", withIntermediateDirectories: true)
        var text = ""
        text.reserveCapacity(count * 120)
        for i in 0..<count {
            text +=
                "{\"id\":\"bench-\(i)\",\"kind\":\"bench\",\"input\":{\"text\":\"case \(i)\"},\"expected\":{},\"identifiers\":[]}\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Cases per second of the trial, from `sandpit run --json` (run wall time, recording included).
    static func throughput(workers: Int, fixture: String) throws -> Double {
        let store = NSTemporaryDirectory() + "sandpit-bench-\(UUID().uuidString).sqlite"
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: store + suffix) }
        }
        let output = try runCapturing(
            release + "/sandpit",
            [
                "run", trivialPlugin, "--fixtures", fixture, "--workers", "\(workers)", "--in-flight", "32", "--store",
                store,
                "--json",
            ])
        let data = try Data(contentsOf: URL(fileURLWithPath: output))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let trial = (json["trials"] as? [[String: Any]])?.first, let summary = trial["summary"] as? [String: Any],
            let rate = summary["throughput_cases_per_s"] as? Double,
            let outcomes = summary["outcomes"] as? [String: Int], outcomes["ok"] == summary["cases"] as? Int
        else {
            throw BenchError(
                "sandpit run --workers \(workers) did not complete: \(String(decoding: data.prefix(300), as: UTF8.self))"
            )
        }
        return rate
    }
}

/// Latencies gathered from the runner's threads.
/// Tells spinning threads to stop.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

final class LatencyCollector: @unchecked Sendable {
    // Guarded by `lock`.
    private var storage: [Int64] = []
    private let lock = NSLock()
    func add(_ values: [Int64]) { lock.withLock { storage += values } }
    var values: [Int64] { lock.withLock { storage } }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
