import Foundation

/// What the operator is told while the run goes on.
public enum RunEvent: Sendable {
    case started(runID: String, folder: String, pid: Int32, command: String)
    case checkpoint(CheckpointRecord, baselineMB: Double?, leakRatio: Double)
    case warning(String)
    case ended(String)
    case finished(verdict: String, criteria: [CriterionResult], resultsPath: String)
    /// A checkpoint's hourly items, put to whoever reviews the run.
    case hourlyDue(HourlyReview.Due)
}

/// How a run ended.
public enum RunEnd: String, Sendable {
    case normal, crashed, aborted, childEndedEarly = "ended_early"
}

/// Launches the checklist's run and supervises it to a verdict: samples the
/// process tree on a fixed monotonic schedule, follows the log, records
/// checkpoints, stops the child gracefully at the end, judges the criteria.
/// Every fact goes to the journal before it is shown.
public final class RunSupervisor: @unchecked Sendable {
    public struct Options: Sendable {
        public var checklist: Checklist
        public var context: PreflightContext
        public var dataDirectory: String
        public var timeScale: Double
        /// Manual items answered up front (`--yes` / `--answers`).
        public var answers: [String: String]
        /// Who gave `answers`, as the report names it: "--yes at launch",
        /// "the answers file FILE". Never an operator's confirmation.
        public var answersSource = "answers given at launch"
        /// Real seconds the supervisor waits, after the verdict, for a disk
        /// that refuses writes to take what it holds in memory.
        public var storageGrace: Double
        /// Where to serve the run's metrics for Prometheus; nil serves none.
        public var metricsListen: MetricsListenAddress?
        /// Real seconds the metrics stay served after the verdict, until a scrape takes it.
        public var metricsLinger = 30.0

        public init(
            checklist: Checklist, context: PreflightContext, dataDirectory: String, timeScale: Double,
            answers: [String: String] = [:], storageGrace: Double = 300
        ) {
            self.checklist = checklist
            self.context = context
            self.dataDirectory = dataDirectory
            self.timeScale = timeScale
            self.answers = answers
            self.storageGrace = storageGrace
        }
    }

    /// The smallest real interval between samples, however large the time scale.
    public static let minimumSampleInterval = RunCore.minimumSampleInterval

    var options: Options
    /// The secrets of the run's environment, kept out of the journal and webhooks.
    let redactor: SecretRedactor
    /// The caller's presenter; ``emit(_:)`` also tells every control client.
    let present: @Sendable (RunEvent) -> Void
    /// The control socket, from the launch (or adoption) on.
    var control: ControlServer?
    /// The hourly items: decided here, answered by any client.
    var review: HourlyReview
    let reviewLock = NSLock()
    /// When this process took the run (launch or resume).
    var supervisingSince = Date()
    var lastSampleBroadcast = 0.0
    /// Set once the verdict is reached.
    var verdictReached: String?
    public internal(set) var runID = ""
    public internal(set) var folder = ""
    var journal: Journal?
    var child: (any SupervisedProcess)?
    var childPID: Int32 = 0
    var childStart: UInt64 = 0
    var sampler: (any ExecutorSampler)?
    var follower: LogFollower?
    /// When the log was last read (the supervisor's clock).
    var logReadAt = -Double.infinity
    /// hedgeops's own watch on the executor's public stream, when the checklist asks for one.
    var witness: StreamWitness?
    /// The run's decisions; this class records what it returns.
    var core: RunCore
    /// The loop's clock: the monotonic clock, or a test's.
    let clock: any SupervisorClock
    /// Starts the executor (or finds it again on resume).
    let launcher: any ExecutorLauncher
    var launchWall = Date()
    var notifier: Notifier?
    var samplesFile: SamplesFile?
    /// Run files refusing writes now, with what the operator was told.
    let storageLock = NSLock()
    var failingFiles: [String: String] = [:]
    private let stopLock = NSLock()
    let liveLock = NSLock()
    var liveStore: LiveFigures?
    /// The Prometheus exposition, when asked for.
    var metricsFeed: RunMetricsFeed?
    private var stopRequest: String?

    /// - Parameters:
    ///   - clock: the loop's clock; a test's makes a run take no real time.
    ///   - launcher: starts the executor and says how to sample it.
    public init(
        options: Options, clock: any SupervisorClock = MonotonicClock(),
        launcher: any ExecutorLauncher = SystemLauncher(), onEvent: @escaping @Sendable (RunEvent) -> Void
    ) {
        self.options = options
        self.clock = clock
        self.launcher = launcher
        present = onEvent
        review = HourlyReview(items: options.checklist.monitoring.hourly)
        redactor = SecretRedactor(environment: options.context.environment, checklist: options.checklist)
        core = RunCore(plan: .init(checklist: options.checklist, timeScale: options.timeScale), launch: 0)
    }

    /// Monotonic seconds at the launch; 0 before it.
    var launchMonotonic: Double { core.launch }

    var run: RunSpec { options.checklist.run }
    var scale: Double { options.timeScale }

    /// Asks the loop to stop the run gracefully (first SIGINT/SIGTERM).
    public func requestStop(_ reason: String) {
        stopLock.lock()
        if stopRequest == nil { stopRequest = reason }
        stopLock.unlock()
        clock.wake()
    }

    private var stopRequested: String? {
        stopLock.lock()
        defer { stopLock.unlock() }
        return stopRequest
    }

    /// Kills the run at once (second signal); the journal says so.
    public func killNow(_ reason: String) {
        child?.signalGroup(SIGKILL)
        if childPID > 0 { kill(-childPID, SIGKILL) }
        appendEvent(.aborted(.init(reason: reason, immediate: true)), durable: true)
    }

    /// Sets a run parameter before `start` (validated by the caller), recorded.
    public func setParameter(_ name: String, _ value: String) {
        options.context.parameterOverrides[name] = value
        appendEvent(.parameterSet(.init(name: name, value: value)), durable: true)
    }

    /// The values in force now.
    public var parameters: [String: String] { parameterValues }

    /// Seconds since launch on the monotonic clock, scaled to simulated hours.
    public var elapsedHours: Double {
        launchMonotonic == 0 ? 0 : core.hour(at: clock.now())
    }

    /// Records what is not a measurement (SIGHUP, notes, answers).
    public func record(_ event: JournalEvent) {
        appendEvent(event, durable: true)
    }

    /// Set once results.json holds the journal's final digest: nothing more is appended.
    private var journalSealed = false

    /// Appends to the journal; a failure (disk full, I/O error) is told to
    /// the operator at once, never swallowed. The journal holds what it
    /// cannot write and writes it when it can; the run goes on meanwhile.
    func appendEvent(_ event: JournalEvent, durable: Bool = false) {
        stopLock.lock()
        let sealed = journalSealed
        stopLock.unlock()
        guard !sealed else { return }
        do {
            try journal?.append(event, durable: durable)
            noteJournalRecovery()
        } catch let held as JournalHeld {
            journalRefused(held)
        } catch {
            // Not held (a failed fsync): said once, as nothing is retried.
            storageFailed("journal.jsonl sync", "JOURNAL WRITE FAILED: \(error)")
        }
    }

    // MARK: Launch

    /// Creates the run folder and journal, records the pre-flight, launches the child.
    public func launch(preflight: PreflightReport) throws {
        try prepare(preflight: preflight, recordAnswers: true)
        try start()
    }

    /// Creates the run folder and journal and records the pre-flight; the
    /// guided session then records each answer as it is given, and calls `start`.
    public func prepare(preflight: PreflightReport, recordAnswers: Bool) throws {
        try beforeLaunch { try record(preflight: preflight, answers: recordAnswers) }
    }

    private func record(preflight: PreflightReport, answers recordAnswers: Bool) throws {
        let stamp = Timestamp.rfc3339(Date()).prefix(19).replacingOccurrences(of: ":", with: "")
            .replacingOccurrences(of: "-", with: "")
        runID = "\(stamp)-\(String(format: "%04x", UInt16.random(in: 0...UInt16.max)))"
        folder = options.dataDirectory + "/runs/" + runID
        try FileManager.default.createDirectory(
            atPath: options.dataDirectory + "/runs", withIntermediateDirectories: true)
        // The run folder is the operator's alone.
        try FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let journal = try Journal(creating: folder + "/journal.jsonl")
        journal.redactor = redactor
        self.journal = journal
        let checklist = options.checklist
        try? FileManager.default.copyItem(atPath: checklist.file, toPath: folder + "/checklist.yaml")
        // With the pid, the start time identifies this supervisor across pid reuse (status asks whether it lives).
        let me = JournalEvent.Supervisor.current
        try journal.append(
            .session(
                .init(
                    runID: runID, checklist: checklist.file, checklistSHA256: checklist.sha256,
                    checklistID: checklist.id, timeScale: scale, hedgeopsPID: me.hedgeopsPID,
                    hedgeopsStartTime: me.hedgeopsStartTime, workingDirectory: options.context.workingDirectory,
                    user: options.context.environment["USER"], host: ProcessInfo.processInfo.hostName)),
            durable: true)
        for item in preflight.items {
            try journal.append(.check(.init(item)))
        }
        try journal.append(
            .testnetGate(
                .init(
                    allowed: preflight.gate.allowed, hosts: preflight.gate.hosts, flag: LiveExchange.flagVariable,
                    resolveOverrides: preflight.gate.resolveOverrides, proxy: options.context.proxy)),
            durable: true)
        for item in checklist.items where item.kind.isManual && recordAnswers {
            let answer = options.answers[item.id]
            try journal.append(
                .answer(
                    .init(
                        id: item.id, answer: answer ?? HourlyReview.unconfirmed,
                        source: answer == nil ? "none" : options.answersSource)),
                durable: true)
        }
    }

    /// Records the parameters in force and launches the executor.
    public func start() throws {
        guard let journal else { throw JournalError("start() before prepare()") }
        // Parameters may have changed since the pre-flight: judge what the executor really gets.
        let gate = TestnetGate(policy: options.checklist.testnet, endpoints: options.checklist.endpoints)
        let decision = gate.evaluate(environment: childEnvironment, proxy: options.context.proxy)
        guard decision.allowed else {
            try beforeLaunch {
                try journal.append(.testnetGateRefused(.init(refusals: decision.refusals)), durable: true)
            }
            throw TestnetRefused(decision: decision)
        }
        try beforeLaunch {
            try journal.append(.parameters(.init(values: parameterValues)), durable: true)
        }

        samplesFile = try SamplesFile(creating: folder + "/samples.csv")
        try startMetrics()

        launchWall = Date()
        // The log files there now are an earlier run's: looked at before the
        // executor starts, which may make its own before launching returns.
        let follower = newFollower()
        let launched = try launcher.launch(
            LaunchRequest(
                argv: run.argv, environment: childEnvironment, workingDirectory: options.context.resolve(run.workdir),
                stdoutPath: folder + "/executor.stdout", stderrPath: folder + "/executor.stderr",
                toolDirectories: options.context.toolDirectories, runID: runID))
        // From here on the executor runs: nothing may throw, or it would go unsupervised.
        core = RunCore(plan: .init(checklist: options.checklist, timeScale: scale), launch: clock.now())
        let child = launched.process
        self.child = child
        childPID = child.pid
        childStart = launched.startTime
        sampler = launched.sampler
        self.follower = follower
        appendEvent(
            .launch(
                .init(
                    pid: child.pid, startTime: childStart, argv: run.argv, monotonic: launchMonotonic,
                    plannedDurationSeconds: run.duration, timeScale: scale, figuresSource: sampler?.source,
                    cgroupUnavailable: launched.cgroupUnavailable)),
            durable: true)
        startNotifier()
        startControl()
        startWitness()
        emit(.started(runID: runID, folder: folder, pid: child.pid, command: run.argv.joined(separator: " ")))
        notifier?.send(event: "started", runID: runID, text: "load test started (pid \(child.pid))")
    }

    /// Before the launch a write the disk refuses stops everything: there is
    /// nothing to supervise yet, so nothing is held for later.
    private func beforeLaunch(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let held as JournalHeld {
            throw JournalError(
                "cannot write \(held.path): \(held.outage.reason); nothing was launched: "
                    + "free space in \(options.dataDirectory) (or make it writable), then start again")
        }
    }

    /// Webhook notifications, if a URL is configured; failures are journalled
    /// and shown, never fatal.
    func startNotifier() {
        guard let url = Notifier.url(environment: options.context.environment, checklist: options.checklist) else {
            return
        }
        if let refusal = HTTPClient.liveRefusal(HTTPRequest(url: url)) {
            appendEvent(.notifyRefused(.init(reason: refusal)), durable: true)
            emit(.warning("webhook notifications are off: \(refusal)"))
            return
        }
        notifier = Notifier(
            url: url,
            onFailure: { [weak self] event, reason in
                self?.appendEvent(.notifyFailed(.init(event: event, reason: reason)), durable: true)
                self?.emit(.warning("webhook notification '\(event)' failed: \(reason)"))
            },
            onDelivered: { [weak self] event, attempts in
                self?.appendEvent(.notified(.init(event: event, attempts: attempts)))
            })
        notifier?.redactor = redactor
    }

    /// Parameter values in force (`--set` over defaults).
    var parameterValues: [String: String] { options.context.parameterValues(options.checklist) }

    /// The child's environment: the one the TESTNET gate judged, plus the time scale and run id.
    var childEnvironment: [String: String] {
        var environment = options.context.executorEnvironment(options.checklist, parameterValues: parameterValues)
        environment["HEDGEOPS_TIME_SCALE"] = formatNumber(scale)
        environment["HEDGEOPS_RUN_ID"] = runID
        return environment
    }

    // MARK: Supervision

    /// Supervises until the end; returns the results written to results.json.
    /// The decisions are the core's; this loop measures, records and waits.
    public func supervise() -> RunResultsDocument {
        // Start-up's pages handed back (MonitorMemory) once the hour-0 baseline
        // is in, after every checkpoint (its code, JSON and the screen's, runs once
        // an hour and need not stay resident) and every 10 minutes, but only with
        // 5 s or more before the next checkpoint's window: code read back in must
        // not delay its samples.
        var nextRelease = clock.now()
        var ending: RunCore.Ending?
        while ending == nil {
            let now = clock.now()
            if now >= nextRelease && core.isRecorded(0) {
                let nextWindow =
                    core.unrecorded.map { core.due($0) - core.checkpointWindow / core.plan.timeScale }.min() ?? core.end
                if nextWindow - now >= 5 { MonitorMemory.release() }
                nextRelease = now + (nextWindow - now >= 5 ? 600 : 1)
            }
            if let reason = stopRequested {
                stopChild()
                ending = core.aborted(reason, at: now)
                break
            }
            if core.isSampleDue(now) {
                takeSample(now)
                core.sampleTaken(at: now)
            }
            for checkpoint in core.checkpointsDue(now) {
                recordCheckpoint(checkpoint, missed: childGone, note: childGone ? "the executor had ended" : nil)
                nextRelease = min(nextRelease, now)
            }
            // No child at all: `resume` found it gone.
            if let termination = child?.poll() ?? (child == nil ? .vanished : nil) {
                ending = classify(termination, at: now, stoppedByUs: false, unwatched: child == nil)
                break
            }
            checkSilence(now)
            retryStorage()
            if core.isOver(now) {
                takeSample(now)
                for checkpoint in core.checkpointsAtEnd {
                    recordCheckpoint(checkpoint, missed: false, note: nil)
                }
                let termination = stopChild()
                ending = classify(termination, at: now, stoppedByUs: true)
                break
            }
            clock.sleep(until: core.nextWake(after: now))
        }
        // Checkpoints the run never reached are missed, not faked.
        for checkpoint in core.unrecorded {
            recordCheckpoint(checkpoint, missed: true, note: "not reached: \(ending?.detail ?? "run ended")")
        }
        return finish(ending ?? RunCore.Ending(end: .crashed, detail: "unknown end", hour: core.hour(at: clock.now())))
    }

    /// The run's log follower, launched at `launchWall`.
    func newFollower() -> LogFollower {
        LogFollower(
            glob: run.logGlob, workingDirectory: options.context.workingDirectory, notBefore: launchWall,
            patterns: options.checklist.logPatterns)
    }

    private var childGone: Bool { child.map { !$0.isRunning } ?? true }

    /// The executor's log as the core needs it.
    var logState: RunCore.LogState {
        RunCore.LogState(
            counts: follower?.counts ?? [:], wsState: follower?.lastWSState, lastLineAt: follower?.lastLineAt)
    }

    /// The executor's log is read at most ten times a second, whatever the
    /// sampling rate: each read costs system calls and a wake of the page
    /// cache, and a tenth of a second is nothing to a silence limit of
    /// minutes. A checkpoint and the end read it whenever they fall.
    public static let logReadInterval = 0.1

    /// What the log gained since it was last read, if that was `logReadInterval` ago or more.
    func readLog(_ now: Double, evenIfRecent force: Bool = false) -> [LogFollower.Event] {
        // (A millionth of a second early is on time: the clock's sums are not exact.)
        guard let follower, force || !RunClock.isWithin(Self.logReadInterval - 1e-6, of: logReadAt, at: now) else {
            return []
        }
        logReadAt = now
        return follower.poll(monotonic: now)
    }

    /// Journals the log lines a read returned (their first 500 characters).
    func journalLogLines(_ events: [LogFollower.Event]) {
        for event in events {
            appendEvent(.log(.init(pattern: event.pattern, line: String(event.line.prefix(500)))))
        }
    }

    func takeSample(_ now: Double) {
        guard let sampler, let sample = sampler.sample(monotonic: now) else { return }
        let hour = core.add(sample, at: now)
        let events = readLog(now)
        publish(
            LiveFigures(
                hour: hour, rssMB: sample.rssMB, cpuPercent: sample.cpuPercent, counts: follower?.counts ?? [:],
                wsState: follower?.lastWSState))
        publishMetrics(sample: sample)
        appendEvent(
            .sample(
                .init(
                    hour: hour, rssMB: sample.rssMB, rssAnonMB: sample.rssAnonMB, swapMB: sample.swapMB,
                    cpuPercent: sample.cpuPercent, threads: sample.threads, openFiles: sample.openFiles,
                    processes: sample.processes, counts: follower?.counts ?? [:], logFile: follower?.currentFile,
                    logOffset: follower?.currentOffset ?? 0)))
        journalLogLines(events)
        samplesFile?.appendRow { row in
            appendFixedPoint(hour, places: 4, to: &row)
            row.append(UInt8(ascii: ","))
            Timestamp.write(Date(), into: &row)
            for figure in [sample.rssMB, sample.rssAnonMB, sample.swapMB] {
                row.append(UInt8(ascii: ","))
                appendFixedPoint(figure, places: 2, to: &row)
            }
            row.append(UInt8(ascii: ","))
            if let cpu = sample.cpuPercent { appendFixedPoint(cpu, places: 2, to: &row) }
            for count in [sample.threads, sample.openFiles, sample.processes] {
                row.append(UInt8(ascii: ","))
                row += String(count).utf8
            }
        }
        noteSamplesFile()
    }

    /// Records a checkpoint the core decided was due, now.
    func recordCheckpoint(_ checkpoint: Checkpoint, missed: Bool, note: String?) {
        let now = clock.now()
        journalLogLines(readLog(now, evenIfRecent: true))
        let outcome = core.checkpoint(
            checkpoint, at: now, wallTime: Timestamp.rfc3339(Date()), log: logState,
            pssMB: missed ? nil : sampler?.pssMB(), missed: missed, note: note)
        record(witnessed(outcome))
    }

    /// Journals, publishes and notifies a checkpoint the core recorded.
    func record(_ outcome: RunCore.CheckpointOutcome) {
        let record = outcome.record
        appendEvent(.checkpoint(.init(checkpoint: record)), durable: true)
        writeResults(partial(end: nil))
        emit(
            .checkpoint(
                record, baselineMB: core.checkpoints[0]?.rssMB, leakRatio: options.checklist.monitoring.leakRatio))
        reviewCheckpoint(record)
        publishMetrics()
        let shown = record.rssMB.map { "\(fixedPoint($0, places: 1)) MB" } ?? "no value"
        notifier?.send(
            event: "checkpoint", runID: runID,
            text: "\(record.label): \(record.missed ? "MISSED" : shown); please confirm the hourly items",
            fields: ["checkpoint": record.json])
        if let (warning, ratio) = outcome.projection {
            appendEvent(.warning(.init(message: warning)), durable: true)
            emit(.warning(warning))
            notifier?.send(
                event: "projection", runID: runID, text: warning, fields: ["projected_ratio": .double(ratio)])
        }
    }

    private func checkSilence(_ now: Double) {
        switch core.silence(at: now, lastLineAt: follower?.lastLineAt) {
        case .began(let hour, let message):
            appendEvent(.silence(.init(hour: hour, message: message)), durable: true)
            emit(.warning(message))
            notifier?.send(event: "hang", runID: runID, text: message)
        case .ended:
            appendEvent(.logResumed, durable: true)
        case nil:
            break
        }
    }

    /// SIGINT to the group (the load-test script writes its final report), then
    /// SIGTERM, then SIGKILL.
    @discardableResult
    private func stopChild() -> ChildProcess.Termination? {
        guard let child else { return nil }
        if let done = child.poll() { return done }
        appendEvent(.stop(.init(signal: "SIGINT")), durable: true)
        child.signalGroup(SIGINT)
        if let done = child.wait(timeout: run.stopGrace) { return done }
        appendEvent(.stop(.init(signal: "SIGTERM")), durable: true)
        child.signalGroup(SIGTERM)
        if let done = child.wait(timeout: 10) { return done }
        appendEvent(.stop(.init(signal: "SIGKILL")), durable: true)
        child.signalGroup(SIGKILL)
        return child.wait(timeout: 10)
    }

    /// The core's classification, with the exit on record.
    private func classify(
        _ termination: ChildProcess.Termination?, at now: Double, stoppedByUs: Bool, unwatched: Bool = false
    ) -> RunCore.Ending {
        let ending = core.classify(termination, at: now, stoppedByUs: stoppedByUs, unwatched: unwatched)
        appendEvent(
            .exit(
                .init(
                    termination: termination?.description ?? "ended", hour: ending.hour,
                    stoppedByHedgeops: stoppedByUs)),
            durable: true)
        return ending
    }

    private func partial(end: RunCore.Ending?) -> RunResultsDocument {
        let digest = journal.flatMap { JournalDigest.measure($0.path) }
        let counts = follower?.counts ?? [:]
        return RunResultsDocument(
            runID: runID, checklist: options.checklist, startedAt: launchWall, endedAt: end == nil ? nil : Date(),
            durationSeconds: clock.now() - launchMonotonic, timeScale: scale, parameters: parameterValues,
            testnetHosts: [:], checkpoints: core.records, criteria: core.criteria(end: end, counts: counts),
            end: end.map { ($0.end, $0.detail) }, counts: counts, journalSHA256: digest?.sha256,
            journalLines: digest?.lines, logFile: follower?.currentFile, figuresSource: sampler?.source)
    }

    private func finish(_ end: RunCore.Ending) -> RunResultsDocument {
        // What the executor logged while it shut down counts too.
        journalLogLines(readLog(clock.now(), evenIfRecent: true))
        stopWitness(hour: end.hour)
        reviewEnd()
        emit(.ended(end.detail))
        let document = partial(end: end)
        appendEvent(
            .verdict(
                .init(verdict: document.verdict, end: end.end.rawValue, detail: end.detail, criteria: document.criteria)
            ),
            durable: true)
        if end.end == .crashed { notifier?.send(event: "crash", runID: runID, text: end.detail) }
        notifier?.send(
            event: "verdict", runID: runID, text: "VERDICT \(document.verdict): \(end.detail)",
            fields: [
                "verdict": .string(document.verdict),
                "failed": .array(document.criteria.filter { !$0.passed }.map { .string($0.id) }),
            ])
        // Deliveries are journalled; wait for them, then seal the journal.
        if let notifier, !notifier.drain(seconds: 15) {
            appendEvent(.notifyPending(.init(reason: "webhook still retrying at exit")), durable: true)
            emit(.warning("webhook notifications still pending at exit were not delivered"))
        }
        // A disk that refuses writes gets a last chance to take what is held.
        let deadline = RunClock.monotonic() + options.storageGrace
        let stored = awaitStorage(until: deadline)
        stopLock.lock()
        journalSealed = true
        stopLock.unlock()
        journal?.sync()
        // The digest covers the journal as it stands, sealed, with its verdict.
        var final = document
        let digest = journal.flatMap { JournalDigest.measure($0.path) }
        final.journalSHA256 = digest?.sha256
        final.journalLines = digest?.lines
        while !writeResults(final) && RunClock.monotonic() < deadline {
            RunClock.sleep(until: RunClock.monotonic() + 1)
        }
        if !stored { reportUnwritten() }
        samplesFile = nil
        verdictReached = final.verdict
        emit(.finished(verdict: final.verdict, criteria: final.criteria, resultsPath: folder + "/results.json"))
        finishMetrics(criteria: final.criteria)
        stopControl()
        return final
    }
}
