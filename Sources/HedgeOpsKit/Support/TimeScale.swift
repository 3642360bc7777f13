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
