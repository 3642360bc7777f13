/// Memory and state at one hour mark. A checkpoint that could not
/// be taken on time is `missed`, with the nearest later value if any.
public struct CheckpointRecord: Sendable {
    public var hour: Double
    public var label: String
    public var at: String
    public var rssMB: Double?
    public var pssMB: Double?
    /// Samples in the median window.
    public var samples: Int
    public var windowSeconds: Double
    public var cpuPercent: Double?
    public var threads: Int?
    public var openFiles: Int?
    public var counts: [String: Int]
    public var wsState: String?
    public var errorLockSeen: Bool
    public var trend: LeakTrend?
    public var missed: Bool
    public var note: String?
    /// Threads and open files gained per hour: leaks are not only memory.
    public var threadsPerHour: Double?
    public var openFilesPerHour: Double?
    /// The stretch of the run (in run hours) the median was taken over:
    /// hour 0's starts after the warm-up, so a start-up blip is never the baseline.
    public var windowStartHour: Double? = nil
    public var windowEndHour: Double? = nil

    public var json: JSONValue {
        [
            "hour": .double(hour), "label": .string(label), "at": .string(at), "rss_mb": .from(rssMB),
            "pss_mb": .from(pssMB), "samples": .int(samples), "window_s": .double(windowSeconds),
            "cpu_pct": .from(cpuPercent), "threads": .from(threads), "open_files": .from(openFiles),
            "counts": .object(counts.mapValues { .int($0) }), "ws_state": .from(wsState),
            "error_lock": .bool(errorLockSeen), "trend": trend?.json ?? .null, "missed": .bool(missed),
            "threads_per_h": .from(threadsPerHour), "open_files_per_h": .from(openFilesPerHour),
            "note": .from(note), "window_start_h": .from(windowStartHour), "window_end_h": .from(windowEndHour),
        ]
    }
}
