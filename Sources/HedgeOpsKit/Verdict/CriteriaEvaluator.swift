/// What the run measured, as the criteria need it. A nil figure is one that
/// could not be measured; the criterion that needs it is inconclusive, and
/// an inconclusive criterion never passes.
public struct RunFacts: Sendable {
    public var baselineMB: Double?
    /// Memory at the final checkpoint (the last planned hour), measured on
    /// time; nil when that checkpoint was missed. Never an earlier hour's.
    public var finalMB: Double?
    /// Why there is no final memory, when there is none.
    public var finalMissing: String?
    /// Counts per log pattern id.
    public var counts: [String: Int]
    /// Ran the planned duration and ended normally; nil when that cannot be
    /// known (the executor ended unwatched: no exit status, no planned stop seen).
    public var fullDuration: Bool?
    /// Why not, when it did not (crash, aborted, hang…).
    public var endDetail: String
    public var cpuAverage: Double?
    /// Times the log went silent past the checklist's limit (a stuck executor).
    public var silences: Int

    public init(
        baselineMB: Double?, finalMB: Double?, finalMissing: String? = nil, counts: [String: Int],
        fullDuration: Bool?, endDetail: String, cpuAverage: Double?, silences: Int = 0
    ) {
        self.silences = silences
        self.baselineMB = baselineMB
        self.finalMB = finalMB
        self.finalMissing = finalMissing
        self.counts = counts
        self.fullDuration = fullDuration
        self.endDetail = endDetail
        self.cpuAverage = cpuAverage
    }

    /// The final checkpoint's memory: the last planned checkpoint, measured
    /// on time. A missed one (even one carrying a later sample) is no final
    /// memory, and an earlier hour never stands in for it.
    public static func finalMemory(_ checkpoints: [CheckpointRecord], planned: [Checkpoint]) -> (
        mb: Double?, missing: String?
    ) {
        guard let last = planned.last, last.hour > 0 else { return (nil, "no final checkpoint is planned") }
        let name = "the final checkpoint (hour \(formatNumber(last.hour)))"
        guard let record = checkpoints.first(where: { $0.hour == last.hour }) else {
            return (nil, "\(name) was not recorded")
        }
        if record.missed { return (nil, "\(name) was missed\(record.note.map { ": \($0)" } ?? "")") }
        guard let mb = record.rssMB else { return (nil, "\(name) has no memory value") }
        return (mb, nil)
    }
}

/// One pass criterion, judged.
public struct CriterionResult: Sendable, Equatable {
    public var id: String
    public var title: String
    public var metric: String
    public var value: Double?
    public var comparison: String
    public var threshold: Double
    public var passed: Bool
    public var detail: String

}

/// Judges the checklist's pass criteria. A criterion that cannot be
/// measured is inconclusive: it fails, its detail says why, and it never
/// passes by default.
public enum CriteriaEvaluator {
    /// The log pattern ids the metrics read.
    public static let errorsPattern = "errors"
    public static let reconnectsPattern = "ws_reconnects"
    public static let errorLockPattern = "error_lock"

    public static func evaluate(_ criteria: [Criterion], facts: RunFacts) -> [CriterionResult] {
        criteria.map { criterion in
            var (value, detail) = measure(criterion, facts)
            if value == nil { detail = "inconclusive: " + detail }
            let passed = value.map { criterion.comparison.holds($0, criterion.threshold) } ?? false
            return CriterionResult(
                id: criterion.id, title: criterion.title, metric: criterion.metric.rawValue, value: value,
                comparison: criterion.comparison.rawValue, threshold: criterion.threshold, passed: passed,
                detail: detail)
        }
    }

    private static func measure(_ criterion: Criterion, _ facts: RunFacts) -> (Double?, String) {
        switch criterion.metric {
        case .memoryRatio:
            guard let baseline = facts.baselineMB, baseline > 0 else { return (nil, "no hour-0 baseline was recorded") }
            guard let final = facts.finalMB else { return (nil, facts.finalMissing ?? "no final memory was recorded") }
            let ratio = final / baseline
            return (
                ratio,
                "final \(fixedPoint(final, places: 1)) MB / hour 0 \(fixedPoint(baseline, places: 1)) MB = "
                    + "\(fixedPoint(ratio, places: 2))×"
            )
        case .wsReconnects:
            let count = facts.counts[reconnectsPattern] ?? 0
            return (Double(count), "\(count) reconnect\(count == 1 ? "" : "s") counted in the executor's log")
        case .errorRate:
            let errors = facts.counts[errorsPattern] ?? 0
            let operations = criterion.operations.reduce(0) { $0 + (facts.counts[$1] ?? 0) }
            guard operations > 0 else {
                return (
                    nil,
                    "no operations counted (\(criterion.operations.joined(separator: " + "))): the error rate cannot be judged"
                )
            }
            let rate = Double(errors) / Double(operations)
            return (rate, "\(errors) errors / \(operations) operations = \(fixedPoint(rate * 100, places: 3)) %")
        case .fullDuration:
            guard let full = facts.fullDuration else { return (nil, facts.endDetail) }
            return (full ? 1 : 0, facts.endDetail)
        case .errorLock:
            // The checklist: "No ERROR_LOCK or stuck states"; a silent log is a stuck executor.
            let count = facts.counts[errorLockPattern] ?? 0
            var detail = count == 0 ? "no ERROR_LOCK in the log" : "\(count) ERROR_LOCK lines in the log"
            if facts.silences > 0 { detail += "; the log went silent \(facts.silences) time(s): stuck" }
            return (Double(count + facts.silences), detail)
        case .cpuAverage:
            guard let cpu = facts.cpuAverage else { return (nil, "no CPU samples after warm-up") }
            return (cpu, "\(fixedPoint(cpu, places: 1)) % of one core on average")
        }
    }
}
