public import Dispatch
import Foundation

/// Signal handling that cannot miss a signal sent just after it is set up.
///
/// A `DispatchSourceSignal` on Linux takes the signal over only once the
/// dispatch manager thread has registered it, some time after `resume()`;
/// until then the disposition set beforehand (SIG_IGN here) applies, so a
/// SIGTERM that arrived in that window was silently dropped (seen as a
/// `verify` that ran on after SIGTERM under load). `install` returns only
/// once every source is registered.
public enum SignalWatch {
    /// Ignores `signals` by default and runs `handler` for each
    /// one received, on a global queue. The sources live as long as the process unless
    /// `keep` is false; then the caller holds them for as long as it wants
    /// the signals handled.
    @discardableResult
    public static func install(
        _ signals: [Int32], keep: Bool = true,
        handler: @escaping @Sendable (Int32) -> Void
    ) -> [any DispatchSourceSignal] {
        let registered = DispatchSemaphore(value: 0)
        let sources = signals.map { number -> any DispatchSourceSignal in
            // Once dispatch has taken a signal over, its own handler stays
            // installed for good; ignoring it again would break every source.
            if Kept.firstUse(of: number) { signal(number, SIG_IGN) }
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.setRegistrationHandler { registered.signal() }
            source.resume()
            return source
        }
        for _ in sources {
            // Registration takes microseconds; the bound only keeps a wedged
            // dispatch from hanging the command.
            _ = registered.wait(timeout: .now() + 2)
        }
        if keep { Kept.keep(sources) }
        return sources
    }

    /// Sources kept for the life of the process, and the signals set up so far.
    private enum Kept {
        nonisolated(unsafe) static var sources: [any DispatchSourceSignal] = []
        static let lock = NSLock()
        nonisolated(unsafe) static var seen = Set<Int32>()
        static func keep(_ more: [any DispatchSourceSignal]) { lock.withLock { sources += more } }
        static func firstUse(of number: Int32) -> Bool { lock.withLock { seen.insert(number).inserted } }
    }
}
