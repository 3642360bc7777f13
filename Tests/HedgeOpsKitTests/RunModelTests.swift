import Foundation
import Testing

@testable import HedgeOpsKit

/// The typed run model: what is written is what is read back, field for
/// field, through the journal's real files; a line that does not fit its
/// type is named, not skipped; an unknown event type is kept.
struct RunModelTests {
    func scratch() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("run-model-\(UUID().uuidString)")
            .path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static let checkpoint = CheckpointRecord(
        hour: 2, label: "Memory Hour 2", at: "2026-11-29T10:00:00.000Z", rssMB: 71.25, pssMB: nil, samples: 5,
        windowSeconds: 600, cpuPercent: 3.5, threads: 9, openFiles: 14, counts: ["errors": 1, "ws_reconnects": 2],
        wsState: "connected", errorLockSeen: false,
        trend: LeakTrend(
            slopeMBPerHour: 0.4, senSlopeMBPerHour: 0.35, mannKendallZ: 2.5, projectedFinalMB: 74.1,
            projectedRatio: 1.05),
        missed: false, note: nil, threadsPerHour: 0.1, openFilesPerHour: nil, windowStartHour: 1.9,
        windowEndHour: 2)

    /// One of every event the supervisor, the session and the clients record.
    static let everyEvent: [JournalEvent] = [
        .session(
            .init(
                runID: "r", checklist: "c.yaml", checklistSHA256: "ab", checklistID: "id", timeScale: 3600,
                hedgeopsPID: 42, hedgeopsStartTime: 123_456_789, workingDirectory: "/w", user: nil, host: "h")),
        .check(.init(id: "env", kind: "env", status: "pass", detail: "set", required: true)),
        .check(.init(id: "p", kind: "param", status: "fail", detail: "x", required: false, atLaunch: true)),
        .testnetGate(.init(allowed: true, hosts: ["REST": "127.0.0.1"], flag: "F", resolveOverrides: [], proxy: nil)),
        .testnetGateRefused(.init(refusals: ["live host"])),
        .answer(.init(id: "a", answer: "yes: note", source: "operator")),
        .parameters(.init(values: ["scenario": "leak"])),
        .parameterSet(.init(name: "scenario", value: "leak")),
        .launchConfirmed(.init(by: "operator")),
        .launch(
            .init(
                pid: 99, startTime: 1, argv: ["python", "x.py"], monotonic: 12.5, plannedDurationSeconds: 28_800,
                timeScale: 3600, figuresSource: "process tree", cgroupUnavailable: "no delegation")),
        .sample(
            .init(
                hour: 0.25, rssMB: 70.5, rssAnonMB: 60, swapMB: 0, cpuPercent: nil, threads: 8, openFiles: 12,
                processes: 2, counts: ["errors": 0], logFile: "/l.log", logOffset: 1 << 40)),
        .log(.init(pattern: "errors", line: "x - ERROR - \u{1}é\n")),
        .checkpoint(.init(checkpoint: checkpoint)),
        .hourly(.init(hour: 1, id: "mem", measured: "70 MB", answer: "confirmed by operator", met: true)),
        .warning(.init(message: "w")),
        .silence(.init(hour: 3, message: "silent")),
        .logResumed,
        .stop(.init(signal: "SIGINT")),
        .exit(.init(termination: "exit 0", hour: 8, stoppedByHedgeops: true)),
        .verdict(
            .init(
                verdict: "FAIL", end: "normal", detail: "ran",
                criteria: [
                    CriterionResult(
                        id: "memory-leak", title: "Memory", metric: "memory_ratio", value: nil, comparison: "<",
                        threshold: 1.5, passed: false, detail: "inconclusive: no final checkpoint")
                ])),
        .aborted(.init(reason: "operator", immediate: true)),
        .notified(.init(event: "checkpoint", attempts: 2)),
        .notifyFailed(.init(event: "verdict", reason: "timeout")),
        .notifyRefused(.init(reason: "live host")),
        .notifyPending(.init(reason: "retrying")),
        .supervisor(.init(hedgeopsPID: 7, hedgeopsStartTime: 8)),
        .resume(
            .init(
                hedgeopsPID: 9, hedgeopsStartTime: 10, gapSeconds: 61.5, executorAlive: true, forced: false,
                notes: ["n"])),
        .tornLine(.init(line: 4, setAsideIn: "/t", bytes: 12, sha256: "cd")),
        .writeGap(
            .init(
                file: "samples.csv", from: "a", to: nil, reason: "No space left on device", held: ["sample": 3],
                dropped: [:], samplesHeld: 3, samplesDropped: 0)),
        .note(.init(text: "a note")),
        .signal(.init(signal: "SIGHUP", action: "ignored")),
        .recheck(.init(ok: false, failed: "api")),
        .detach(.init(reason: nil)),
        .attach,
        .other(type: "from_a_newer_hedgeops", fields: ["x": 1, "y": ["z": "w"]]),
    ]

    @Test func everyEventReadsBackAsItWasWritten() throws {
        let folder = scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let journal = try Journal(creating: folder + "/journal.jsonl")
        for event in Self.everyEvent { try journal.append(event) }
        journal.sync()
        let reader = try JournalReader(path: folder + "/journal.jsonl")
        #expect(reader.isValid, "\(String(describing: reader.problem))")
        #expect(reader.events.count == Self.everyEvent.count)
        for (read, written) in zip(reader.events, Self.everyEvent) {
            #expect(read == written)
        }
        #expect(reader.entries.map(\.seq) == Array(1...Self.everyEvent.count))
        // Each line names its type, as the README documents.
        let lines = try String(contentsOfFile: folder + "/journal.jsonl", encoding: .utf8).split(separator: "\n")
        for (line, event) in zip(lines, Self.everyEvent) {
            #expect(line.contains("\"type\":\"\(event.type)\""), "\(line)")
        }
    }

    @Test func theRunReaderAnswersFromTheTypedEvents() throws {
        let folder = scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let journal = try Journal(creating: folder + "/journal.jsonl")
        for event in Self.everyEvent { try journal.append(event) }
        journal.sync()
        let run = try RunReader(folder: folder)
        #expect(run.session?.runID == "r")
        #expect(run.launch?.event.pid == 99)
        #expect(run.lastSample?.logOffset == 1 << 40)
        #expect(run.checkpoints == [Self.checkpoint])
        #expect(run.latestChecks.map(\.id) == ["env", "p"])
        #expect(run.warnings == ["w", "silent"])
        #expect(run.silences == 1)
        #expect(run.verdict?.criteria.first?.value == nil)
        // The newest of supervisor / resume names who supervises.
        #expect(run.supervisor == .init(hedgeopsPID: 9, hedgeopsStartTime: 10))
        #expect(run.results == nil && run.resultsProblem == nil)
    }

    @Test func aKnownEventMissingAFieldIsNamedWithItsLine() throws {
        let folder = scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let journal = try Journal(creating: folder + "/journal.jsonl")
        try journal.append(.note(.init(text: "fine")))
        // Chained correctly, but a sample with no memory figure.
        try journal.append("sample", ["hour": 1])
        try journal.append(.note(.init(text: "after")))
        journal.sync()
        let reader = try JournalReader(path: folder + "/journal.jsonl")
        let problem = try #require(reader.problem)
        #expect(problem.line == 2)
        #expect(problem.reason.contains("'sample'") && problem.reason.contains("rss_mb"), "\(problem)")
        #expect(reader.entries.count == 1)
    }

    @Test func numbersReadBackWhateverTheirJSONForm() throws {
        // 2 and 2.0 are the same hour; an integer where a double is expected still reads.
        let line = #"{"at":"t","hour":2,"prev":"p","rss_mb":70,"seq":3,"type":"sample"}"#
        let entry = try JSONDecoder().decode(JournalEntry.self, from: Data(line.utf8))
        #expect(entry.event == .sample(.init(hour: 2, rssMB: 70)))
        #expect(entry.seq == 3 && entry.prev == "p")
    }

    @Test func resultsNameEveryDocumentedKeyEvenWhenUnknown() throws {
        let checklist = try ChecklistLoader.load(path: Fixture.shippedChecklist)
        let document = RunResultsDocument(
            runID: "r", checklist: checklist, startedAt: Date(timeIntervalSince1970: 0), endedAt: nil,
            durationSeconds: 8, timeScale: 3600, parameters: [:], testnetHosts: [:],
            checkpoints: [Self.checkpoint], criteria: [], end: nil, counts: [:], journalSHA256: nil,
            journalLines: nil, logFile: nil)
        let text = document.json.serialized
        for key in ["ended_at", "end", "journal_sha256", "log_file", "figures_source", "pss_mb", "open_files_per_h"] {
            #expect(text.contains("\"\(key)\":null"), "\(key) missing from \(text)")
        }
        let folder = scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/results.json"))
        let read = try RunResults(path: folder + "/results.json")
        #expect(read == document.results)
        #expect(read.verdict == "RUNNING" && read.rehearsal)
    }

    @Test func unreadableResultsNameTheFileAndField() throws {
        let folder = scratch()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(#"{"run_id":"r","checklist":{"path":"p","sha256":"s","id":"i"},"verdict":7}"#.utf8).write(
            to: URL(fileURLWithPath: folder + "/results.json"))
        do {
            _ = try RunResults(path: folder + "/results.json")
            Issue.record("read a verdict that is a number")
        } catch {
            #expect(error.description.contains(folder + "/results.json"))
            #expect(error.description.contains("verdict"), "\(error)")
        }
    }
}
