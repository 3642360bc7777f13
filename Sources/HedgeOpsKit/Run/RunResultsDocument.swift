public import Foundation

/// `results.json` (schema `hedgeops.results/1`, documented in the README).
public struct RunResultsDocument: Sendable {
    public var runID: String
    public var checklist: Checklist
    public var startedAt: Date
    public var endedAt: Date?
    public var durationSeconds: Double
    public var timeScale: Double
    public var parameters: [String: String]
    public var testnetHosts: [String: String]
    public var checkpoints: [CheckpointRecord]
    public var criteria: [CriterionResult]
    public var end: (RunEnd, String)?
    public var counts: [String: Int]
    public var journalSHA256: String?
    /// Lines of the journal that `journalSHA256` covers (see `JournalDigest`).
    public var journalLines: Int?
    public var logFile: String?
    /// Where memory and CPU came from: the executor's cgroup, or its process tree.
    public var figuresSource: String? = nil

    /// PASS only when the run ended and every criterion passed.
    public var verdict: String {
        guard end != nil else { return "RUNNING" }
        return end?.0 != .aborted && !criteria.isEmpty && criteria.allSatisfy(\.passed) ? "PASS" : "FAIL"
    }

    public var json: JSONValue {
        [
            "schema": "hedgeops.results/1",
            "run_id": .string(runID),
            "checklist": [
                "path": .string(checklist.file), "sha256": .string(checklist.sha256), "id": .string(checklist.id),
            ],
            "started_at": .string(Timestamp.rfc3339(startedAt)),
            "ended_at": .from(endedAt.map(Timestamp.rfc3339)),
            "duration_s": .double(durationSeconds),
            "planned_duration_s": .double(checklist.run.duration),
            "time_scale": .double(timeScale),
            // A compressed run proves the workflow, not the executor: it says so.
            "rehearsal": .bool(timeScale != 1),
            "rehearsal_label": .from(
                TimeScale.rehearsalLabel(timeScale: timeScale, plannedSeconds: checklist.run.duration)),
            "parameters": .object(parameters.mapValues { .string($0) }),
            "checkpoints": .array(checkpoints.map(\.json)),
            "criteria": .array(criteria.map(\.json)),
            "counts": .object(counts.mapValues { .int($0) }),
            "end": end.map { ["kind": .string($0.0.rawValue), "detail": .string($0.1)] } ?? .null,
            "verdict": .string(verdict),
            "journal_sha256": .from(journalSHA256),
            "journal_lines": .from(journalLines),
            "log_file": .from(logFile),
            "figures_source": .from(figuresSource),
        ]
    }
}
