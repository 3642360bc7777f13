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

    /// What results.json holds.
    public var results: RunResults { RunResults(self) }

    public var json: JSONValue { JSONValue(encoding: results) ?? .null }
}
