import Foundation

/// A run folder read back, typed: the journal's events, results.json when
/// written, and the samples. The one reader behind status, resume, attach,
/// report, export and the session's views, so they never disagree on what
/// was recorded.
public struct RunReader: Sendable {
    public let folder: String
    /// The journal's chained lines (a broken chain stops at the problem, see ``journalProblem``).
    public let entries: [JournalEntry]
    /// The first broken link or unreadable line.
    public let journalProblem: JournalReader.Problem?
    /// A torn last line from a crash mid-write.
    public let tornLine: Int?
    /// results.json, once the run has written it.
    public let results: RunResults?
    /// Why results.json could not be read, when it exists.
    public let resultsProblem: String?

    public var journalPath: String { folder + "/journal.jsonl" }
    public var resultsPath: String { folder + "/results.json" }
    public var events: [JournalEvent] { entries.map(\.event) }

    /// Reads the folder; throws only when the journal itself cannot be read.
    public init(folder: String) throws(RunReadError) {
        self.folder = folder
        let journal: JournalReader
        do {
            journal = try JournalReader(path: folder + "/journal.jsonl")
        } catch {
            throw RunReadError("\(error)")
        }
        entries = journal.entries
        journalProblem = journal.problem
        tornLine = journal.tornTail?.line
        if FileManager.default.fileExists(atPath: folder + "/results.json") {
            do throws(RunReadError) {
                results = try RunResults(path: folder + "/results.json")
                resultsProblem = nil
            } catch {
                results = nil
                resultsProblem = error.description
            }
        } else {
            results = nil
            resultsProblem = nil
        }
    }

    /// Every event that `pick` turns into a value, in order.
    public func all<T>(_ pick: (JournalEvent) -> T?) -> [T] { events.compactMap(pick) }

    public var session: JournalEvent.Session? {
        all { if case .session(let value) = $0 { value } else { nil } }.first
    }

    /// The launch, with when it was written.
    public var launch: (event: JournalEvent.Launch, at: String)? {
        entries.lazy.compactMap { entry in
            if case .launch(let value) = entry.event { (value, entry.at) } else { nil }
        }.first
    }

    public var samples: [JournalEvent.Sample] { all { if case .sample(let value) = $0 { value } else { nil } } }

    /// The samples with when each was written.
    public var timedSamples: [(sample: JournalEvent.Sample, at: String)] {
        entries.compactMap { entry in
            if case .sample(let value) = entry.event { (value, entry.at) } else { nil }
        }
    }

    public var lastSample: JournalEvent.Sample? {
        entries.last { if case .sample = $0.event { true } else { false } }.flatMap {
            if case .sample(let value) = $0.event { value } else { nil }
        }
    }

    /// Checkpoints as journalled, in order (a later record of an hour supersedes nothing: each hour is recorded once).
    public var checkpoints: [CheckpointRecord] {
        all { if case .checkpoint(let value) = $0 { value.checkpoint } else { nil } }
    }

    /// Each check's latest result: one judged again at the launch supersedes the pre-flight's.
    public var latestChecks: [JournalEvent.Check] {
        var checks: [JournalEvent.Check] = []
        for check in all({ if case .check(let value) = $0 { value } else { nil } }) {
            checks.removeAll { $0.id == check.id }
            checks.append(check)
        }
        return checks
    }

    /// The independent witness's figures, in order (each checkpoint's, then the end's).
    public var witness: [WitnessFigures] { all { if case .witness(let value) = $0 { value } else { nil } } }

    public var answers: [JournalEvent.Answer] { all { if case .answer(let value) = $0 { value } else { nil } } }
    public var hourly: [JournalEvent.Hourly] { all { if case .hourly(let value) = $0 { value } else { nil } } }

    /// Operators' notes, with when each was written.
    public var notes: [(note: JournalEvent.Note, at: String)] {
        entries.compactMap { entry in
            if case .note(let value) = entry.event { (value, entry.at) } else { nil }
        }
    }

    /// Warnings and silences, in order, as told to the operator.
    public var warnings: [String] {
        all {
            switch $0 {
            case .warning(let value): value.message
            case .silence(let value): value.message
            default: nil
            }
        }
    }

    public var silences: Int { all { if case .silence(let value) = $0 { value } else { nil } }.count }
    public var gate: JournalEvent.TestnetGateDecision? {
        all { if case .testnetGate(let value) = $0 { value } else { nil } }.first
    }
    public var parameters: [String: String]? {
        all { if case .parameters(let value) = $0 { value.values } else { nil } }.last
    }
    public var exit: JournalEvent.Exit? { all { if case .exit(let value) = $0 { value } else { nil } }.last }
    public var verdict: JournalEvent.Verdict? { all { if case .verdict(let value) = $0 { value } else { nil } }.last }
    public var resumes: [JournalEvent.Resume] { all { if case .resume(let value) = $0 { value } else { nil } } }
    public var hasLaunched: Bool { launch != nil }

    /// The process named as the run's supervisor: the last `supervisor` or
    /// `resume` event, else the session that launched it.
    public var supervisor: JournalEvent.Supervisor? {
        for event in events.reversed() {
            switch event {
            case .supervisor(let value): return value
            case .resume(let value):
                return .init(hedgeopsPID: value.hedgeopsPID, hedgeopsStartTime: value.hedgeopsStartTime)
            default: continue
            }
        }
        return session.map { .init(hedgeopsPID: $0.hedgeopsPID, hedgeopsStartTime: $0.hedgeopsStartTime) }
    }

    /// (run hour, RSS MB) per row of samples.csv.
    public var sampleRows: [(hour: Double, rssMB: Double)] { Self.sampleRows(folder: folder) }

    /// (run hour, RSS MB) per row of a run folder's samples.csv.
    public static func sampleRows(folder: String) -> [(hour: Double, rssMB: Double)] {
        let csv = (try? String(contentsOfFile: folder + "/samples.csv", encoding: .utf8)) ?? ""
        return csv.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count > 2, let hour = Double(fields[0]), let rss = Double(fields[2]) else { return nil }
            return (hour, rss)
        }
    }
}
