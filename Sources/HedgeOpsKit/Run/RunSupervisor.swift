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
    public static let minimumSampleInterval = 0.025

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
    var sampler: ProcessSampler?
    var follower: LogFollower?
    var series: MemorySeries
    var launchMonotonic = 0.0
    var launchWall = Date()
    var checkpoints: [Double: CheckpointRecord] = [:]
    var lastSample: ProcessSample?
    var cpuSum = 0.0
    var cpuCount = 0
    var silent = false
    var silences = 0
    /// The executor ended while nobody could see how: no exit status and no
    /// planned stop observed, so "no crash" cannot be judged.
    var endUnobserved = false
    var notifier: Notifier?
    var threadFit = LinearFit()
    var fileFit = LinearFit()
    var samplesFile: SamplesFile?
    /// Run files refusing writes now, with what the operator was told.
    let storageLock = NSLock()
    var failingFiles: [String: String] = [:]
    private let stopLock = NSLock()
    let liveLock = NSLock()
    var liveStore: LiveFigures?
    private var stopRequest: String?

    public init(options: Options, onEvent: @escaping @Sendable (RunEvent) -> Void) {
        self.options = options
        present = onEvent
        review = HourlyReview(items: options.checklist.monitoring.hourly)
        redactor = SecretRedactor(environment: options.context.environment, checklist: options.checklist)
        let tick = max(options.checklist.run.sampleInterval / options.timeScale, Self.minimumSampleInterval)
        checkpointWindow = max(
            options.checklist.run.checkpointWindow, Self.minimumWindowSamples * tick * options.timeScale)
        series = MemorySeries(recentHours: checkpointWindow / 3600)
    }

    /// Warm-up in simulated seconds: the checklist's, but at least 0.2 s of
    /// real time, since a process's start-up does not compress with the scale.
    var warmup: Double { max(run.warmup, 0.2 * scale) }

    /// The median window in simulated seconds: the checklist's, widened to
    /// five samples when the time scale spaces samples further apart.
    let checkpointWindow: Double

    /// Samples at least in every checkpoint's median, whatever the time scale.
    static let minimumWindowSamples = 5.0

    /// When a checkpoint is due, in simulated seconds after launch. Hour 0 is
    /// the median of the window that *starts* when the warm-up ends, so it is
    /// due one window later; the others are the hour marks.
    func dueOffset(_ checkpoint: Checkpoint) -> Double {
        checkpoint.hour == 0 ? warmup + checkpointWindow : checkpoint.hour * 3600
    }

    var run: RunSpec { options.checklist.run }
    var scale: Double { options.timeScale }

    /// Asks the loop to stop the run gracefully (first SIGINT/SIGTERM).
    public func requestStop(_ reason: String) {
        stopLock.lock()
        if stopRequest == nil { stopRequest = reason }
        stopLock.unlock()
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
        appendEvent("aborted", ["reason": .string(reason), "immediate": true], durable: true)
    }

    /// Sets a run parameter before `start` (validated by the caller), recorded.
    public func setParameter(_ name: String, _ value: String) {
        options.context.parameterOverrides[name] = value
        appendEvent("parameter_set", ["name": .string(name), "value": .string(value)], durable: true)
    }

    /// The values in force now.
    public var parameters: [String: String] { parameterValues }

    /// Seconds since launch on the monotonic clock, scaled to simulated hours.
    public var elapsedHours: Double {
        launchMonotonic == 0 ? 0 : (RunClock.monotonic() - launchMonotonic) * scale / 3600
    }

    /// Records what is not a measurement (SIGHUP, notes).
    public func record(_ type: String, _ fields: [String: JSONValue]) {
        appendEvent(type, fields, durable: true)
    }

    /// Set once results.json holds the journal's final digest: nothing more is appended.
    private var journalSealed = false

    /// Appends to the journal; a failure (disk full, I/O error) is told to
    /// the operator at once, never swallowed. The journal holds what it
    /// cannot write and writes it when it can; the run goes on meanwhile.
    func appendEvent(_ type: String, _ fields: [String: JSONValue] = [:], durable: Bool = false) {
        stopLock.lock()
        let sealed = journalSealed
        stopLock.unlock()
        guard !sealed else { return }
        do {
            try journal?.append(type, fields, durable: durable)
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
        try journal.append(
            "session",
            [
                "run_id": .string(runID), "checklist": .string(checklist.file),
                "checklist_sha256": .string(checklist.sha256),
                "checklist_id": .string(checklist.id), "time_scale": .double(scale),
                "hedgeops_pid": .int(Int(getpid())),
                // With the pid, identifies this supervisor across pid reuse (status asks whether it lives).
                "hedgeops_start_time": .int(Int(ProcessSampler.startTime(of: getpid()) ?? 0)),
                "working_directory": .string(options.context.workingDirectory),
                "user": .from(options.context.environment["USER"]),
                "host": .string(ProcessInfo.processInfo.hostName),
            ], durable: true)
        for item in preflight.items {
            try journal.append(
                "check",
                [
                    "id": .string(item.id), "kind": .string(item.kind), "status": .string(item.status.rawValue),
                    "detail": .string(item.detail), "required": .bool(item.required),
                ])
        }
        try journal.append(
            "testnet_gate",
            [
                "allowed": .bool(preflight.gate.allowed),
                "hosts": .object(preflight.gate.hosts.mapValues { .string($0) }),
                "flag": .string(LiveExchange.flagVariable),
                "resolve_overrides": .array(preflight.gate.resolveOverrides.map { .string($0) }),
                "proxy": options.context.proxy.map { .string($0) } ?? .null,
            ], durable: true)
        for item in checklist.items where item.kind.isManual && recordAnswers {
            let answer = options.answers[item.id]
            try journal.append(
                "answer",
                [
                    "id": .string(item.id), "answer": .string(answer ?? "not confirmed by operator"),
                    "source": .string(answer == nil ? "none" : options.answersSource),
                ], durable: true)
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
                try journal.append(
                    "testnet_gate_refused", ["refusals": .array(decision.refusals.map { .string($0) })], durable: true)
            }
            throw TestnetRefused(decision: decision)
        }
        try beforeLaunch {
            try journal.append(
                "parameters", ["values": .object(parameterValues.mapValues { .string($0) })], durable: true)
        }

        samplesFile = try SamplesFile(creating: folder + "/samples.csv")

        launchWall = Date()
        let subreaper = ChildProcess.becomeSubreaper()
        let child = try ChildProcess.spawn(
            run.argv, environment: childEnvironment, workingDirectory: options.context.resolve(run.workdir),
            stdoutPath: folder + "/executor.stdout", stderrPath: folder + "/executor.stderr",
            toolDirectories: options.context.toolDirectories)
        // From here on the executor runs: nothing may throw, or it would go unsupervised.
        launchMonotonic = RunClock.monotonic()
        self.child = child
        childPID = child.pid
        childStart = ProcessSampler.startTime(of: child.pid) ?? 0
        let cgroup = executorCgroup(pid: child.pid)
        sampler = ProcessSampler(rootPID: child.pid, adoptOrphans: subreaper, cgroup: try? cgroup.get())
        follower = LogFollower(
            glob: run.logGlob, workingDirectory: options.context.workingDirectory, notBefore: launchWall,
            patterns: options.checklist.logPatterns)
        appendEvent(
            "launch",
            [
                "pid": .int(Int(child.pid)), "start_time": .int(Int(childStart)),
                "argv": .array(run.argv.map { .string($0) }),
                "monotonic": .double(launchMonotonic), "planned_duration_s": .double(run.duration),
                "time_scale": .double(scale), "figures_source": .from(sampler?.source),
                "cgroup_unavailable": .from(cgroup.failureReason),
            ], durable: true)
        startNotifier()
        startControl()
        emit(.started(runID: runID, folder: folder, pid: child.pid, command: run.argv.joined(separator: " ")))
        notifier?.send(event: "started", runID: runID, text: "load test started (pid \(child.pid))")
    }

    /// A cgroup v2 of the executor's own, with the executor moved into it, or
    /// why there is none (the process tree is sampled then).
    func executorCgroup(pid: Int32) -> Result<CgroupV2, CgroupV2.Unavailable> {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        let mine = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        let created = CgroupV2.create(name: runID, mounts: mounts, selfCgroup: mine)
        if case .success(let cgroup) = created, !cgroup.add(pid: pid) {
            cgroup.remove()
            return .failure(.init(reason: "cannot move the executor into \(cgroup.path)"))
        }
        return created
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
            appendEvent("notify_refused", ["reason": .string(refusal)], durable: true)
            emit(.warning("webhook notifications are off: \(refusal)"))
            return
        }
        notifier = Notifier(
            url: url,
            onFailure: { [weak self] event, reason in
                self?.appendEvent("notify_failed", ["event": .string(event), "reason": .string(reason)], durable: true)
                self?.emit(.warning("webhook notification '\(event)' failed: \(reason)"))
            },
            onDelivered: { [weak self] event, attempts in
                self?.appendEvent("notified", ["event": .string(event), "attempts": .int(attempts)])
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
    public func supervise() -> RunResultsDocument {
        let tick = max(run.sampleInterval / scale, Self.minimumSampleInterval)
        let end = launchMonotonic + run.duration / scale
        let plan = options.checklist.monitoring.checkpoints.map { checkpoint in
            (checkpoint, launchMonotonic + dueOffset(checkpoint) / scale)
        }
        var nextSample = launchMonotonic
        // Start-up's pages handed back (MonitorMemory) once the hour-0 baseline
        // is in, and again every 10 minutes, but only with 5 s or more before the
        // next checkpoint's window: code read back in must not delay its samples.
        var nextRelease = RunClock.monotonic()
        var ending: (RunEnd, String)?
        while ending == nil {
            let now = RunClock.monotonic()
            if now >= nextRelease && checkpoints[0] != nil {
                let nextWindow =
                    plan.filter { checkpoints[$0.0.hour] == nil }.map { $0.1 - checkpointWindow / scale }.min() ?? end
                if nextWindow - now >= 5 { MonitorMemory.release() }
                nextRelease = now + (nextWindow - now >= 5 ? 600 : 1)
            }
            if let reason = stopRequested {
                stopChild()
                ending = (.aborted, "aborted by operator (\(reason))")
                break
            }
            if now >= nextSample {
                takeSample(now)
                nextSample = launchMonotonic + ((now - launchMonotonic) / tick).rounded(.down) * tick + tick
            }
            for (checkpoint, due) in plan where checkpoints[checkpoint.hour] == nil && now >= due {
                recordCheckpoint(checkpoint, missed: childGone, note: childGone ? "the executor had ended" : nil)
            }
            // No child at all: `resume` found it gone.
            if let termination = child?.poll() ?? (child == nil ? .vanished : nil) {
                ending = classify(termination, at: now, end: end, stoppedByUs: false, unwatched: child == nil)
                break
            }
            checkSilence(now)
            retryStorage()
            if now >= end {
                takeSample(now)
                for (checkpoint, _) in plan
                where checkpoints[checkpoint.hour] == nil && checkpoint.hour * 3600 <= run.duration {
                    recordCheckpoint(checkpoint, missed: false, note: nil)
                }
                let termination = stopChild()
                ending = classify(termination, at: now, end: end, stoppedByUs: true)
                break
            }
            let wake = min(nextSample, plan.map(\.1).filter { $0 > now }.min() ?? end, end, now + 0.2)
            RunClock.sleep(until: wake)
        }
        // Checkpoints the run never reached are missed, not faked.
        for (checkpoint, _) in plan where checkpoints[checkpoint.hour] == nil {
            recordCheckpoint(checkpoint, missed: true, note: "not reached: \(ending?.1 ?? "run ended")")
        }
        return finish(ending ?? (.crashed, "unknown end"))
    }

    private var childGone: Bool { child.map { !$0.isRunning } ?? true }

    func takeSample(_ now: Double) {
        guard let sampler, let sample = sampler.sample(monotonic: now) else { return }
        lastSample = sample
        let hour = (now - launchMonotonic) * scale / 3600
        let afterWarmup = hour * 3600 >= warmup
        series.add(hour: hour, mb: sample.rssMB, afterWarmup: afterWarmup)
        if afterWarmup {
            threadFit.add(hour, Double(sample.threads))
            fileFit.add(hour, Double(sample.openFiles))
        }
        if afterWarmup, let cpu = sample.cpuPercent {
            cpuSum += cpu
            cpuCount += 1
        }
        let events = follower?.poll(monotonic: now) ?? []
        publish(
            LiveFigures(
                hour: hour, rssMB: sample.rssMB, cpuPercent: sample.cpuPercent, counts: follower?.counts ?? [:],
                wsState: follower?.lastWSState))
        appendEvent(
            "sample",
            [
                "hour": .double(hour), "rss_mb": .double(sample.rssMB), "rss_anon_mb": .double(sample.rssAnonMB),
                "swap_mb": .double(sample.swapMB), "cpu_pct": .from(sample.cpuPercent), "threads": .int(sample.threads),
                "open_files": .int(sample.openFiles), "processes": .int(sample.processes),
                "counts": .object((follower?.counts ?? [:]).mapValues { .int($0) }),
                "log_file": .from(follower?.currentFile), "log_offset": .int(Int(follower?.currentOffset ?? 0)),
            ])
        for event in events {
            appendEvent("log", ["pattern": .string(event.pattern), "line": .string(String(event.line.prefix(500)))])
        }
        let cpu = sample.cpuPercent.map { fixedPoint($0, places: 2) } ?? ""
        samplesFile?.append(
            [
                fixedPoint(hour, places: 4), Timestamp.rfc3339(Date()), fixedPoint(sample.rssMB, places: 2),
                fixedPoint(sample.rssAnonMB, places: 2), fixedPoint(sample.swapMB, places: 2), cpu,
                String(sample.threads), String(sample.openFiles), String(sample.processes),
            ].joined(separator: ","))
        noteSamplesFile()
    }

    /// `gapValue`: for a checkpoint missed while unsupervised, the nearest later sample.
    func recordCheckpoint(_ checkpoint: Checkpoint, missed: Bool, note: String?, gapValue: Double? = nil) {
        let windowHours = checkpointWindow / 3600
        let now = RunClock.monotonic()
        let hour = (now - launchMonotonic) * scale / 3600
        let median = missed ? nil : series.median(endingAt: hour, windowHours: windowHours, notBefore: warmup / 3600)
        let windowStart = max(hour - windowHours, warmup / 3600)
        let baseline = checkpoints[0]?.rssMB ?? (checkpoint.hour == 0 ? median?.mb : nil)
        var record = CheckpointRecord(
            hour: checkpoint.hour, label: checkpoint.label, at: Timestamp.rfc3339(Date()), rssMB: median?.mb,
            pssMB: missed ? nil : sampler?.pssMB(), samples: median?.count ?? 0, windowSeconds: checkpointWindow,
            cpuPercent: cpuCount > 0 ? cpuSum / Double(cpuCount) : lastSample?.cpuPercent,
            threads: missed ? nil : lastSample?.threads, openFiles: missed ? nil : lastSample?.openFiles,
            counts: follower?.counts ?? [:], wsState: follower?.lastWSState,
            errorLockSeen: (follower?.counts[CriteriaEvaluator.errorLockPattern] ?? 0) > 0,
            trend: series.trend(endHour: run.duration / 3600, baseline: baseline), missed: missed, note: note,
            threadsPerHour: threadFit.line?.slope, openFilesPerHour: fileFit.line?.slope)
        if missed { record.trend = nil }
        if !missed, median != nil {
            record.windowStartHour = windowStart
            record.windowEndHour = hour
        }
        if let gapValue { record.rssMB = gapValue }
        checkpoints[checkpoint.hour] = record
        appendEvent("checkpoint", ["checkpoint": record.json], durable: true)
        writeResults(partial(end: nil))
        emit(
            .checkpoint(record, baselineMB: checkpoints[0]?.rssMB, leakRatio: options.checklist.monitoring.leakRatio))
        reviewCheckpoint(record)
        let shown = record.rssMB.map { String(format: "%.1f MB", $0) } ?? "no value"
        notifier?.send(
            event: "checkpoint", runID: runID,
            text: "\(record.label): \(record.missed ? "MISSED" : shown); please confirm the hourly items",
            fields: ["checkpoint": record.json])
        if let ratio = record.trend?.projectedRatio, ratio >= options.checklist.monitoring.leakRatio,
            checkpoint.hour > 0
        {
            let warning = String(
                format: "memory projected to %.2f× hour 0 at hour %@: the leak criterion (< %.2f×) will fail", ratio,
                formatNumber(run.duration / 3600), options.checklist.monitoring.leakRatio)
            appendEvent("warning", ["message": .string(warning)], durable: true)
            emit(.warning(warning))
            notifier?.send(
                event: "projection", runID: runID, text: warning, fields: ["projected_ratio": .double(ratio)])
        }
    }

    private func checkSilence(_ now: Double) {
        let last = follower?.lastLineAt ?? launchMonotonic
        // At least a second of real time: a quiet second is not a hang.
        let quiet = now - last > max(run.silenceLimit / scale, 1.0)
        if quiet && !silent {
            silent = true
            silences += 1
            let hour = (now - launchMonotonic) * scale / 3600
            let message = String(
                format: "the executor's log has been silent for more than %@ (hour %.2f): is it hung?",
                formatNumber(run.silenceLimit / 60) + " min", hour)
            appendEvent("silence", ["hour": .double(hour), "message": .string(message)], durable: true)
            emit(.warning(message))
            notifier?.send(event: "hang", runID: runID, text: message)
        } else if !quiet && silent {
            silent = false
            appendEvent("log_resumed", [:], durable: true)
        }
    }

    /// SIGINT to the group (the load-test script writes its final report), then
    /// SIGTERM, then SIGKILL.
    @discardableResult
    private func stopChild() -> ChildProcess.Termination? {
        guard let child else { return nil }
        if let done = child.poll() { return done }
        appendEvent("stop", ["signal": "SIGINT"], durable: true)
        child.signalGroup(SIGINT)
        if let done = child.wait(timeout: run.stopGrace) { return done }
        appendEvent("stop", ["signal": "SIGTERM"], durable: true)
        child.signalGroup(SIGTERM)
        if let done = child.wait(timeout: 10) { return done }
        appendEvent("stop", ["signal": "SIGKILL"], durable: true)
        child.signalGroup(SIGKILL)
        return child.wait(timeout: 10)
    }

    /// REFERENCE: death by our own SIGINT at the end, or exit 0 near the end, is normal.
    /// How the executor answered the planned stop, in an operator's words:
    /// dying of the SIGINT it was sent is the graceful shutdown, not a crash.
    static func plannedStop(_ termination: ChildProcess.Termination?) -> String {
        switch termination {
        case .signaled(SIGINT): "it shut down on SIGINT, as asked"
        case .signaled(SIGTERM): "it did not stop on SIGINT; it shut down on SIGTERM"
        case .signaled(SIGKILL): "it ignored SIGINT and SIGTERM; killed with SIGKILL"
        case .some(let other): other.description
        case nil: "ended"
        }
    }

    /// `unwatched`: the executor was already gone when `resume` looked for it.
    private func classify(
        _ termination: ChildProcess.Termination?, at now: Double, end: Double, stoppedByUs: Bool,
        unwatched: Bool = false
    ) -> (RunEnd, String) {
        let hours = (now - launchMonotonic) * scale / 3600
        let description = termination?.description ?? "ended"
        appendEvent(
            "exit",
            ["termination": .string(description), "hour": .double(hours), "stopped_by_hedgeops": .bool(stoppedByUs)],
            durable: true)
        if stoppedByUs {
            return (
                .normal,
                String(
                    format: "ran the full %@ h; stopped by hedgeops at the planned end (%@)",
                    formatNumber(run.duration / 3600), Self.plannedStop(termination))
            )
        }
        let nearEnd =
            end - now
            <= max(2 * max(run.sampleInterval / scale, Self.minimumSampleInterval), 0.01 * run.duration / scale)
        if termination == .exited(0) && nearEnd {
            return (.normal, "ended by itself at the planned end (exit 0)")
        }
        if termination == .vanished && (nearEnd || now >= end) && !unwatched {
            // An adopted executor, watched to the end: it ran the full duration.
            return (.normal, "ended by itself at the planned end, watched since the resume (exit status unknown)")
        }
        if termination == .vanished && (nearEnd || now >= end) {
            endUnobserved = true
            return (.normal, "ended at or after the planned end while hedgeops was not running (exit status unknown)")
        }
        if termination == .exited(0) {
            return (.childEndedEarly, String(format: "ended early at hour %.2f (exit 0)", hours))
        }
        return (.crashed, String(format: "crashed at hour %.2f: %@", hours, description))
    }

    private func partial(end: (RunEnd, String)?) -> RunResultsDocument {
        let digest = journal.flatMap { JournalDigest.measure($0.path) }
        let final = RunFacts.finalMemory(
            Array(checkpoints.values), planned: options.checklist.monitoring.checkpoints)
        let facts = RunFacts(
            baselineMB: checkpoints[0]?.rssMB, finalMB: final.mb, finalMissing: final.missing,
            counts: follower?.counts ?? [:], fullDuration: end.flatMap { endUnobserved ? nil : $0.0 == .normal },
            endDetail: end?.1 ?? "still running", cpuAverage: cpuCount > 0 ? cpuSum / Double(cpuCount) : nil,
            silences: silences)
        let criteria = CriteriaEvaluator.evaluate(options.checklist.criteria.items, facts: facts)
        return RunResultsDocument(
            runID: runID, checklist: options.checklist, startedAt: launchWall, endedAt: end == nil ? nil : Date(),
            durationSeconds: RunClock.monotonic() - launchMonotonic, timeScale: scale, parameters: parameterValues,
            testnetHosts: [:], checkpoints: checkpoints.values.sorted { $0.hour < $1.hour }, criteria: criteria,
            end: end, counts: follower?.counts ?? [:], journalSHA256: digest?.sha256,
            journalLines: digest?.lines, logFile: follower?.currentFile, figuresSource: sampler?.source)
    }

    private func finish(_ end: (RunEnd, String)) -> RunResultsDocument {
        reviewEnd()
        emit(.ended(end.1))
        let document = partial(end: end)
        appendEvent(
            "verdict",
            [
                "verdict": .string(document.verdict), "end": .string(end.0.rawValue), "detail": .string(end.1),
                "criteria": .array(document.criteria.map(\.json)),
            ], durable: true)
        if end.0 == .crashed { notifier?.send(event: "crash", runID: runID, text: end.1) }
        notifier?.send(
            event: "verdict", runID: runID, text: "VERDICT \(document.verdict): \(end.1)",
            fields: [
                "verdict": .string(document.verdict),
                "failed": .array(document.criteria.filter { !$0.passed }.map { .string($0.id) }),
            ])
        // Deliveries are journalled; wait for them, then seal the journal.
        if let notifier, !notifier.drain(seconds: 15) {
            appendEvent("notify_pending", ["reason": "webhook still retrying at exit"], durable: true)
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
        stopControl()
        return final
    }
}

/// The monotonic clock runs are measured on.
public enum RunClock {
    public static func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    public static func sleep(until deadline: Double) {
        let delay = deadline - monotonic()
        if delay > 0 { usleep(UInt32(min(delay, 1) * 1_000_000)) }
    }
}
