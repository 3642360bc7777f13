/// The executor as the supervisor sees it: launched by this hedgeops
/// (`ChildProcess`), or found again by `resume` (`AdoptedProcess`).
public protocol SupervisedProcess: AnyObject, Sendable {
    var pid: Int32 { get }
    func poll() -> ChildProcess.Termination?
    func wait(timeout seconds: Double) -> ChildProcess.Termination?
    func signalGroup(_ signal: Int32)
}

extension SupervisedProcess {
    public var isRunning: Bool { poll() == nil }
}

/// A run's executor found again after hedgeops died: the same PID *and*
/// the same /proc start time (a reused PID is another process). Not our
/// child, so its exit status is unknown; it is polled through /proc.
public final class AdoptedProcess: SupervisedProcess, @unchecked Sendable {
    public let pid: Int32
    public let startTime: UInt64
    private let procRoot: String

    /// nil when no live process has this PID and start time.
    public init?(pid: Int32, startTime: UInt64, procRoot: String = "/proc") {
        self.pid = pid
        self.startTime = startTime
        self.procRoot = procRoot
        guard isAlive else { return nil }
    }

    private var isAlive: Bool {
        // A zombie waiting for its (new) parent is dead.
        let stat = ProcReader.readOnce("\(procRoot)/\(pid)/stat") { ProcStat($0) } ?? nil
        return stat.map { $0.startTime == startTime && !$0.isZombie } ?? false
    }

    public func poll() -> ChildProcess.Termination? { isAlive ? nil : .vanished }

    public func wait(timeout seconds: Double) -> ChildProcess.Termination? {
        let deadline = RunClock.monotonic() + seconds
        while RunClock.monotonic() < deadline {
            if let done = poll() { return done }
            usleep(10_000)
        }
        return poll()
    }

    public func signalGroup(_ signal: Int32) {
        kill(-pid, signal)
    }
}

import Foundation
