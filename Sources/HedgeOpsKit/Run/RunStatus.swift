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
    public static func newestRun(dataDirectory: String) -> String? {
        let runs = dataDirectory + "/runs"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().last.map { runs + "/" + $0 }
    }

    /// A run given as an id or a path.
    public static func folder(for run: String, dataDirectory: String) -> String {
        run.contains("/") ? run : dataDirectory + "/runs/" + run
    }

    public init(folder: String, checklist: Checklist?) throws {
        let reader = try JournalReader(path: folder + "/journal.jsonl")
        func events(_ type: String) -> [[String: Any]] { reader.events.filter { $0["type"] as? String == type } }
        func number(_ object: [String: Any]?, _ key: String) -> Double? {
            object?[key] as? Double ?? (object?[key] as? Int).map(Double.init)
        }
        self.folder = folder
        journalProblem = reader.problem?.description
        // The chain cannot reveal a cut, an emptied journal or a changed last
        // line; the digest in results.json can.
        if journalProblem == nil,
            let problem = JournalDigest(resultsPath: folder + "/results.json")?.problem(
                journalPath: folder + "/journal.jsonl")
        {
            journalProblem = problem.description
        }
        tornLine = reader.tornTail?.line
        let session = events("session").first
        let launch = events("launch").first
        runID = session?["run_id"] as? String ?? URL(fileURLWithPath: folder).lastPathComponent
        timeScale = number(session, "time_scale") ?? 1
        plannedHours = (number(launch, "planned_duration_s") ?? 8 * 3600) / 3600
        let last = events("sample").last
        rssMB = number(last, "rss_mb")
        cpuPercent = number(last, "cpu_pct")
        counts = last?["counts"] as? [String: Int] ?? [:]
        checkpoints = events("checkpoint").compactMap {
            ($0["checkpoint"] as? [String: Any]).flatMap(CheckpointRecord.init(journal:))
        }
        warnings = (events("warning") + events("silence")).compactMap { $0["message"] as? String }
        verdict = events("verdict").last?["verdict"] as? String
        if let launchMonotonic = number(launch, "monotonic") {
            elapsedHours = min(plannedHours, max(0, (RunClock.monotonic() - launchMonotonic) * timeScale / 3600))
        }
        if verdict != nil {
            phase = .finished
            elapsedHours = number(events("exit").last, "hour") ?? elapsedHours
        } else if let launch, let pid = (launch["pid"] as? Int).flatMap(Int32.init(exactly:)),
            let start = (launch["start_time"] as? Int).flatMap(UInt64.init(exactly:))
        {
            let alive = AdoptedProcess(pid: pid, startTime: start) != nil
            // The supervising hedgeops, by PID and start time (a zombie or a reused PID is not it).
            let owner = reader.supervisorEvent
            let supervised =
                (owner?["hedgeops_pid"] as? Int).flatMap(Int32.init(exactly:)).flatMap { ownerPID in
                    (owner?["hedgeops_start_time"] as? Int).flatMap(UInt64.init(exactly:)).map {
                        AdoptedProcess(pid: ownerPID, startTime: $0) != nil
                    }
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
                cpuAverage: checkpoints.last?.cpuPercent, silences: events("silence").count)
            let results = CriteriaEvaluator.evaluate(checklist.criteria.items, facts: facts)
            // Unmeasurable yet (no baseline, no operations) is not a projected failure.
            projectedFailures = results.filter { !$0.passed && $0.value != nil }.map(\.id)
            projectedVerdict = projectedFailures.isEmpty ? "PASS" : "FAIL"
        }
    }
}
