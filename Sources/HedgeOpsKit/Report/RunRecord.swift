import Foundation

/// Everything recorded about one run, read back from its folder for the
/// report, the chart and the export.
public struct RunRecord {
    public let folder: String
    public let results: [String: Any]
    public let events: [[String: Any]]
    /// (hour, rss MB) per sample, from samples.csv.
    public let samples: [(hour: Double, rssMB: Double)]
    public let checklist: Checklist?

    public init(folder: String) throws(SigningError) {
        self.folder = folder
        guard let data = FileManager.default.contents(atPath: folder + "/results.json"),
            let results = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw SigningError("\(folder)/results.json: missing or unreadable; is this a run folder?") }
        self.results = results
        events = (try? JournalReader(path: folder + "/journal.jsonl"))?.events ?? []
        let csv = (try? String(contentsOfFile: folder + "/samples.csv", encoding: .utf8)) ?? ""
        samples = csv.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count > 2, let hour = Double(fields[0]), let rss = Double(fields[2]) else { return nil }
            return (hour, rss)
        }
        checklist = try? ChecklistLoader.load(path: folder + "/checklist.yaml")
    }

    public var runID: String { results["run_id"] as? String ?? URL(fileURLWithPath: folder).lastPathComponent }
    public var verdict: String { results["verdict"] as? String ?? "UNKNOWN" }

    /// `rehearsal, 8 h in 8 s` for a compressed run, nil for a real one.
    public var rehearsal: String? {
        guard let scale = Self.number(results["time_scale"]), scale != 1 else { return nil }
        return TimeScale.rehearsalLabel(
            timeScale: scale, plannedSeconds: Self.number(results["planned_duration_s"]) ?? 8 * 3600)
    }

    public var checkpoints: [[String: Any]] { results["checkpoints"] as? [[String: Any]] ?? [] }
    public var criteria: [[String: Any]] { results["criteria"] as? [[String: Any]] ?? [] }

    func events(_ type: String) -> [[String: Any]] { events.filter { $0["type"] as? String == type } }

    static func number(_ value: Any?) -> Double? { value as? Double ?? (value as? Int).map(Double.init) }

    /// A run time in hours as `h:mm:ss` (the baseline window is minutes long).
    static func clock(_ hours: Double) -> String {
        let seconds = Int((hours * 3600).rounded())
        return String(format: "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    /// The hour-0 median's window, in run hours, when it was recorded.
    var baselineWindow: (start: Double, end: Double)? {
        guard let hour0 = checkpoints.first(where: { Self.number($0["hour"]) == 0 }),
            let start = Self.number(hour0["window_start_h"]), let end = Self.number(hour0["window_end_h"])
        else { return nil }
        return (start, end)
    }

    var baselineMB: Double? {
        checkpoints.first { Self.number($0["hour"]) == 0 }.flatMap { Self.number($0["rss_mb"]) }
    }
}
