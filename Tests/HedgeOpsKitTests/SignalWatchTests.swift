import Foundation
import HedgeOpsKit
import Synchronization
import Testing

/// A signal sent the moment the handling is set up is handled, never
/// dropped; setting a signal up twice keeps it working. Real-time signals,
/// so no other test's signals are touched.
@Suite(.serialized)
struct SignalWatchTests {
    final class Counter: Sendable {
        let value = Mutex(0)
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
            let sources = SignalWatch.install([number], keep: false) { _ in received.add() }
            kill(getpid(), number)
            #expect(Self.waitFor(received, atLeast: 1), "signal \(number) sent right after install was dropped")
            sources.forEach { $0.cancel() }
        }
    }

    @Test func aSecondInstallOfTheSameSignalStillReceivesIt() {
        let number = __libc_current_sigrtmin() + 9
        let first = Counter()
        let second = Counter()
        let old = SignalWatch.install([number], keep: false) { _ in first.add() }
        old.forEach { $0.cancel() }
        let sources = SignalWatch.install([number], keep: false) { _ in second.add() }
        kill(getpid(), number)
        #expect(Self.waitFor(second, atLeast: 1))
        withExtendedLifetime(sources) {}
    }
}
