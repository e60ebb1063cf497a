import Foundation
import Testing

@testable import Scoring

/// Percentiles are nearest rank: checked against numpy, which nobody here wrote.
struct LatencySummaryTests {
    /// numpy's `percentile(method="inverted_cdf")` is the nearest-rank definition.
    static let numpy: String? = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import numpy"]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        return process.terminationStatus == 0 ? "python3" : nil
    }()

    @Test(.enabled(if: numpy != nil, "numpy is not installed for python3"))
    func nearestRankAgreesWithNumpy() throws {
        var generator = SystemRandomNumberGenerator()
        var samples: [[Int64]] = [[7], [1, 2], [5, 1, 4, 2, 3], Array(1...100), Array(1...101), Array(1...1000)]
        for size in [3, 19, 20, 21, 199, 200, 201, 999] {
            samples.append((0..<size).map { _ in Int64.random(in: 1...5_000_000, using: &generator) })
        }
        // Not 99.9: numpy computes its rank in floating point, and 0.999 × 1000 lands above 999.
        let percentiles = [50.0, 95, 99, 1, 100]
        let script = """
            import json, sys, numpy
            for line in sys.stdin:
                values = json.loads(line)
                print(json.dumps([int(numpy.percentile(values, p, method="inverted_cdf")) for p in \(percentiles)]))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let lines = samples.map { "[" + $0.map(String.init).joined(separator: ",") + "]\n" }.joined()
        input.fileHandleForWriting.write(Data(lines.utf8))
        try input.fileHandleForWriting.close()
        let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let expected = answer.split(separator: "\n").map { line in
            line.dropFirst().dropLast().split(separator: ",").map { Int64($0.trimmingCharacters(in: .whitespaces))! }
        }
        try #require(expected.count == samples.count)
        for (values, reference) in zip(samples, expected) {
            let sorted = values.sorted()
            let ours = percentiles.map { LatencySummary.nearestRank(sorted, $0)! }
            #expect(ours == reference, "n=\(values.count)")
        }
    }

    @Test func nothingMeasuredIsNullNotZero() throws {
        let empty = LatencySummary(micros: [])
        #expect(empty.p50 == nil && empty.p95 == nil && empty.p99 == nil && empty.max == nil)
        let json = String(decoding: try JSONEncoder().encode(empty), as: UTF8.self)
        #expect(json.contains("\"p95\":null"))
    }

    @Test func everyPercentileIsATimeSomeCaseTook() {
        let summary = LatencySummary(micros: [100, 100, 100, 100, 100, 100, 100, 100, 100, 9_000])
        #expect(summary.p50 == 0.1)
        #expect(summary.p95 == 9.0)  // rank ⌈9.5⌉ = 10
        #expect(summary.max == 9.0)
    }
}
