import Histogram

/// Latency percentiles from an HdrHistogram (three significant digits), in milliseconds.
public struct LatencySummary: Sendable, Hashable, Codable {
    public var p50: Double
    public var p95: Double
    public var p99: Double
    public var max: Double

    /// From per-case latencies in microseconds.
    public init(micros: [Int64]) {
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        for value in micros { _ = histogram.record(UInt64(Swift.max(0, value))) }
        func ms(_ percentile: Double) -> Double {
            micros.isEmpty ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1000
        }
        p50 = ms(50)
        p95 = ms(95)
        p99 = ms(99)
        max = micros.isEmpty ? 0 : Double(micros.max()!) / 1000
    }
}
