/// Latency percentiles of a trial, in milliseconds: nearest rank over the cases the plugin
/// answered (`ok` and `error`), so every figure is a time some case really took.
///
/// Nil (JSON `null`, `–` in tables) when nothing was measured: no case was answered.
public struct LatencySummary: Sendable, Hashable, Codable {
    public var p50: Double?
    public var p95: Double?
    public var p99: Double?
    public var max: Double?

    enum CodingKeys: String, CodingKey { case p50, p95, p99, max }

    /// From per-case latencies in microseconds.
    public init(micros: [Int64]) {
        let sorted = micros.sorted()
        func ms(_ percentile: Double) -> Double? {
            Self.nearestRank(sorted, percentile).map { Double($0) / 1000 }
        }
        p50 = ms(50)
        p95 = ms(95)
        p99 = ms(99)
        max = sorted.last.map { Double($0) / 1000 }
    }

    /// The nearest-rank percentile of sorted values: the smallest value with at least
    /// `percentile`% of the values at or below it, the value at rank ⌈p/100 · n⌉. (numpy's
    /// `percentile(method="inverted_cdf")` is the same definition.)
    public static func nearestRank(_ sorted: [Int64], _ percentile: Double) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        // Computed in integers where it can be: 0.95 × 100 in doubles is 94.999…
        let hundredths = Int((percentile * 100).rounded())
        let rank = (hundredths * sorted.count + 9_999) / 10_000
        return sorted[Swift.max(1, Swift.min(sorted.count, rank)) - 1]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        // null, not absent: scripts read these keys.
        try c.encode(p50, forKey: .p50)
        try c.encode(p95, forKey: .p95)
        try c.encode(p99, forKey: .p99)
        try c.encode(max, forKey: .max)
    }
}
