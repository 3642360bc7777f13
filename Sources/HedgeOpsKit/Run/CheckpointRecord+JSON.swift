import Foundation

extension CheckpointRecord {
    /// Rebuilds a checkpoint from its journal form (resume, status).
    public init?(journal object: [String: Any]) {
        guard let hour = object["hour"] as? Double ?? (object["hour"] as? Int).map(Double.init) else { return nil }
        func number(_ key: String) -> Double? { object[key] as? Double ?? (object[key] as? Int).map(Double.init) }
        self.init(
            hour: hour, label: object["label"] as? String ?? "", at: object["at"] as? String ?? "",
            rssMB: number("rss_mb"), pssMB: number("pss_mb"), samples: object["samples"] as? Int ?? 0,
            windowSeconds: number("window_s") ?? 0, cpuPercent: number("cpu_pct"), threads: object["threads"] as? Int,
            openFiles: object["open_files"] as? Int, counts: object["counts"] as? [String: Int] ?? [:],
            wsState: object["ws_state"] as? String, errorLockSeen: object["error_lock"] as? Bool ?? false,
            trend: (object["trend"] as? [String: Any]).flatMap(LeakTrend.init(journal:)),
            missed: object["missed"] as? Bool ?? false, note: object["note"] as? String,
            threadsPerHour: number("threads_per_h"), openFilesPerHour: number("open_files_per_h"),
            windowStartHour: number("window_start_h"), windowEndHour: number("window_end_h"))
    }
}

extension LeakTrend {
    init?(journal object: [String: Any]) {
        func number(_ key: String) -> Double? { object[key] as? Double ?? (object[key] as? Int).map(Double.init) }
        guard let slope = number("slope_mb_per_h"), let projected = number("projected_final_mb") else { return nil }
        self.init(
            slopeMBPerHour: slope, senSlopeMBPerHour: number("sen_slope_mb_per_h"),
            mannKendallZ: number("mann_kendall_z"), projectedFinalMB: projected,
            projectedRatio: number("projected_ratio"))
    }
}
