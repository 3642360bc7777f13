import CSpawnShim
import Foundation

/// Signal handling that cannot miss a signal sent just after it is set up,
/// and costs nothing while no signal comes.
///
/// Each signal is caught by a plain handler that writes its number to a
/// pipe (`sigaction`: in force when `install` returns); one thread reads the
/// pipe and runs the handlers. Dispatch's signal sources were used before:
/// on Linux they took a signal over only once the dispatch manager thread
/// had registered it (a SIGTERM in that window was dropped), and using
/// dispatch at all starts its once-a-second worker-pool check, which cost a
/// run at one sample a second a tenth of its CPU.
public enum SignalWatch {
    /// Handlers set up by one ``SignalWatch/install(_:handler:)``: they run
    /// until ``cancel()``; a signal nothing watches then has its default action again.
    public final class Watch: Sendable {
        let id: Int

        init(id: Int) { self.id = id }

        public func cancel() { Registry.shared.remove(id) }
    }

    /// Runs `handler` for each of `signals` received, on hedgeops's signal
    /// thread, in the order the signals came, until the returned watch is cancelled.
    @discardableResult
    public static func install(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) -> Watch {
        Registry.shared.add(signals, handler: handler)
    }

    private final class Registry: @unchecked Sendable {
        static let shared = Registry()
        private let lock = NSLock()
        private var handlers: [Int: (signals: Set<Int32>, handler: @Sendable (Int32) -> Void)] = [:]
        private var next = 0
        private var caught = Set<Int32>()
        private var writeEnd: Int32 = -1

        func add(_ signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) -> Watch {
            lock.withLock {
                if writeEnd < 0 { writeEnd = startReading() }
                next += 1
                handlers[next] = (Set(signals), handler)
                for number in signals where caught.insert(number).inserted {
                    _ = hedgeops_signal_to_pipe(number, writeEnd)
                }
                return Watch(id: next)
            }
        }

        /// Drops a watch; a signal no watch wants any more gets its default action back.
        func remove(_ id: Int) {
            lock.withLock {
                guard let removed = handlers.removeValue(forKey: id) else { return }
                for number in removed.signals where !handlers.values.contains(where: { $0.signals.contains(number) }) {
                    signal(number, SIG_DFL)
                    caught.remove(number)
                }
            }
        }

        /// The pipe and its reader; returns the write end for the handler.
        private func startReading() -> Int32 {
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else { return -1 }
            // Children never inherit it; a full pipe (a reader stuck in a handler) drops the
            // signal rather than blocking in the handler.
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            _ = fcntl(ends[1], F_SETFL, O_NONBLOCK)
            let readEnd = ends[0]
            let thread = Thread { [self] in
                var byte: UInt8 = 0
                while true {
                    let count = read(readEnd, &byte, 1)
                    if count < 0 && errno == EINTR { continue }
                    guard count == 1 else { return }
                    let number = Int32(byte)
                    let matching = lock.withLock {
                        handlers.sorted { $0.key < $1.key }.filter { $0.value.signals.contains(number) }
                            .map(\.value.handler)
                    }
                    for handler in matching { handler(number) }
                }
            }
            thread.name = "hedgeops-signals"
            thread.start()
            return ends[1]
        }
    }
}
