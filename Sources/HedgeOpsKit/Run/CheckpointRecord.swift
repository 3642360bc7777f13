/// Memory and state at one hour mark. A checkpoint that could not
/// be taken on time is `missed`, with the nearest later value if any.
public struct CheckpointRecord: Sendable, Equatable {
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
    /// The independent witness's figures at this hour, when one watched the stream.
    public var witness: WitnessFigures? = nil
}
