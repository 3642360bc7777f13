import Foundation

/// The run's decisions, apart from any I/O: when to sample, which checkpoints
/// are due, the median window, warm-up, silence, the leak trend and its
/// projection, how the run ended, the criteria, and what fell in a gap
/// after a resume. It is fed samples, the log's state and monotonic clock
/// values, and returns what to record; ``RunSupervisor`` does the recording.
/// Being a value with no clock of its own, a whole eight-hour run can be
/// driven through it in milliseconds.
public struct RunCore: Sendable {
    /// What the core knows of the checklist and the run's clock.
    public struct Plan: Sendable {
        public var run: RunSpec
        public var checkpoints: [Checkpoint]
        public var leakRatio: Double
        public var criteria: [Criterion]
        public var timeScale: Double

        public init(
            run: RunSpec, checkpoints: [Checkpoint], leakRatio: Double, criteria: [Criterion], timeScale: Double
        ) {
            self.run = run
            self.checkpoints = checkpoints
            self.leakRatio = leakRatio
            self.criteria = criteria
            self.timeScale = timeScale
        }

        public init(checklist: Checklist, timeScale: Double) {
            self.init(
                run: checklist.run, checkpoints: checklist.monitoring.checkpoints,
                leakRatio: checklist.monitoring.leakRatio, criteria: checklist.criteria.items, timeScale: timeScale)
        }
    }

    /// The executor's log as the core needs it.
    public struct LogState: Sendable, Equatable {
        public var counts: [String: Int]
        public var wsState: String?
        /// Monotonic time of the last complete line, nil before the first.
        public var lastLineAt: Double?

        public init(counts: [String: Int] = [:], wsState: String? = nil, lastLineAt: Double? = nil) {
            self.counts = counts
            self.wsState = wsState
            self.lastLineAt = lastLineAt
        }
    }

    /// A checkpoint to record, and the warning its projection calls for.
    public struct CheckpointOutcome: Sendable {
        public var record: CheckpointRecord
        /// Memory projected past the leak ratio at the end of the run.
        public var projection: (message: String, ratio: Double)?
    }

    /// The log went quiet past the limit, or spoke again.
    public enum SilenceChange: Sendable, Equatable {
        case began(hour: Double, message: String)
        case ended
    }

    /// How the run ended, in an operator's words, and at which run hour.
    public struct Ending: Sendable, Equatable {
        public var end: RunEnd
        public var detail: String
        public var hour: Double
    }

    /// The smallest real interval between samples, however large the time scale.
    public static let minimumSampleInterval = 0.025
    /// Real seconds the executor may take to write its first line before its log counts as silent.
    public static let startupSilenceFloor = 5.0
    /// Samples at least in every checkpoint's median, whatever the time scale.
    public static let minimumWindowSamples = 5.0

    public let plan: Plan
    /// Monotonic seconds at the launch.
    public let launch: Double
    /// Real seconds between samples.
    public let tick: Double
    /// The median window in simulated seconds: the checklist's, widened to
    /// five samples when the time scale spaces samples further apart.
    public let checkpointWindow: Double

    public private(set) var checkpoints: [Double: CheckpointRecord] = [:]
    public private(set) var lastSample: ProcessSample?
    public private(set) var silences = 0
    /// The executor ended while nobody could see how: no exit status and no
    /// planned stop observed, so "no crash" cannot be judged.
    public private(set) var endUnobserved = false
    private var series: MemorySeries
    private var threadFit = LinearFit()
    private var fileFit = LinearFit()
    private var cpuSum = 0.0
    private var cpuCount = 0
    private var silent = false
    private var nextSample: Double

    public init(plan: Plan, launch: Double) {
        self.plan = plan
        self.launch = launch
        tick = max(plan.run.sampleInterval / plan.timeScale, Self.minimumSampleInterval)
        checkpointWindow = max(plan.run.checkpointWindow, Self.minimumWindowSamples * tick * plan.timeScale)
        series = MemorySeries(recentHours: checkpointWindow / 3600)
        nextSample = launch
    }

    var scale: Double { plan.timeScale }

    /// When the executor's log first showed a line: the executor is running, not starting.
    public private(set) var firstLogLineAt: Double?

    /// The longest warm-up, in simulated seconds, an executor that has not logged yet is given.
    static let longestWarmup = 1800.0

    /// Warm-up in simulated seconds: the checklist's, but at least 0.2 s of
    /// real time after the executor's first log line, since a process's
    /// start-up does not compress with the scale (a loaded machine can take
    /// half a second just to start it). Until that line, hour 0 waits, up to
    /// ``longestWarmup`` (never past hour 1).
    public var warmup: Double {
        let floor = max(plan.run.warmup, 0.2 * scale)
        let longest = max(floor, Self.longestWarmup)
        guard let started = firstLogLineAt else { return longest }
        return min(max(floor, (started - launch + 0.2) * scale), longest)
    }

    /// Run hours at monotonic time `now`.
    public func hour(at now: Double) -> Double { (now - launch) * scale / 3600 }

    /// Monotonic time of the planned end.
    public var end: Double { launch + plan.run.duration / scale }

    /// When a checkpoint is due, in simulated seconds after launch. Hour 0 is
    /// the median of the window that *starts* when the warm-up ends, so it is
    /// due one window later; the others are the hour marks.
    public func dueOffset(_ checkpoint: Checkpoint) -> Double {
        checkpoint.hour == 0 ? warmup + checkpointWindow : checkpoint.hour * 3600
    }

    /// Monotonic time a checkpoint is due.
    public func due(_ checkpoint: Checkpoint) -> Double { launch + dueOffset(checkpoint) / scale }

    /// Average CPU after warm-up, nil before any.
    public var cpuAverage: Double? { cpuCount > 0 ? cpuSum / Double(cpuCount) : nil }

    // MARK: Schedule

    public func isSampleDue(_ now: Double) -> Bool { now >= nextSample }

    /// The next sample is on the launch's grid, never bunched after a late
    /// wake-up, and always after `now`. A wake-up exactly on the grid is that
    /// grid point, not a hair before it (which would sample twice).
    public mutating func sampleTaken(at now: Double) {
        let taken = ((now - launch) / tick + 1e-6).rounded(.down)
        nextSample = launch + (taken + 1) * tick
        if nextSample <= now { nextSample += tick }
    }

    /// Planned checkpoints not yet recorded whose time has come.
    public func checkpointsDue(_ now: Double) -> [Checkpoint] {
        // Asked at every wake-up (five times a second): nothing built unless one is due.
        guard plan.checkpoints.contains(where: { now >= due($0) && !isRecorded($0.hour) }) else { return [] }
        return unrecorded.filter { now >= due($0) }
    }

    /// Whether the checkpoint at `hour` is on record (its record not copied out to be compared).
    public func isRecorded(_ hour: Double) -> Bool { checkpoints.index(forKey: hour) != nil }

    /// Planned checkpoints within the run's duration, still unrecorded at the planned end.
    public var checkpointsAtEnd: [Checkpoint] {
        unrecorded.filter { $0.hour * 3600 <= plan.run.duration }
    }

    /// Planned checkpoints not recorded yet, in plan order.
    public var unrecorded: [Checkpoint] { plan.checkpoints.filter { !isRecorded($0.hour) } }

    public func isOver(_ now: Double) -> Bool { now >= end }

    /// When the loop wakes next: the next sample, checkpoint or the end, and
    /// at least every second so a dead child is seen soon (a stop request
    /// wakes the loop itself). Each wake-up costs a context switch: at one
    /// sample a second, waking five times a second cost more than the sample.
    public func nextWake(after now: Double) -> Double {
        var checkpoint = end
        for planned in plan.checkpoints {
            let at = due(planned)
            if at > now && at < checkpoint { checkpoint = at }
        }
        return min(nextSample, checkpoint, end, now + 1)
    }

    // MARK: Measurements

    /// Takes a sample in; returns its run hour.
    @discardableResult
    public mutating func add(_ sample: ProcessSample, at now: Double) -> Double {
        lastSample = sample
        let hour = hour(at: now)
        replay(
            hour: hour, mb: sample.rssMB, threads: sample.threads, openFiles: sample.openFiles,
            cpuPercent: sample.cpuPercent)
        return hour
    }

    /// A sample read back from the journal (resume): feeds the trend and the CPU average.
    public mutating func replay(hour: Double, mb: Double, threads: Int?, openFiles: Int?, cpuPercent: Double?) {
        let afterWarmup = hour * 3600 >= warmup
        series.add(hour: hour, mb: mb, afterWarmup: afterWarmup)
        guard afterWarmup else { return }
        if let threads { threadFit.add(hour, Double(threads)) }
        if let openFiles { fileFit.add(hour, Double(openFiles)) }
        if let cpuPercent {
            cpuSum += cpuPercent
            cpuCount += 1
        }
    }

    /// Checkpoints and silences already on record (resume).
    public mutating func restore(checkpoints records: [CheckpointRecord], silences: Int) {
        for record in records { checkpoints[record.hour] = record }
        self.silences = silences
        // The warm-up the run had: hour 0's window started where it ended.
        if let start = checkpoints[0]?.windowStartHour {
            firstLogLineAt = launch + start * 3600 / scale - 0.2
        }
    }

    // MARK: Checkpoints

    /// Records a checkpoint at `now`: the median of the window, the trend
    /// projected to the end against hour 0, and the projection's warning.
    ///
    /// - Parameters:
    ///   - at: the wall-clock time to show.
    ///   - pssMB: PSS measured now, for a checkpoint taken on time.
    ///   - gapValue: for a checkpoint missed while unsupervised, the nearest later sample.
    public mutating func checkpoint(
        _ checkpoint: Checkpoint, at now: Double, wallTime: String, log: LogState, pssMB: Double? = nil,
        missed: Bool, note: String?, gapValue: Double? = nil
    ) -> CheckpointOutcome {
        let windowHours = checkpointWindow / 3600
        let hour = hour(at: now)
        let median = missed ? nil : series.median(endingAt: hour, windowHours: windowHours, notBefore: warmup / 3600)
        let baseline = checkpoints[0]?.rssMB ?? (checkpoint.hour == 0 ? median?.mb : nil)
        var record = CheckpointRecord(
            hour: checkpoint.hour, label: checkpoint.label, at: wallTime, rssMB: median?.mb,
            pssMB: missed ? nil : pssMB, samples: median?.count ?? 0, windowSeconds: checkpointWindow,
            cpuPercent: cpuAverage ?? lastSample?.cpuPercent,
            threads: missed ? nil : lastSample?.threads, openFiles: missed ? nil : lastSample?.openFiles,
            counts: log.counts, wsState: log.wsState,
            errorLockSeen: (log.counts[CriteriaEvaluator.errorLockPattern] ?? 0) > 0,
            trend: missed ? nil : series.trend(endHour: plan.run.duration / 3600, baseline: baseline), missed: missed,
            note: note, threadsPerHour: threadFit.line?.slope, openFilesPerHour: fileFit.line?.slope)
        if !missed, median != nil {
            record.windowStartHour = max(hour - windowHours, warmup / 3600)
            record.windowEndHour = hour
        }
        if let gapValue { record.rssMB = gapValue }
        checkpoints[checkpoint.hour] = record
        var outcome = CheckpointOutcome(record: record)
        if let ratio = record.trend?.projectedRatio, ratio >= plan.leakRatio, checkpoint.hour > 0 {
            let message =
                "memory projected to \(fixedPoint(ratio, places: 2))× hour 0 at hour "
                + "\(formatNumber(plan.run.duration / 3600)): the leak criterion "
                + "(< \(fixedPoint(plan.leakRatio, places: 2))×) will fail"
            outcome.projection = (message, ratio)
        }
        return outcome
    }

    /// Checkpoints that fell due while nobody watched (before a resume).
    public func gapCheckpoints(_ now: Double) -> [Checkpoint] { checkpointsDue(now) }

    /// Records the gap's checkpoints as missed, each carrying the nearest
    /// later sample (the one just taken, when the executor is alive), never
    /// a made-up value. Feed the sample taken now first.
    public mutating func fillGap(
        _ due: [Checkpoint], at now: Double, wallTime: String, log: LogState, executorAlive: Bool
    ) -> [CheckpointOutcome] {
        let hour = hour(at: now)
        return due.map { checkpoint in
            let value = executorAlive ? lastSample?.rssMB : nil
            let note =
                value == nil
                ? "fell in the gap while hedgeops was not running"
                : "fell in the gap while hedgeops was not running; value is the nearest later sample, at hour "
                    + fixedPoint(hour, places: 2)
            return self.checkpoint(
                checkpoint, at: now, wallTime: wallTime, log: log, missed: true, note: note, gapValue: value)
        }
    }

    // MARK: Silence

    /// A hang is a log quiet for longer than the checklist's limit (and at
    /// least a second of real time: a quiet second is not a hang; before the
    /// first line, five: a loaded machine can take that long to start the
    /// executor). Said once per silence; the end of it is said too.
    public mutating func silence(at now: Double, lastLineAt: Double?) -> SilenceChange? {
        if firstLogLineAt == nil, let lastLineAt { firstLogLineAt = lastLineAt }
        let last = lastLineAt ?? launch
        let floor = lastLineAt == nil ? Self.startupSilenceFloor : 1.0
        let quiet = now - last > max(plan.run.silenceLimit / scale, floor)
        if quiet && !silent {
            silent = true
            silences += 1
            let hour = hour(at: now)
            let message = String(
                format: "the executor's log has been silent for more than %@ (hour %.2f): is it hung?",
                formatNumber(plan.run.silenceLimit / 60) + " min", hour)
            return .began(hour: hour, message: message)
        }
        if !quiet && silent {
            silent = false
            return .ended
        }
        return nil
    }

    // MARK: The end

    /// How the executor answered the planned stop, in an operator's words:
    /// dying of the SIGINT it was sent is the graceful shutdown, not a crash.
    public static func plannedStop(_ termination: ChildProcess.Termination?) -> String {
        switch termination {
        case .signaled(SIGINT): "it shut down on SIGINT, as asked"
        case .signaled(SIGTERM): "it did not stop on SIGINT; it shut down on SIGTERM"
        case .signaled(SIGKILL): "it ignored SIGINT and SIGTERM; killed with SIGKILL"
        case .some(let other): other.description
        case nil: "ended"
        }
    }

    /// The operator stopped the run.
    public func aborted(_ reason: String, at now: Double) -> Ending {
        Ending(end: .aborted, detail: "aborted by operator (\(reason))", hour: hour(at: now))
    }

    /// Classifies how the executor ended. Stopped by us at the planned end,
    /// or exit 0 near it, is normal.
    ///
    /// - Parameter unwatched: the executor was already gone when `resume` looked for it.
    public mutating func classify(
        _ termination: ChildProcess.Termination?, at now: Double, stoppedByUs: Bool, unwatched: Bool = false
    ) -> Ending {
        let hours = hour(at: now)
        func ending(_ end: RunEnd, _ detail: String) -> Ending { Ending(end: end, detail: detail, hour: hours) }
        if stoppedByUs {
            return ending(
                .normal,
                String(
                    format: "ran the full %@ h; stopped by hedgeops at the planned end (%@)",
                    formatNumber(plan.run.duration / 3600), Self.plannedStop(termination)))
        }
        let nearEnd = end - now <= max(2 * tick, 0.01 * plan.run.duration / scale)
        if termination == .exited(0) && nearEnd {
            return ending(.normal, "ended by itself at the planned end (exit 0)")
        }
        if termination == .vanished && (nearEnd || now >= end) && !unwatched {
            // An adopted executor, watched to the end: it ran the full duration.
            return ending(.normal, "ended by itself at the planned end, watched since the resume (exit status unknown)")
        }
        if termination == .vanished && (nearEnd || now >= end) {
            endUnobserved = true
            return ending(
                .normal, "ended at or after the planned end while hedgeops was not running (exit status unknown)")
        }
        if termination == .exited(0) {
            return ending(.childEndedEarly, "ended early at hour \(fixedPoint(hours, places: 2)) (exit 0)")
        }
        return ending(
            .crashed, "crashed at hour \(fixedPoint(hours, places: 2)): \(termination?.description ?? "ended")")
    }

    /// What the criteria are judged on; `end` nil while the run goes on.
    public func facts(end: Ending?, counts: [String: Int]) -> RunFacts {
        let final = RunFacts.finalMemory(Array(checkpoints.values), planned: plan.checkpoints)
        return RunFacts(
            baselineMB: checkpoints[0]?.rssMB, finalMB: final.mb, finalMissing: final.missing, counts: counts,
            fullDuration: end.flatMap { endUnobserved ? nil : $0.end == .normal },
            endDetail: end?.detail ?? "still running", cpuAverage: cpuAverage, silences: silences)
    }

    /// The checklist's criteria, judged on the facts so far.
    public func criteria(end: Ending?, counts: [String: Int]) -> [CriterionResult] {
        CriteriaEvaluator.evaluate(plan.criteria, facts: facts(end: end, counts: counts))
    }

    /// The checkpoints in hour order.
    public var records: [CheckpointRecord] { checkpoints.values.sorted { $0.hour < $1.hour } }
}
