/// The time scale of a rehearsal: an option, else $HEDGEOPS_TIME_SCALE,
/// else 1. hedgeops passes it to its child, and hedge-sim reads it the same way.
public enum TimeScale {
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    public static func resolve(option: Double?, environment: [String: String]) throws(Invalid) -> Double {
        if let option {
            guard option > 0 else { throw Invalid(description: "--time-scale must be above 0") }
            return option
        }
        guard let text = environment["HEDGEOPS_TIME_SCALE"], !text.isEmpty else { return 1 }
        guard let value = Double(text), value > 0, value.isFinite else {
            throw Invalid(description: "HEDGEOPS_TIME_SCALE='\(text)' is not a number above 0")
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
