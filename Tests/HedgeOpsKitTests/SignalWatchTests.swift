import Foundation
import HedgeOpsKit
import Testing

/// A signal sent the moment the handling is set up is handled, never
/// dropped; setting a signal up twice keeps it working. Real-time signals,
/// so no other test's signals are touched.
@Suite(.serialized)
struct SignalWatchTests {
    final class Counter: Sendable {
        let value = Locked(0)
        func add() { value.withLock { $0 += 1 } }
        var count: Int { value.withLock { $0 } }
    }

    static func waitFor(_ counter: Counter, atLeast count: Int) -> Bool {
        let deadline = Date().addingTimeInterval(3)
        while counter.count < count && Date() < deadline { usleep(1_000) }
        return counter.count >= count
    }

    @Test func aSignalSentRightAfterInstallIsHandled() {
        for offset in Int32(1)...Int32(8) {
            let number = __libc_current_sigrtmin() + offset
            let received = Counter()
            let watch = SignalWatch.install([number]) { _ in received.add() }
            kill(getpid(), number)
            #expect(Self.waitFor(received, atLeast: 1), "signal \(number) sent right after install was dropped")
            watch.cancel()
        }
    }

    @Test func aSecondInstallOfTheSameSignalStillReceivesIt() {
        let number = __libc_current_sigrtmin() + 9
        let first = Counter()
        let second = Counter()
        let old = SignalWatch.install([number]) { _ in first.add() }
        old.cancel()
        let watch = SignalWatch.install([number]) { _ in second.add() }
        kill(getpid(), number)
        #expect(Self.waitFor(second, atLeast: 1))
        #expect(first.count == 0, "a cancelled watch runs no more")
        watch.cancel()
    }

    /// Every watch of a signal runs, in the order they were set up, and a
    /// burst of signals is handled as many times as the kernel delivered it.
    @Test func everyWatchOfASignalRunsForEachDelivery() {
        let number = __libc_current_sigrtmin() + 10
        let order = Locked<[Int]>([])
        let one = SignalWatch.install([number]) { _ in order.withLock { $0.append(1) } }
        let two = SignalWatch.install([number]) { _ in order.withLock { $0.append(2) } }
        // Real-time signals queue: five sent, five delivered.
        for _ in 0..<5 { kill(getpid(), number) }
        let deadline = Date().addingTimeInterval(3)
        while order.withLock({ $0.count }) < 10 && Date() < deadline { usleep(1_000) }
        #expect(order.withLock { $0 } == Array(repeating: [1, 2], count: 5).flatMap { $0 })
        one.cancel()
        two.cancel()
    }
}
