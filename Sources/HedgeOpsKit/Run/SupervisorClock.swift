import Foundation

/// The clock the supervisor's loop runs on: the real monotonic clock, or
/// a test's, which jumps to each deadline so a run takes no real time.
public protocol SupervisorClock: Sendable {
    /// Monotonic seconds.
    func now() -> Double
    func sleep(until deadline: Double)
    /// Ends the sleep under way (or the next one) now: a stop request is
    /// acted on at once, not at the loop's next wake-up.
    func wake()
}

extension SupervisorClock {
    public func wake() {}
}

/// The system's monotonic clock (``RunClock``). Its sleep is a wait on a
/// semaphore with a monotonic timeout, which ``wake()`` cuts short.
public struct MonotonicClock: SupervisorClock {
    private let alarm = DispatchSemaphore(value: 0)
    public init() {}
    public func now() -> Double { RunClock.monotonic() }
    public func sleep(until deadline: Double) {
        let delay = deadline - RunClock.monotonic()
        if delay > 0 { _ = alarm.wait(timeout: .now() + delay) }
    }
    public func wake() { alarm.signal() }
}

/// The monotonic clock runs are measured on.
public enum RunClock {
    public static func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return now.seconds
    }

    /// Whether `now` is under `interval` seconds after `earlier`. A time
    /// before `earlier` (a test's clock set back) is not within it, so what
    /// is rationed by this is done again rather than skipped.
    public static func isWithin(_ interval: Double, of earlier: Double, at now: Double) -> Bool {
        now >= earlier && now - earlier < interval
    }

    public static func sleep(until deadline: Double) {
        let delay = deadline - monotonic()
        if delay > 0 { usleep(UInt32(min(delay, 1) * 1_000_000)) }
    }
}
