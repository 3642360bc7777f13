import Foundation

/// A run's figures as Prometheus sees them: a snapshot the supervisor takes
/// at each sample, checkpoint and verdict, rendered at each scrape. Names
/// and units follow Prometheus's conventions (base units, `_bytes`,
/// `_seconds`, `_total` for counters); "run seconds" are simulated seconds,
/// which a time scale compresses (``timeScale`` says by how much).
/// A figure not measured yet is absent, a criterion not decidable yet NaN.
public struct RunMetrics: Sendable {
    public var labels: RunLabels
    /// The executor's process tree is alive.
    public var executorUp: Bool
    /// The latest sample of the tree.
    public var sample: ProcessSample?
    /// CPU seconds the tree used since the first sample.
    public var cpuSeconds: Double
    /// Average CPU after the warm-up, % of one core (the criterion's figure).
    public var cpuAveragePercent: Double?
    /// PSS at the latest checkpoint that measured it.
    public var pssMB: Double?
    /// The checklist's log pattern ids, in its order: each gets a counter, zero included.
    public var patterns: [String]
    public var counts: [String: Int]
    /// Unix time of the log's latest complete line.
    public var lastLineUnixTime: Double?
    public var silences: Int
    public var checkpoints: [CheckpointRecord]
    public var elapsedHours: Double
    public var plannedHours: Double
    public var timeScale: Double
    public var criteria: [CriterionResult]
    /// PASS or FAIL once reached.
    public var verdict: String?

    public init(
        labels: RunLabels, executorUp: Bool, sample: ProcessSample?, cpuSeconds: Double, cpuAveragePercent: Double?,
        pssMB: Double?, patterns: [String], counts: [String: Int], lastLineUnixTime: Double?, silences: Int,
        checkpoints: [CheckpointRecord], elapsedHours: Double, plannedHours: Double, timeScale: Double,
        criteria: [CriterionResult], verdict: String?
    ) {
        self.labels = labels
        self.executorUp = executorUp
        self.sample = sample
        self.cpuSeconds = cpuSeconds
        self.cpuAveragePercent = cpuAveragePercent
        self.pssMB = pssMB
        self.patterns = patterns
        self.counts = counts
        self.lastLineUnixTime = lastLineUnixTime
        self.silences = silences
        self.checkpoints = checkpoints
        self.elapsedHours = elapsedHours
        self.plannedHours = plannedHours
        self.timeScale = timeScale
        self.criteria = criteria
        self.verdict = verdict
    }

    static let bytesPerMB = 1_048_576.0

    /// The trend of the latest checkpoint that has one: what the operator was shown.
    var trend: LeakTrend? { checkpoints.last { $0.trend != nil }?.trend }

    /// Every family, in a fixed order.
    public var families: [MetricFamily] {
        typealias Family = MetricFamily
        func gauge(_ name: String, _ help: String, _ value: Double?) -> Family {
            Family(name, .gauge, help: help, samples: value.map { [.init($0)] } ?? [])
        }
        let mb = { (value: Double?) in value.map { $0 * Self.bytesPerMB } }
        let baseline = checkpoints.first { $0.hour == 0 }?.rssMB
        let criterionLabels = { (result: CriterionResult) in [("criterion", result.id), ("metric", result.metric)] }
        return [
            gauge(
                "hedgeops_executor_up", "1 while the executor's process tree is alive, 0 once it is gone.",
                executorUp ? 1 : 0),
            gauge(
                "hedgeops_executor_resident_memory_bytes", "Resident memory (RSS) of the executor's process tree.",
                mb(sample?.rssMB)),
            gauge(
                "hedgeops_executor_anonymous_memory_bytes", "Anonymous resident memory of the executor's tree.",
                mb(sample?.rssAnonMB)),
            gauge(
                "hedgeops_executor_swap_bytes", "Swapped-out memory of the executor's process tree.",
                mb(sample?.swapMB)),
            gauge(
                "hedgeops_executor_proportional_memory_bytes",
                "Proportional set size (PSS) of the executor's tree, at the latest checkpoint that read it.",
                mb(pssMB)),
            Family(
                "hedgeops_executor_cpu_seconds_total", .counter,
                help: "CPU time the executor's process tree used since the first sample, in real seconds.",
                samples: sample == nil ? [] : [.init(cpuSeconds)]),
            gauge(
                "hedgeops_executor_cpu_usage_ratio", "CPU of the executor's tree at the latest sample, in cores.",
                sample?.cpuPercent.map { $0 / 100 }),
            gauge(
                "hedgeops_executor_cpu_average_ratio",
                "Average CPU of the executor's tree after the warm-up, in cores (the cpu criterion's figure).",
                cpuAveragePercent.map { $0 / 100 }),
            gauge(
                "hedgeops_executor_threads", "Threads in the executor's process tree.",
                sample.map { Double($0.threads) }),
            gauge(
                "hedgeops_executor_open_fds", "Open file descriptors in the executor's process tree.",
                sample.map { Double($0.openFiles) }),
            gauge(
                "hedgeops_executor_processes", "Processes in the executor's tree.",
                sample.map { Double($0.processes) }),
            Family(
                "hedgeops_log_matches_total", .counter,
                help: "Lines of the executor's log matching each of the checklist's log patterns.",
                samples: patterns.map { .init(Double(counts[$0] ?? 0), labels: [("pattern", $0)]) }),
            gauge(
                "hedgeops_log_last_line_timestamp_seconds", "Unix time of the executor log's latest line.",
                lastLineUnixTime),
            Family(
                "hedgeops_log_silences_total", .counter,
                help: "Times the executor's log went silent past the checklist's limit.",
                samples: [.init(Double(silences))]),
            gauge("hedgeops_memory_baseline_bytes", "Hour-0 baseline: median RSS after the warm-up.", mb(baseline)),
            Family(
                "hedgeops_memory_checkpoint_bytes", .gauge,
                help: "Median RSS recorded at each checkpoint (NaN for a missed one with no value).",
                samples: checkpoints.map {
                    .init(mb($0.rssMB) ?? .nan, labels: [("hour", formatNumber($0.hour))])
                }),
            gauge(
                "hedgeops_memory_trend_slope_bytes_per_second",
                "Least-squares memory trend at the latest checkpoint, per second of run time.",
                trend.map { $0.slopeMBPerHour * Self.bytesPerMB / 3600 }),
            gauge(
                "hedgeops_memory_projected_final_bytes", "Memory the trend projects for the end of the run.",
                mb(trend?.projectedFinalMB)),
            gauge(
                "hedgeops_memory_projected_ratio", "The trend's projection for the end of the run over hour 0.",
                trend?.projectedRatio),
            gauge(
                "hedgeops_run_elapsed_seconds", "Run time elapsed since the launch (simulated under a time scale).",
                elapsedHours * 3600),
            gauge("hedgeops_run_planned_seconds", "The run's planned duration in run time.", plannedHours * 3600),
            gauge("hedgeops_run_time_scale", "Run seconds per real second: 1 for a real run.", timeScale),
            Family(
                "hedgeops_criterion_pass", .gauge,
                help: "Each pass criterion now: 1 pass, 0 fail, NaN not decidable yet.",
                samples: criteria.map { .init($0.value == nil ? .nan : $0.passed ? 1 : 0, labels: criterionLabels($0)) }
            ),
            Family(
                "hedgeops_criterion_value", .gauge,
                help: "The figure each pass criterion judges (NaN until measured).",
                samples: criteria.map { .init($0.value ?? .nan, labels: criterionLabels($0)) }),
            Family(
                "hedgeops_criterion_threshold", .gauge, help: "Each pass criterion's threshold from the checklist.",
                samples: criteria.map { .init($0.threshold, labels: criterionLabels($0)) }),
            gauge(
                "hedgeops_run_verdict", "The run's verdict once reached: 1 PASS, 0 FAIL.",
                verdict.map { $0 == "PASS" ? 1 : 0 }),
        ]
    }

    /// The exposition served at `/metrics`.
    public var text: String {
        let common = labels.pairs
        return families.map { $0.text(common: common) }.joined()
    }
}
