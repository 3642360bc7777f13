import Foundation

/// Everything recorded about one finished (or running) run, read back from
/// its folder for the report, the chart and the export.
public struct RunRecord {
    public let folder: String
    public let results: RunResults
    /// The journal, typed; nil when it cannot be read at all (the report still shows results.json).
    public let reader: RunReader?
    /// (hour, rss MB) per sample, from samples.csv.
    public let samples: [(hour: Double, rssMB: Double)]
    public let checklist: Checklist?

    public init(folder: String) throws(SigningError) {
        self.folder = folder
        do throws(RunReadError) {
            results = try RunResults(path: folder + "/results.json")
        } catch {
            throw SigningError(error.description)
        }
        reader = try? RunReader(folder: folder)
        samples = RunReader.sampleRows(folder: folder)
        checklist = try? ChecklistLoader.load(path: folder + "/checklist.yaml")
    }

    public var runID: String { results.runID }
    public var verdict: String { results.verdict }

    /// `rehearsal, 8 h in 8 s` for a compressed run, nil for a real one.
    public var rehearsal: String? { results.rehearsalText }

    public var checkpoints: [CheckpointRecord] { results.checkpoints }
    public var criteria: [CriterionResult] { results.criteria }

    /// A run time in hours as `h:mm:ss` (the baseline window is minutes long).
    static func clock(_ hours: Double) -> String {
        let seconds = Int((hours * 3600).rounded())
        return String(format: "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    var baseline: CheckpointRecord? { checkpoints.first { $0.hour == 0 } }

    /// The hour-0 median's window, in run hours, when it was recorded.
    var baselineWindow: (start: Double, end: Double)? {
        guard let start = baseline?.windowStartHour, let end = baseline?.windowEndHour else { return nil }
        return (start, end)
    }

    var baselineMB: Double? { baseline?.rssMB }

    /// The newest leak trend recorded at a checkpoint.
    var latestTrend: LeakTrend? { checkpoints.last { $0.trend != nil }?.trend }
}
