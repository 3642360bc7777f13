import Foundation

extension timespec {
    /// Seconds as a `Double` (a clock reading, a file's time).
    var seconds: Double { Double(tv_sec) + Double(tv_nsec) / 1e9 }

    /// The same instant to the nanosecond: a file's time unchanged.
    func isSame(as other: timespec) -> Bool { tv_sec == other.tv_sec && tv_nsec == other.tv_nsec }
}
