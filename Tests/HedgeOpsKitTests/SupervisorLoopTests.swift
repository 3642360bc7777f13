import Foundation
import Testing

@testable import HedgeOpsKit

/// The supervisor's loop on a test clock, with a scripted executor: the real
/// journal, samples.csv, results.json and control socket in a temporary run
/// folder, a whole 8-hour run in a fraction of a second of real time.
struct SupervisorLoopTests {
    /// Monotonic time that jumps to each deadline the loop sleeps until.
    final class TestClock: SupervisorClock, @unchecked Sendable {
        private let time = Locked(5000.0)
        func now() -> Double { time.withLock { $0 } }
        func sleep(until deadline: Double) { time.withLock { $0 = max($0, deadline) } }
    }

    /// An executor the test scripts: its memory by run hour, when it dies and
    /// how, and a log line written at each sample (its "Order placed").
    final class ScriptedExecutor: SupervisedProcess, ExecutorSampler, @unchecked Sendable {
        let pid: Int32 = 999_999
        let clock: TestClock
        let memory: @Sendable (Double) -> Double
        let dies: (hour: Double, as: ChildProcess.Termination)?
        let logPath: String
        var launch = 0.0
        var scale = 3600.0
        private let state = Locked<(signals: [Int32], ended: ChildProcess.Termination?)>(([], nil))

        init(
            clock: TestClock, logPath: String, dies: (hour: Double, as: ChildProcess.Termination)? = nil,
            memory: @escaping @Sendable (Double) -> Double
        ) {
            self.clock = clock
            self.logPath = logPath
            self.dies = dies
            self.memory = memory
        }

        var signals: [Int32] { state.withLock { $0.signals } }
        func hour(_ now: Double) -> Double { (now - launch) * scale / 3600 }

        func poll() -> ChildProcess.Termination? {
            state.withLock { state in
                if state.ended == nil, let dies, hour(clock.now()) >= dies.hour { state.ended = dies.as }
                return state.ended
            }
        }

        func wait(timeout seconds: Double) -> ChildProcess.Termination? { poll() }

        /// It shuts down on SIGINT, as the load-test script does.
        func signalGroup(_ signal: Int32) {
            state.withLock { state in
                state.signals.append(signal)
                if signal == SIGINT, state.ended == nil { state.ended = .signaled(SIGINT) }
            }
        }

        var source: String { "scripted" }
        func pssMB() -> Double? { 40 }

        func sample(monotonic: Double) -> ProcessSample? {
            guard poll() == nil else { return nil }
            let line = "2026-01-13 10:00:00,000 - executor - INFO - Order placed\n"
            if let handle = FileHandle(forWritingAtPath: logPath) ?? create() {
                handle.seekToEndOfFile()
                handle.write(Data(line.utf8))
                try? handle.close()
            }
            let mb = memory(hour(monotonic))
            return ProcessSample(
                monotonic: monotonic, rssMB: mb, rssAnonMB: mb * 0.8, swapMB: 0, cpuPercent: 5, threads: 8,
                openFiles: 20, processes: 1)
        }

        private func create() -> FileHandle? {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            return FileHandle(forWritingAtPath: logPath)
        }
    }

    struct ScriptedLauncher: ExecutorLauncher {
        let executor: ScriptedExecutor
        /// The executor has made its log, and written to it, before launching
        /// returns: a quick executor while hedgeops waits for the CPU.
        var logsBeforeReturning = false

        func launch(_ request: LaunchRequest) throws(ChildProcess.LaunchError) -> LaunchedExecutor {
            executor.launch = executor.clock.now()
            if logsBeforeReturning { _ = executor.sample(monotonic: executor.launch) }
            return LaunchedExecutor(process: executor, sampler: executor, startTime: 42)
        }

        /// Found again by PID and start time while it lives.
        func adopt(pid: Int32, startTime: UInt64) -> LaunchedExecutor? {
            guard pid == executor.pid, startTime == 42, executor.poll() == nil else { return nil }
            return LaunchedExecutor(process: executor, sampler: executor, startTime: startTime)
        }
    }

    static let checklistText = """
        schema: 1
        id: loop
        title: Loop
        testnet:
          flag: BITUNIX_USE_TESTNET
          allow_hosts: [127.0.0.1]
          live_hosts: [fapi.bitunix.com]
          live_domains: [bitunix.com]
        endpoints:
          - id: rest
            env: BITUNIX_REST_URL
            default: https://fapi.bitunix.com
        preflight:
          - section: Environment
            items:
              - id: gate
                kind: testnet_gate
                title: TESTNET only
        run:
          command: [scripted-executor]
          duration: 8h
          log_glob: logs/load_test_*.log
          sample_interval: 5s
          warmup: 60s
          checkpoint_window: 60s
          silence_limit: 10m
        log_patterns:
          - { id: errors, regex: ' - ERROR - ' }
          - { id: orders, regex: 'Order placed' }
        monitoring:
          checkpoints:
            - { hour: 0 }
            - { hour: 1 }
            - { hour: 2 }
            - { hour: 4 }
            - { hour: 6 }
            - { hour: 8 }
          leak_threshold: { ratio: 1.5 }
        criteria:
          items:
            - { id: leak, title: Leak, metric: memory_ratio, op: "<", threshold: 1.5 }
            - { id: rate, title: Rate, metric: error_rate, op: "<", threshold: 0.001, operations: [orders] }
            - { id: full, title: Full, metric: full_duration, op: "==", threshold: 1 }
        results:
          summary:
            - { label: Memory Leak, criteria: [leak] }
        """

    /// A supervisor of the scripted executor at a time scale of 3600, in a new temporary directory.
    struct Setup {
        let checklist: Checklist
        let context: PreflightContext
        let preflight: PreflightReport
        let directory: String
        let clock = TestClock()
        let executor: ScriptedExecutor

        init(
            dies: (hour: Double, as: ChildProcess.Termination)? = nil, memory: @escaping @Sendable (Double) -> Double
        ) throws {
            directory =
                FileManager.default.temporaryDirectory.appendingPathComponent(
                    "hedgeops-loop-\(UUID().uuidString)"
                ).path
            try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
            let file = directory + "/loop.yaml"
            try checklistText.write(toFile: file, atomically: true, encoding: .utf8)
            checklist = try ChecklistLoader.load(path: file)
            let environment = [
                "BITUNIX_USE_TESTNET": "true", "BITUNIX_REST_URL": "http://127.0.0.1:9",
                "BITUNIX_WS_URL": "ws://127.0.0.1:9/public/",
            ]
            context = PreflightContext(environment: environment, workingDirectory: directory)
            let gate = TestnetGate(policy: checklist.testnet, endpoints: checklist.endpoints)
            preflight = PreflightReport(
                checklist: file, items: [], gate: gate.evaluate(environment: environment), durationMS: 0)
            executor = ScriptedExecutor(
                clock: clock, logPath: directory + "/logs/load_test_1.log", dies: dies, memory: memory)
        }

        func supervisor(timeScale: Double = 3600, logsBeforeReturning: Bool = false) -> RunSupervisor {
            RunSupervisor(
                options: .init(
                    checklist: checklist, context: context, dataDirectory: directory + "/data", timeScale: timeScale),
                clock: clock,
                launcher: ScriptedLauncher(executor: executor, logsBeforeReturning: logsBeforeReturning),
                onEvent: { _ in })
        }
    }

    /// Runs the scripted executor to a verdict at a time scale of 3600.
    static func supervise(
        dies: (hour: Double, as: ChildProcess.Termination)? = nil, logsBeforeReturning: Bool = false,
        memory: @escaping @Sendable (Double) -> Double
    ) throws -> (RunResultsDocument, RunReader, ScriptedExecutor, Double) {
        let setup = try Setup(dies: dies, memory: memory)
        let supervisor = setup.supervisor(logsBeforeReturning: logsBeforeReturning)
        let started = RunClock.monotonic()
        try supervisor.launch(preflight: setup.preflight)
        let document = supervisor.supervise()
        let elapsed = RunClock.monotonic() - started
        return (document, try RunReader(folder: supervisor.folder), setup.executor, elapsed)
    }

    /// The real clock's sleep ends when woken (a stop request), not at its deadline.
    @Test func aWakeEndsTheRealClocksSleepAtOnce() {
        let clock = MonotonicClock()
        let start = clock.now()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { clock.wake() }
        clock.sleep(until: start + 10)
        let slept = clock.now() - start
        #expect(slept >= 0.04 && slept < 5, "slept \(slept) s")
        // Unwoken, it sleeps to its deadline.
        let again = clock.now()
        clock.sleep(until: again + 0.05)
        #expect(clock.now() - again >= 0.045)
    }

    @Test func aHealthyRunIsStoppedOnSIGINTAtTheEndAndPasses() throws {
        let (document, recorded, executor, elapsed) = try Self.supervise { hour in 80 + sin(hour * 5) }
        #expect(document.verdict == "PASS", "\(document.criteria.map(\.detail))")
        #expect(executor.signals == [SIGINT])
        #expect(recorded.verdict?.verdict == "PASS")
        #expect(recorded.exit?.stoppedByHedgeops == true)
        #expect(recorded.verdict?.detail.hasSuffix("(it shut down on SIGINT, as asked)") == true)
        #expect(recorded.checkpoints.map(\.hour) == [0, 1, 2, 4, 6, 8])
        #expect(recorded.checkpoints.allSatisfy { !$0.missed && $0.samples >= 5 })
        // One sample every 90 simulated seconds for 8 hours, each in the journal and samples.csv.
        #expect(recorded.samples.count >= 320 && recorded.samples.count <= 322)
        #expect(recorded.sampleRows.count == recorded.samples.count)
        #expect(recorded.warnings.isEmpty, "\(recorded.warnings)")
        #expect(recorded.results?.verdict == "PASS")
        #expect(elapsed < 5, "an 8-hour run took \(elapsed) s of real time")
    }

    /// The files matching the log glob before launch are an earlier run's; a
    /// log the executor made while hedgeops was still starting it is this
    /// run's, and is followed (it was once taken for an earlier run's, and
    /// the whole run read as a silent log with no operations).
    @Test func aLogMadeBeforeLaunchingReturnsIsThisRunsAndFollowed() throws {
        let (document, recorded, _, _) = try Self.supervise(logsBeforeReturning: true) { _ in 80 }
        #expect(document.verdict == "PASS", "\(document.criteria.map(\.detail))")
        let rate = try #require(document.criteria.first { $0.id == "rate" })
        #expect(rate.detail.contains("0 errors"), "\(rate.detail)")
        #expect(recorded.warnings.isEmpty, "\(recorded.warnings)")
    }

    /// hedgeops stopped before it had read the executor's log: the run's
    /// own log, made while nobody watched, is followed after the resume (it
    /// was once taken for an earlier run's, the resumed run all silence).
    /// Sampling 40 times a second (a line logged at each sample), the log is
    /// read at most every `logReadInterval`; a checkpoint and the end read it
    /// whenever they fall, so their counts hold every line logged before them.
    @Test func theLogIsReadTenTimesASecondAtMostAndWhenACheckpointFalls() throws {
        let (document, recorded, _, _) = try Self.supervise { _ in 80 }
        #expect(document.verdict == "PASS", "\(document.criteria.map(\.detail))")
        // At a time scale of 3600 an hour of the run is a real second. A read shows
        // as the first sample with a new log offset; a checkpoint's read shows at
        // the sample after it, so the gaps next to a checkpoint are its own.
        var reads: [Double] = [], checkpointsAt: [Double] = []
        var last: JournalEvent.Sample?
        for event in recorded.events {
            switch event {
            case .sample(let sample):
                if let last, sample.logOffset != last.logOffset { reads.append(sample.hour) }
                last = sample
            case .checkpoint: checkpointsAt.append(last?.hour ?? 0)
            default: break
            }
        }
        let samples = recorded.samples.count
        #expect(
            samples > 300 && reads.count > 60 && reads.count < samples / 3, "\(samples) samples, \(reads.count) reads")
        let interval = RunSupervisor.logReadInterval
        for (before, after) in zip(reads, reads.dropFirst())
        where !checkpointsAt.contains(where: { $0 >= before - interval && $0 <= after }) {
            #expect(after - before >= interval - 1e-6, "read at hour \(before), again at \(after)")
        }
        let line = "2026-01-13 10:00:00,000 - executor - INFO - Order placed\n".utf8.count
        for (index, event) in recorded.events.enumerated() {
            guard case .checkpoint(let recordedCheckpoint) = event else { continue }
            let logged = recorded.events[..<index].filter { if case .sample = $0 { true } else { false } }.count
            #expect(
                recordedCheckpoint.checkpoint.counts["orders"] == logged, "hour \(recordedCheckpoint.checkpoint.hour)")
        }
        let log = try FileManager.default.attributesOfItem(atPath: try #require(recorded.samples.last?.logFile))
        #expect((document.results.counts["orders"] ?? 0) * line == (log[.size] as? Int))
    }

    @Test func aResumeFollowsALogMadeWhileNobodyWatched() throws {
        let setup = try Setup { _ in 80 }
        let first = setup.supervisor()
        try first.launch(preflight: setup.preflight)
        first.stopControl()
        first.handOver()
        setup.clock.sleep(until: first.core.launch + 0.1)
        _ = setup.executor.sample(monotonic: setup.clock.now())  // its first line, unwatched
        let second = setup.supervisor()
        _ = try second.adopt(folder: first.folder, force: false)
        let document = second.supervise()
        let rate = try #require(document.criteria.first { $0.id == "rate" })
        #expect(rate.detail.contains("0 errors"), "\(rate.detail)")
        #expect(document.verdict == "PASS", "\(document.criteria.map(\.detail))")
    }

    @Test func aLeakIsWarnedAtEachCheckpointAndFails() throws {
        let (document, recorded, _, _) = try Self.supervise { hour in 80 + 20 * hour }
        #expect(document.verdict == "FAIL")
        let projections = recorded.warnings.filter { $0.hasPrefix("memory projected to") }
        #expect(projections.count == 5, "\(recorded.warnings)")
        #expect(document.criteria.first { $0.id == "leak" }?.passed == false)
    }

    @Test func aCrashLeavesTheRestMissedWithTheReasonAndFails() throws {
        let (document, recorded, executor, _) = try Self.supervise(dies: (3.0, .signaled(SIGKILL))) { _ in 80 }
        #expect(document.verdict == "FAIL")
        #expect(executor.signals.isEmpty, "a dead executor is not signalled")
        let detail = try #require(recorded.verdict?.detail)
        #expect(detail.hasPrefix("crashed at hour 3.0"), "\(detail)")
        #expect(recorded.exit?.stoppedByHedgeops == false)
        let missed = recorded.checkpoints.filter(\.missed)
        #expect(missed.map(\.hour) == [4, 6, 8])
        #expect(missed.allSatisfy { $0.note == "not reached: \(detail)" })
        #expect(document.criteria.first { $0.id == "full" }?.detail == detail)
    }

    @Test func aResumeMarksTheGapsCheckpointsMissedWithTheNearestLaterSampleAndGoesOn() throws {
        let setup = try Setup { hour in 80 + hour }
        // The first supervisor samples to hour 1.5, then dies (nothing more is written).
        let first = setup.supervisor()
        try first.launch(preflight: setup.preflight)
        while first.core.hour(at: setup.clock.now()) < 1.5 {
            let now = setup.clock.now()
            if first.core.isSampleDue(now) {
                first.takeSample(now)
                first.core.sampleTaken(at: now)
            }
            for checkpoint in first.core.checkpointsDue(now) {
                first.recordCheckpoint(checkpoint, missed: false, note: nil)
            }
            setup.clock.sleep(until: first.core.nextWake(after: now))
        }
        first.stopControl()
        first.handOver()

        // `hedgeops resume` at hour 4.3: started at the scale of one, it takes the run's own.
        setup.clock.sleep(until: first.core.launch + 4.3)
        let second = setup.supervisor(timeScale: 1)
        let notes = try second.adopt(folder: first.folder, force: false)
        #expect(notes.hasPrefix("unsupervised for"), "\(notes)")
        #expect(second.core.checkpointWindow == first.core.checkpointWindow)
        let document = second.supervise()

        let recorded = try RunReader(folder: first.folder)
        #expect(recorded.resumes.count == 1 && recorded.resumes.first?.executorAlive == true)
        let byHour = Dictionary(uniqueKeysWithValues: recorded.checkpoints.map { ($0.hour, $0) })
        #expect(byHour.keys.sorted() == [0, 1, 2, 4, 6, 8])
        for hour in [2.0, 4] {
            let record = try #require(byHour[hour])
            #expect(record.missed)
            #expect(abs((record.rssMB ?? 0) - 84.3) < 0.05, "the sample taken at the resume: \(record.rssMB ?? 0)")
            #expect(
                record.note?.hasPrefix(
                    "fell in the gap while hedgeops was not running; value is the nearest later sample, at hour 4.3")
                    == true)
        }
        for hour in [6.0, 8] { #expect(byHour[hour]?.missed == false) }
        #expect(document.verdict == "PASS", "\(document.criteria.map(\.detail))")
    }
}
