/// The values a numeric checklist field may take. Every number in a
/// checklist has one, so a slip like `duration: 99999999999999999999h` is an
/// error at load time, naming the allowed range, instead of a crash hours
/// into a run when the number meets an integer.
struct NumericRange: Sendable {
    enum Unit: Sendable {
        case plain
        /// Seconds, shown as durations (`90s`, `10m`, `7d`).
        case seconds
    }

    var lower: Double
    /// True when `lower` itself is not allowed (a duration must be above 0).
    var lowerExclusive: Bool
    var upper: Double
    var unit: Unit

    init(_ lower: Double, _ upper: Double, lowerExclusive: Bool = false, unit: Unit = .plain) {
        self.lower = lower
        self.upper = upper
        self.lowerExclusive = lowerExclusive
        self.unit = unit
    }

    func contains(_ value: Double) -> Bool {
        value.isFinite && (lowerExclusive ? value > lower : value >= lower) && value <= upper
    }

    /// Why `value` (written `text`) is outside the range.
    func problem(_ value: Double, written text: String) -> String {
        if value.isFinite && (lowerExclusive ? value <= lower : value < lower) {
            return "must be \(lowerExclusive ? "greater than" : "at least") \(show(lower)), got \(text)"
        }
        if value.isFinite && value > upper { return "must be at most \(show(upper)), got \(text)" }
        return "\(text) is out of range"
    }

    /// The fix shown with an out-of-range value.
    var fix: String {
        let low = show(lower), high = show(upper)
        let noun = unit == .seconds ? "a duration" : "a value"
        return lowerExclusive
            ? "use \(noun) above \(low) and at most \(high)" : "use \(noun) from \(low) to \(high)"
    }

    private func show(_ value: Double) -> String {
        guard unit == .seconds else { return formatNumber(value) }
        for (size, suffix) in [(86400.0, "d"), (3600, "h"), (60, "m")] where value >= size {
            if (value / size).rounded() == value / size { return formatNumber(value / size) + suffix }
        }
        return formatNumber(value) + "s"
    }
}

/// The allowed range of every numeric field of a checklist, in one table.
enum ChecklistLimits {
    static let day = 86400.0
    /// The run: an 8-hour test, with room for longer soaks, never unbounded.
    static let runDuration = NumericRange(0, 7 * day, lowerExclusive: true, unit: .seconds)
    static let sampleInterval = NumericRange(0, 3600, lowerExclusive: true, unit: .seconds)
    static let warmup = NumericRange(0, day, unit: .seconds)
    static let checkpointWindow = NumericRange(0, day, lowerExclusive: true, unit: .seconds)
    static let silenceLimit = NumericRange(0, 7 * day, lowerExclusive: true, unit: .seconds)
    static let stopGrace = NumericRange(0, 3600, lowerExclusive: true, unit: .seconds)
    /// Timeouts of pre-flight commands and requests.
    static let timeout = NumericRange(0, 3600, lowerExclusive: true, unit: .seconds)
    static let latencyMS = NumericRange(0, 600_000, lowerExclusive: true)
    static let clockSkewMS = NumericRange(0, 3_600_000, lowerExclusive: true)
    /// Free space in MB: up to 100 TB.
    static let minFreeMB = NumericRange(0, 100_000_000)
    /// A checkpoint's hour, within the longest run.
    static let checkpointHour = NumericRange(0, 7 * 24)
    static let leakRatio = NumericRange(1, 1000, lowerExclusive: true)
    /// An hourly item's maximum (CPU % of one core: a process tree can pass 100).
    static let hourlyMax = NumericRange(0, 100_000)
    /// Any other number: parameter bounds, a threshold before its metric's own check.
    static let anyNumber = NumericRange(-1e12, 1e12)
    static let exitStatus = 0...255
    static let schema = 0...1_000_000
    /// A count threshold (reconnects, ERROR_LOCK lines).
    static let count = NumericRange(0, 1e9)
    static let cpuPercent = NumericRange(0, 100_000, lowerExclusive: true)
    /// A duration a parameter may hold, when the checklist sets no max of its own.
    static let parameterDuration = NumericRange(0, 365 * day, unit: .seconds)
}
