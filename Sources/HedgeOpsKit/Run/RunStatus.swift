import Foundation

/// Where a run stands, read from its journal alone, so it works from a
/// second terminal while the run goes on, and after hedgeops died.
public struct RunStatus: Sendable {
    public enum Phase: String, Sendable {
        case running, unsupervised, executorGone = "executor_gone", finished, notLaunched = "not_launched"
    }

    public var runID: String
    public var folder: String
    public var phase: Phase
    public var verdict: String?
    public var elapsedHours: Double?
    public var plannedHours: Double
    public var timeScale: Double
    public var rssMB: Double?
    public var cpuPercent: Double?
    public var counts: [String: Int]
    public var checkpoints: [CheckpointRecord]
    public var projectedVerdict: String?
    public var projectedFailures: [String]
    public var journalProblem: String?
    public var tornLine: Int?
    public var warnings: [String]

    /// The newest run folder under `dataDirectory/runs`, if any.
    /// A session left before its launch leaves a folder with answers and
    /// no run: it is never the default (name it to see it).
    public static func newestRun(dataDirectory: String) -> String? {
        let runs = dataDirectory + "/runs"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().reversed().lazy.map { runs + "/" + $0 }.first(
            where: launched)
    }

    /// Whether the run in `folder` was ever launched (its journal says so,
    /// or it has results); an unreadable journal counts as launched, so its
    /// problem is shown rather than hidden.
    public static func launched(_ folder: String) -> Bool {
        if FileManager.default.fileExists(atPath: folder + "/results.json") { return true }
        guard let reader = try? RunReader(folder: folder) else { return true }
        return reader.launch != nil
    }

    /// A run given as an id or a path.
    public static func folder(for run: String, dataDirectory: String) -> String {
        run.contains("/") ? run : dataDirectory + "/runs/" + run
    }

    public init(folder: String, checklist: Checklist?) throws(RunReadError) {
        try self.init(reader: RunReader(folder: folder), checklist: checklist)
    }

    public init(reader: RunReader, checklist: Checklist?) {
        let folder = reader.folder
        self.folder = folder
        journalProblem = reader.journalProblem?.description
        // The chain cannot reveal a cut, an emptied journal or a changed last
        // line; the digest in results.json can.
        if journalProblem == nil,
            let problem = reader.results.flatMap(JournalDigest.init(results:))?.problem(
                journalPath: reader.journalPath)
        {
            journalProblem = problem.description
        }
        tornLine = reader.tornLine
        let session = reader.session
        let launch = reader.launch?.event
        runID = session?.runID ?? URL(fileURLWithPath: folder).lastPathComponent
        timeScale = session?.timeScale ?? 1
        plannedHours = (launch?.plannedDurationSeconds ?? 8 * 3600) / 3600
        let last = reader.lastSample
        rssMB = last?.rssMB
        cpuPercent = last?.cpuPercent
        counts = last?.counts ?? [:]
        checkpoints = reader.checkpoints
        warnings = reader.warnings
        verdict = reader.verdict?.verdict
        if let launch {
            elapsedHours = min(plannedHours, max(0, (RunClock.monotonic() - launch.monotonic) * timeScale / 3600))
        }
        if verdict != nil {
            phase = .finished
            elapsedHours = reader.exit?.hour ?? elapsedHours
        } else if let launch {
            let alive = AdoptedProcess(pid: launch.pid, startTime: launch.startTime) != nil
            // The supervising hedgeops, by PID and start time (a zombie or a reused PID is not it).
            let supervised =
                reader.supervisor.map {
                    AdoptedProcess(pid: $0.hedgeopsPID, startTime: $0.hedgeopsStartTime) != nil
                } ?? false
            phase = !alive ? .executorGone : supervised ? .running : .unsupervised
        } else {
            phase = .notLaunched
        }
        // The projection: today's counts and the memory trend against the criteria.
        projectedFailures = []
        if let checklist, phase != .finished, phase != .notLaunched {
            let baseline = checkpoints.first { $0.hour == 0 }?.rssMB
            let projected = checkpoints.last { $0.trend != nil }?.trend?.projectedFinalMB ?? rssMB
            let facts = RunFacts(
                baselineMB: baseline, finalMB: projected, counts: counts, fullDuration: phase != .executorGone,
                endDetail: phase == .executorGone ? "the executor is gone" : "projected to run the full duration",
                cpuAverage: checkpoints.last?.cpuPercent, silences: reader.silences)
            let results = CriteriaEvaluator.evaluate(checklist.criteria.items, facts: facts)
            // Unmeasurable yet (no baseline, no operations) is not a projected failure.
            projectedFailures = results.filter { !$0.passed && $0.value != nil }.map(\.id)
            projectedVerdict = projectedFailures.isEmpty ? "PASS" : "FAIL"
        }
    }
}
