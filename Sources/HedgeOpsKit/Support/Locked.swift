import Foundation

/// A value shared between threads, behind a pthread mutex (`NSLock`).
///
/// Used instead of `Synchronization.Mutex` because the ThreadSanitizer stage
/// of the test suite understands pthread mutexes but not Mutex's futex: it
/// reported access races inside `Mutex.withLock` that were none, and a false
/// report there hides a true one.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    /// Runs `body` with the value while holding the lock.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
