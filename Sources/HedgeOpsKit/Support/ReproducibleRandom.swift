/// SplitMix64: small, fast, and the same sequence for the same start value.
/// hedge-sim's runs and the tests that throw generated input at hedgeops
/// draw from it, so a run or a failing round is replayed from one number.
public struct ReproducibleRandom: RandomNumberGenerator {
    private var state: UInt64

    public init(randomStart: UInt64) { state = randomStart }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `low..<high`.
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * Double(next() >> 11) / Double(1 << 53)
    }

    public mutating func chance(_ probability: Double) -> Bool { uniform(0, 1) < probability }
}
