import Glibc

/// The clocks host and worker both read, so that times in an ``Answer`` mean the same on
/// either side: `CLOCK_MONOTONIC` (no time namespace separates them) for service times, and
/// `CLOCK_REALTIME_COARSE`, the clock the kernel stamps audit records with, to place a
/// Landlock denial in a case.
public enum SharedClock {
    /// `CLOCK_MONOTONIC` in nanoseconds.
    public static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// `CLOCK_REALTIME_COARSE` in milliseconds, as audit records print it.
    public static func coarseRealtimeMillis() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
    }
}
