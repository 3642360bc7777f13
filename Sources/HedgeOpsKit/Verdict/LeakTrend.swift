import Foundation

/// Where memory is heading, shown at every checkpoint so an operator learns
/// at hour 2 that hour 8 will fail.
public struct LeakTrend: Sendable, Equatable {
    /// Least-squares slope over every sample after warm-up, MB per hour.
    public var slopeMBPerHour: Double
    /// Sen's slope over aggregated window minima (robust to spikes and sawtooth), MB per hour.
    public var senSlopeMBPerHour: Double?
    /// Mann–Kendall Z over the same points; |Z| > 1.96 is significant at 5 %.
    public var mannKendallZ: Double?
    /// Least-squares projection of memory at the end of the run.
    public var projectedFinalMB: Double
    /// That projection over the hour-0 baseline.
    public var projectedRatio: Double?

    /// A significant upward trend.
    public var rising: Bool { (mannKendallZ ?? 0) > 1.96 && (senSlopeMBPerHour ?? slopeMBPerHour) > 0 }

}

/// Least squares kept as running sums: constant space however long the run.
public struct LinearFit: Sendable {
    private var n = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0

    public init() {}

    public var count: Int { Int(n) }

    public mutating func add(_ x: Double, _ y: Double) {
        n += 1
        sx += x
        sy += y
        sxx += x * x
        sxy += x * y
    }

    /// Slope and intercept; nil with fewer than 2 points.
    public var line: (slope: Double, intercept: Double)? {
        guard n >= 2 else { return nil }
        let denominator = n * sxx - sx * sx
        let slope = denominator > 0 ? (n * sxy - sx * sy) / denominator : 0
        return (slope, (sy - slope * sx) / n)
    }
}

/// The memory series of a run kept in bounded space however long it lasts:
/// running sums for least squares, one point per aggregation window for the
/// robust trend, and the recent samples for the checkpoint window.
public struct MemorySeries: Sendable {
    /// Simulated hours per aggregation window (samples seconds apart are
    /// autocorrelated; REFERENCE suggests 5–15 minutes).
    public let windowHours: Double
    private var fit = LinearFit()
    /// (window start hour, minimum MB in the window).
    public private(set) var windowMinima: [(hour: Double, mb: Double)] = []
    private var recent: [(hour: Double, mb: Double)] = []
    private let recentHours: Double

    public init(windowHours: Double = 10.0 / 60, recentHours: Double) {
        self.windowHours = windowHours
        self.recentHours = recentHours
    }

    /// Adds a sample; `afterWarmup` samples feed the trend.
    public mutating func add(hour: Double, mb: Double, afterWarmup: Bool) {
        recent.append((hour, mb))
        while let first = recent.first, first.hour < hour - recentHours * 2 { recent.removeFirst() }
        guard afterWarmup else { return }
        fit.add(hour, mb)
        let window = (hour / windowHours).rounded(.down) * windowHours
        if let last = windowMinima.last, last.hour == window {
            windowMinima[windowMinima.count - 1].mb = min(last.mb, mb)
        } else {
            windowMinima.append((window, mb))
        }
    }

    /// The median of the samples in the window ending at `hour`, and how many there were.
    /// Samples before `notBefore` (the warm-up) never count.
    public func median(endingAt hour: Double, windowHours: Double, notBefore: Double = 0) -> (mb: Double, count: Int)? {
        let start = max(hour - windowHours - 1e-9, notBefore - 1e-9)
        let values = recent.filter { $0.hour >= start && $0.hour <= hour + 1e-9 }.map(\.mb).sorted()
        guard !values.isEmpty else { return nil }
        let middle = values.count / 2
        let median = values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
        return (median, values.count)
    }

    /// The latest sample at or before `hour` (for missed checkpoints, the nearest later one is the caller's).
    public var last: (hour: Double, mb: Double)? { recent.last }

    /// The trend so far, projected to `endHour` against `baseline`; nil with fewer than 2 samples.
    public func trend(endHour: Double, baseline: Double?) -> LeakTrend? {
        guard let (slope, intercept) = fit.line else { return nil }
        let projected = intercept + slope * endHour
        let (sen, z) = Self.senAndMannKendall(windowMinima)
        return LeakTrend(
            slopeMBPerHour: slope, senSlopeMBPerHour: sen, mannKendallZ: z, projectedFinalMB: projected,
            projectedRatio: baseline.flatMap { $0 > 0 ? projected / $0 : nil })
    }

    /// Sen's slope (median of pairwise slopes) and the Mann–Kendall Z statistic.
    static func senAndMannKendall(_ points: [(hour: Double, mb: Double)]) -> (Double?, Double?) {
        guard points.count >= 3 else { return (nil, nil) }
        var slopes: [Double] = []
        var s = 0.0
        for i in 0..<points.count {
            for j in (i + 1)..<points.count {
                let dy = points[j].mb - points[i].mb
                s += dy > 0 ? 1 : dy < 0 ? -1 : 0
                let dx = points[j].hour - points[i].hour
                if dx > 0 { slopes.append(dy / dx) }
            }
        }
        slopes.sort()
        let sen = slopes.isEmpty ? nil : slopes[slopes.count / 2]
        let count = Double(points.count)
        let variance = count * (count - 1) * (2 * count + 5) / 18
        let z = s > 0 ? (s - 1) / variance.squareRoot() : s < 0 ? (s + 1) / variance.squareRoot() : 0
        return (sen, z)
    }
}
