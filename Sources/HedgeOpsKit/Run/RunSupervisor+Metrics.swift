import Foundation

/// The run seen from Prometheus (`--metrics-listen`): the supervisor hands
/// a snapshot to the ``MetricsServer`` at every sample, checkpoint and at
/// the verdict. The snapshot is built from what the supervisor records, so
/// a dashboard shows the figures the journal holds.
final class RunMetricsFeed: @unchecked Sendable {
    let server: MetricsServer
    let labels: RunLabels
    /// Touched on the supervisor's loop only.
    private(set) var cpuSeconds = 0.0
    private var lastSampleAt: Double?

    init(server: MetricsServer, labels: RunLabels) {
        self.server = server
        self.labels = labels
    }

    /// A sample's CPU % covers the interval since the previous one: their
    /// product is the CPU time the tree used in it.
    func sampled(_ sample: ProcessSample) {
        if let last = lastSampleAt, let percent = sample.cpuPercent {
            cpuSeconds += percent / 100 * max(0, sample.monotonic - last)
        }
        lastSampleAt = sample.monotonic
    }
}

extension RunSupervisor {
    /// Serves the run's metrics when the operator asked for them. Called
    /// before the launch, so an address that cannot be served stops the run
    /// before anything starts.
    func startMetrics() throws(MetricsAddressError) {
        guard let address = options.metricsListen, metricsFeed == nil else { return }
        let server = try MetricsServer(address: address)
        let labels = RunLabels(
            runID: runID, checklist: options.checklist, parameters: parameterValues,
            host: ProcessInfo.processInfo.hostName, timeScale: scale, redactor: redactor)
        metricsFeed = RunMetricsFeed(server: server, labels: labels)
        publishMetrics()
    }

    /// The snapshot now; `sample` is a sample just taken, `criteria` the verdict's.
    func publishMetrics(sample: ProcessSample? = nil, criteria final: [CriterionResult]? = nil) {
        guard let feed = metricsFeed else { return }
        if let sample { feed.sampled(sample) }
        let counts = follower?.counts ?? [:]
        let records = core.records
        // The clock's age of the last line, on the wall clock Prometheus compares with.
        let lastLine = follower?.lastLineAt.map { Date().timeIntervalSince1970 - max(0, clock.now() - $0) }
        let criteria = final ?? core.criteria(end: nil, counts: counts)
        feed.server.publish(
            RunMetrics(
                labels: feed.labels, executorUp: child?.isRunning ?? false, sample: core.lastSample,
                cpuSeconds: feed.cpuSeconds, cpuAveragePercent: core.cpuAverage,
                pssMB: records.last { $0.pssMB != nil }?.pssMB,
                patterns: options.checklist.logPatterns.map(\.id), counts: counts, lastLineUnixTime: lastLine,
                silences: core.silences, checkpoints: records, elapsedHours: elapsedHours,
                plannedHours: run.duration / 3600, timeScale: scale, criteria: criteria, verdict: verdictReached))
    }

    /// After the verdict: the verdict stays served until a scrape has taken
    /// it (at most the linger), then the server closes.
    func finishMetrics(criteria: [CriterionResult]) {
        guard let feed = metricsFeed else { return }
        publishMetrics(criteria: criteria)
        let linger = options.metricsLinger
        if linger > 0 && !feed.server.awaitVerdictScrape(seconds: 0) {
            present(
                .warning(
                    "metrics: serving the verdict on http://\(feed.server.address)/metrics until Prometheus "
                        + "scrapes it (at most \(formatNumber(linger)) s)"))
            _ = feed.server.awaitVerdictScrape(seconds: linger)
        }
        feed.server.close()
        metricsFeed = nil
    }
}
