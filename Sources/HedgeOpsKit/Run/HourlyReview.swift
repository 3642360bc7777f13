import Foundation

/// The hourly items put to the operator, decided by the supervisor alone:
/// each figure is computed once, at its checkpoint, from that hour's
/// measurements, compared with the item's `expect`/`max`, and recorded as
/// measured whether or not anyone answers. An hour left unanswered when the
/// next one comes (or the run ends) is recorded "not confirmed by operator".
public struct HourlyReview: Sendable {
    public let items: [HourlyItem]
    /// The answer recorded for an hour nobody answered.
    public static let unconfirmed = "not confirmed by operator"
    /// Checkpoint memory medians so far, for the change since hour 0 and the sparkline.
    private(set) var memory: [Double] = []
    /// Log counts at the previous checkpoint, so "new errors" are the hour's own.
    private var countsAtPrevious: [String: Int] = [:]
    /// The hour waiting for an answer.
    public private(set) var pending: Due?

    /// One hour's items with their figures.
    public struct Due: Sendable, Equatable {
        public var hour: Double
        public var items: [HourlyItemDue]

        public init(hour: Double, items: [HourlyItemDue]) {
            self.hour = hour
            self.items = items
        }
    }

    public init(items: [HourlyItem]) { self.items = items }

    /// A checkpoint was recorded: the hour it makes due (none for hour 0 or a
    /// missed one), and the hour it leaves unanswered, if any.
    public mutating func checkpoint(_ record: CheckpointRecord) -> (due: Due?, unanswered: Due?) {
        let unanswered = pending
        pending = nil
        if let rss = record.rssMB, !record.missed { memory.append(rss) }
        defer { countsAtPrevious = record.counts }
        guard record.hour > 0, !record.missed else { return (nil, unanswered) }
        let due = Due(hour: record.hour, items: items.map { figure($0, record) })
        pending = due
        return (due, unanswered)
    }

    /// Rebuilds the review from a journal (resume): the checkpoints in order,
    /// and the hours already answered (or recorded as not confirmed).
    public mutating func replay(_ records: [CheckpointRecord], answeredHours: Set<Double>) {
        for record in records.sorted(by: { $0.hour < $1.hour }) { _ = checkpoint(record) }
        if let hour = pending?.hour, answeredHours.contains(hour) { pending = nil }
    }

    /// The operator answered: the hour that was waiting, if any.
    public mutating func answer() -> Due? {
        defer { pending = nil }
        return pending
    }

    /// The run ended: the hour left waiting, if any.
    public mutating func end() -> Due? { answer() }

    func figure(_ item: HourlyItem, _ record: CheckpointRecord) -> HourlyItemDue {
        var met: Bool?
        let text: String
        switch item.measure {
        case .memoryTrend:
            let rss = record.rssMB.map { "\(fixedPoint($0, places: 1)) MB" } ?? "-"
            let change =
                record.rssMB.flatMap { rss in
                    memory.first.map { " (\(fixedPoint((rss / $0 - 1) * 100, places: 1, sign: true)) % since hour 0)" }
                } ?? ""
            let trend =
                record.trend.map {
                    ", trend \(fixedPoint($0.slopeMBPerHour, places: 1, sign: true)) MB/h, projected "
                        + "\(fixedPoint($0.projectedRatio ?? 0, places: 2))× hour 0"
                } ?? ""
            text = rss + change + " " + Self.sparkline(memory) + trend
            if let max = item.max, let ratio = record.trend?.projectedRatio { met = ratio <= max }
        case .wsState:
            text = record.wsState ?? "unknown"
            if let expect = item.expect { met = record.wsState == expect }
        case .logErrors:
            let total = record.counts["errors"] ?? 0
            let new = total - (countsAtPrevious["errors"] ?? 0)
            text = "\(new) new error\(new == 1 ? "" : "s") this hour (\(total) in all)"
            if let max = item.max { met = Double(new) <= max }
        case .errorLock:
            text = record.errorLockSeen ? "ERROR_LOCK SEEN" : "no ERROR_LOCK"
            met = !record.errorLockSeen
        case .cpuAverage:
            text = record.cpuPercent.map { "\(fixedPoint($0, places: 1)) % of one core on average" } ?? "-"
            if let max = item.max, let cpu = record.cpuPercent { met = cpu <= max }
        }
        var expectation: String?
        if let expect = item.expect { expectation = "expected \(expect)" }
        if let max = item.max { expectation = "at most \(formatNumber(max))" }
        return HourlyItemDue(id: item.id, title: item.title, measured: text, met: met, expectation: expectation)
    }

    /// ▁▂▃▄▅▆▇█ over the checkpoints' memory so far.
    public static func sparkline(_ values: [Double]) -> String {
        guard let low = values.min(), let high = values.max() else { return "" }
        let bars = Array("▁▂▃▄▅▆▇█")
        return String(
            values.map { value in
                high - low < 1e-9 ? bars[0] : bars[Int(((value - low) / (high - low) * 7).rounded())]
            })
    }
}
