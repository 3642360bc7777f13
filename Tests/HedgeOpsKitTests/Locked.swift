import Foundation

/// A value shared between threads in a test, behind an `NSLock`: the
/// ThreadSanitizer stage sees pthread mutexes, not `Synchronization.Mutex`'s
/// futex, and reported an access race inside `Mutex.withLock` that was none.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
