/// The time scale of a rehearsal: an option, else $HEDGEOPS_TIME_SCALE,
/// else 1. hedgeops passes it to its child, and hedge-sim reads it the same way.
public enum TimeScale {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// From one hour lasting 100 hours to one hour lasting 3.6 ms: beyond
    /// these, the schedule's arithmetic leaves what a clock or an integer can hold.
    public static let range: ClosedRange<Double> = 0.01...1_000_000

    public static func resolve(option: Double?, environment: [String: String]) throws(Invalid) -> Double {
        if let option {
            return try check(option, "--time-scale")
        }
        guard let text = environment["HEDGEOPS_TIME_SCALE"], !text.isEmpty else { return 1 }
        guard let value = Double(text) else {
            throw Invalid(description: "HEDGEOPS_TIME_SCALE='\(text)' is not a number")
        }
        return try check(value, "HEDGEOPS_TIME_SCALE='\(text)'")
    }

    /// `value` when it is within `range`, else why not, naming `name`.
    public static func check(_ value: Double, _ name: String) throws(Invalid) -> Double {
        guard value.isFinite, range.contains(value) else {
            throw Invalid(
                description:
                    "\(name) is out of range: use a number from \(formatNumber(range.lowerBound)) to \(formatNumber(range.upperBound))"
            )
        }
        return value
    }
}

extension TimeScale {
    /// How a run with a time scale other than 1 is named wherever a reviewer
    /// reads it: `rehearsal, 8 h in 8 s`; nil for a real run.
    public static func rehearsalLabel(timeScale: Double, plannedSeconds: Double) -> String? {
        guard timeScale != 1 else { return nil }
        let real = plannedSeconds / timeScale
        let took: String
        if real < 120 {
            took = "\(formatNumber((real * 10).rounded() / 10)) s"
        } else if real < 7200 {
            took = "\(formatNumber((real / 60).rounded())) min"
        } else {
            took = "\(formatNumber((real / 360).rounded() / 10)) h"
        }
        return "rehearsal, \(formatNumber(plannedSeconds / 3600)) h in \(took)"
    }
}
