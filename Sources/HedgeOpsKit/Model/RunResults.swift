import Foundation

/// `results.json` (schema `hedgeops.results/1`, documented in the README),
/// as written and as read back by the report, the export, status and the
/// session. Every documented key is written, `null` when not known.
public struct RunResults: Codable, Sendable, Equatable {
    public static let schemaName = "hedgeops.results/1"

    public struct ChecklistReference: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var id: String
    }

    /// How the run ended.
    public struct End: Codable, Sendable, Equatable {
        /// A ``RunEnd`` raw value.
        public var kind: String
        public var detail: String
    }

    public var schema: String
    public var runID: String
    public var checklist: ChecklistReference
    public var startedAt: String
    public var endedAt: String?
    /// Real seconds on the monotonic clock.
    public var durationSeconds: Double
    public var plannedDurationSeconds: Double
    public var timeScale: Double
    /// A compressed run proves the workflow, not the executor: it says so.
    public var rehearsal: Bool
    public var rehearsalLabel: String?
    public var parameters: [String: String]
    public var checkpoints: [CheckpointRecord]
    public var criteria: [CriterionResult]
    public var counts: [String: Int]
    public var end: End?
    public var verdict: String
    public var journalSHA256: String?
    public var journalLines: Int?
    public var logFile: String?
    public var figuresSource: String?

    enum CodingKeys: String, CodingKey {
        case schema, checklist, rehearsal, parameters, checkpoints, criteria, counts, end, verdict
        case runID = "run_id", startedAt = "started_at", endedAt = "ended_at", durationSeconds = "duration_s"
        case plannedDurationSeconds = "planned_duration_s", timeScale = "time_scale"
        case rehearsalLabel = "rehearsal_label", journalSHA256 = "journal_sha256", journalLines = "journal_lines"
        case logFile = "log_file", figuresSource = "figures_source"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schema = try c.decodeIfPresent(String.self, forKey: .schema) ?? Self.schemaName
        runID = try c.decode(String.self, forKey: .runID)
        checklist = try c.decode(ChecklistReference.self, forKey: .checklist)
        startedAt = try c.decodeIfPresent(String.self, forKey: .startedAt) ?? ""
        endedAt = try c.decodeIfPresent(String.self, forKey: .endedAt)
        durationSeconds = try c.decodeIfPresent(Double.self, forKey: .durationSeconds) ?? 0
        plannedDurationSeconds = try c.decodeIfPresent(Double.self, forKey: .plannedDurationSeconds) ?? 8 * 3600
        timeScale = try c.decodeIfPresent(Double.self, forKey: .timeScale) ?? 1
        rehearsal = try c.decodeIfPresent(Bool.self, forKey: .rehearsal) ?? (timeScale != 1)
        rehearsalLabel = try c.decodeIfPresent(String.self, forKey: .rehearsalLabel)
        parameters = try c.decodeIfPresent([String: String].self, forKey: .parameters) ?? [:]
        checkpoints = try c.decodeIfPresent([CheckpointRecord].self, forKey: .checkpoints) ?? []
        criteria = try c.decodeIfPresent([CriterionResult].self, forKey: .criteria) ?? []
        counts = try c.decodeIfPresent([String: Int].self, forKey: .counts) ?? [:]
        end = try c.decodeIfPresent(End.self, forKey: .end)
        verdict = try c.decode(String.self, forKey: .verdict)
        journalSHA256 = try c.decodeIfPresent(String.self, forKey: .journalSHA256)
        journalLines = try c.decodeIfPresent(Int.self, forKey: .journalLines)
        logFile = try c.decodeIfPresent(String.self, forKey: .logFile)
        figuresSource = try c.decodeIfPresent(String.self, forKey: .figuresSource)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(runID, forKey: .runID)
        try c.encode(checklist, forKey: .checklist)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(endedAt, forKey: .endedAt)
        try c.encode(durationSeconds, forKey: .durationSeconds)
        try c.encode(plannedDurationSeconds, forKey: .plannedDurationSeconds)
        try c.encode(timeScale, forKey: .timeScale)
        try c.encode(rehearsal, forKey: .rehearsal)
        try c.encode(rehearsalLabel, forKey: .rehearsalLabel)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(checkpoints, forKey: .checkpoints)
        try c.encode(criteria, forKey: .criteria)
        try c.encode(counts, forKey: .counts)
        try c.encode(end, forKey: .end)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(journalSHA256, forKey: .journalSHA256)
        try c.encode(journalLines, forKey: .journalLines)
        try c.encode(logFile, forKey: .logFile)
        try c.encode(figuresSource, forKey: .figuresSource)
    }

    init(_ document: RunResultsDocument) {
        schema = Self.schemaName
        runID = document.runID
        checklist = ChecklistReference(
            path: document.checklist.file, sha256: document.checklist.sha256, id: document.checklist.id)
        startedAt = Timestamp.rfc3339(document.startedAt)
        endedAt = document.endedAt.map(Timestamp.rfc3339)
        durationSeconds = document.durationSeconds
        plannedDurationSeconds = document.checklist.run.duration
        timeScale = document.timeScale
        rehearsal = document.timeScale != 1
        rehearsalLabel = TimeScale.rehearsalLabel(
            timeScale: document.timeScale, plannedSeconds: document.checklist.run.duration)
        parameters = document.parameters
        checkpoints = document.checkpoints
        criteria = document.criteria
        counts = document.counts
        end = document.end.map { End(kind: $0.0.rawValue, detail: $0.1) }
        verdict = document.verdict
        journalSHA256 = document.journalSHA256
        journalLines = document.journalLines
        logFile = document.logFile
        figuresSource = document.figuresSource
    }

    /// Reads `results.json`; the error names the file and the field.
    public init(path: String) throws(RunReadError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunReadError("\(path): missing or unreadable; is this a run folder?")
        }
        do {
            self = try JSONDecoder().decode(RunResults.self, from: data)
        } catch {
            throw RunReadError("\(path): \(JournalReader.describe(error, type: .string("results")))")
        }
    }

    /// `rehearsal, 8 h in 8 s` for a compressed run, nil for a real one.
    public var rehearsalText: String? {
        timeScale == 1 ? nil : TimeScale.rehearsalLabel(timeScale: timeScale, plannedSeconds: plannedDurationSeconds)
    }

    public func criterion(_ id: String) -> CriterionResult? { criteria.first { $0.id == id } }
}

/// A run folder's file that cannot be read, in words that name it.
public struct RunReadError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
