import Foundation

/// A criterion's value and threshold as a reviewer reads them: with their
/// unit (`0.018 %`, `1.13×`, `yes`), never a bare `0.000177` or `1 == 1`.
extension CriterionResult {
    public var valueText: String {
        guard let value else { return "not measured" }
        return Self.text(value, metric: metric)
    }

    public var thresholdText: String {
        if metric == Criterion.Metric.fullDuration.rawValue { return "must be yes" }
        return "\(comparison) \(Self.text(threshold, metric: metric))"
    }

    static func text(_ number: Double, metric: String) -> String {
        switch Criterion.Metric(rawValue: metric) {
        case .memoryRatio: String(format: "%.2f×", number)
        case .errorRate: String(format: "%.3g %%", number * 100)
        case .cpuAverage: String(format: "%.1f %%", number)
        case .fullDuration: number >= 1 ? "yes" : "no"
        case .wsReconnects: "\(formatNumber(number)) reconnect\(number == 1 ? "" : "s")"
        case .errorLock: "\(formatNumber(number)) ERROR_LOCK or silence\(number == 1 ? "" : "s")"
        case nil: String(format: "%g", number)
        }
    }
}
