import Foundation

// The records a run writes into results.json, the journal, webhooks and the
// control socket. Keys are the documented snake_case names; a value that is
// not known is written as `null`, never left out, so a reviewer's script
// finds every documented key.

extension CheckpointRecord: Codable {
    enum CodingKeys: String, CodingKey {
        case hour, label, at, samples, counts, trend, missed, note, threads
        case rssMB = "rss_mb", pssMB = "pss_mb", windowSeconds = "window_s", cpuPercent = "cpu_pct"
        case openFiles = "open_files", wsState = "ws_state", errorLockSeen = "error_lock"
        case threadsPerHour = "threads_per_h", openFilesPerHour = "open_files_per_h"
        case windowStartHour = "window_start_h", windowEndHour = "window_end_h"
        case witness
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            hour: try c.decode(Double.self, forKey: .hour),
            label: try c.decodeIfPresent(String.self, forKey: .label) ?? "",
            at: try c.decodeIfPresent(String.self, forKey: .at) ?? "",
            rssMB: try c.decodeIfPresent(Double.self, forKey: .rssMB),
            pssMB: try c.decodeIfPresent(Double.self, forKey: .pssMB),
            samples: try c.decodeIfPresent(Int.self, forKey: .samples) ?? 0,
            windowSeconds: try c.decodeIfPresent(Double.self, forKey: .windowSeconds) ?? 0,
            cpuPercent: try c.decodeIfPresent(Double.self, forKey: .cpuPercent),
            threads: try c.decodeIfPresent(Int.self, forKey: .threads),
            openFiles: try c.decodeIfPresent(Int.self, forKey: .openFiles),
            counts: try c.decodeIfPresent([String: Int].self, forKey: .counts) ?? [:],
            wsState: try c.decodeIfPresent(String.self, forKey: .wsState),
            errorLockSeen: try c.decodeIfPresent(Bool.self, forKey: .errorLockSeen) ?? false,
            trend: try c.decodeIfPresent(LeakTrend.self, forKey: .trend),
            missed: try c.decodeIfPresent(Bool.self, forKey: .missed) ?? false,
            note: try c.decodeIfPresent(String.self, forKey: .note),
            threadsPerHour: try c.decodeIfPresent(Double.self, forKey: .threadsPerHour),
            openFilesPerHour: try c.decodeIfPresent(Double.self, forKey: .openFilesPerHour),
            windowStartHour: try c.decodeIfPresent(Double.self, forKey: .windowStartHour),
            windowEndHour: try c.decodeIfPresent(Double.self, forKey: .windowEndHour),
            witness: try c.decodeIfPresent(WitnessFigures.self, forKey: .witness))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hour, forKey: .hour)
        try c.encode(label, forKey: .label)
        try c.encode(at, forKey: .at)
        try c.encode(rssMB, forKey: .rssMB)
        try c.encode(pssMB, forKey: .pssMB)
        try c.encode(samples, forKey: .samples)
        try c.encode(windowSeconds, forKey: .windowSeconds)
        try c.encode(cpuPercent, forKey: .cpuPercent)
        try c.encode(threads, forKey: .threads)
        try c.encode(openFiles, forKey: .openFiles)
        try c.encode(counts, forKey: .counts)
        try c.encode(wsState, forKey: .wsState)
        try c.encode(errorLockSeen, forKey: .errorLockSeen)
        try c.encode(trend, forKey: .trend)
        try c.encode(missed, forKey: .missed)
        try c.encode(note, forKey: .note)
        try c.encode(threadsPerHour, forKey: .threadsPerHour)
        try c.encode(openFilesPerHour, forKey: .openFilesPerHour)
        try c.encode(windowStartHour, forKey: .windowStartHour)
        try c.encode(windowEndHour, forKey: .windowEndHour)
        // Only a run with a witness has one; older readers never see the key.
        try c.encodeIfPresent(witness, forKey: .witness)
    }

    /// The record as written to results.json, the journal and webhooks.
    public var json: JSONValue { JSONValue(encoding: self) ?? .null }
}

extension LeakTrend: Codable {
    enum CodingKeys: String, CodingKey {
        case rising
        case slopeMBPerHour = "slope_mb_per_h", senSlopeMBPerHour = "sen_slope_mb_per_h"
        case mannKendallZ = "mann_kendall_z", projectedFinalMB = "projected_final_mb"
        case projectedRatio = "projected_ratio"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            slopeMBPerHour: try c.decode(Double.self, forKey: .slopeMBPerHour),
            senSlopeMBPerHour: try c.decodeIfPresent(Double.self, forKey: .senSlopeMBPerHour),
            mannKendallZ: try c.decodeIfPresent(Double.self, forKey: .mannKendallZ),
            projectedFinalMB: try c.decode(Double.self, forKey: .projectedFinalMB),
            projectedRatio: try c.decodeIfPresent(Double.self, forKey: .projectedRatio))
    }

    /// `rising` is derived, and written so a reviewer need not recompute it.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(slopeMBPerHour, forKey: .slopeMBPerHour)
        try c.encode(senSlopeMBPerHour, forKey: .senSlopeMBPerHour)
        try c.encode(mannKendallZ, forKey: .mannKendallZ)
        try c.encode(projectedFinalMB, forKey: .projectedFinalMB)
        try c.encode(projectedRatio, forKey: .projectedRatio)
        try c.encode(rising, forKey: .rising)
    }
}

extension CriterionResult: Codable {
    enum CodingKeys: String, CodingKey {
        case id, title, metric, value, threshold, passed, detail
        case comparison = "op"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), title: try c.decodeIfPresent(String.self, forKey: .title) ?? "",
            metric: try c.decodeIfPresent(String.self, forKey: .metric) ?? "",
            value: try c.decodeIfPresent(Double.self, forKey: .value),
            comparison: try c.decodeIfPresent(String.self, forKey: .comparison) ?? "",
            threshold: try c.decodeIfPresent(Double.self, forKey: .threshold) ?? 0,
            passed: try c.decodeIfPresent(Bool.self, forKey: .passed) ?? false,
            detail: try c.decodeIfPresent(String.self, forKey: .detail) ?? "")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(metric, forKey: .metric)
        try c.encode(value, forKey: .value)
        try c.encode(comparison, forKey: .comparison)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(passed, forKey: .passed)
        try c.encode(detail, forKey: .detail)
    }

    public var json: JSONValue { JSONValue(encoding: self) ?? .null }
}
