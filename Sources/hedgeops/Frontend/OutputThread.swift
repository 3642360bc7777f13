import Foundation

/// One thread that runs closures in the order given, with an optional
/// repeating tick between them: the presenter's terminal output, kept off the
/// sampling thread (a terminal paused with Ctrl-S, or a stalled pipe, must
/// never hold sampling up). Not a dispatch queue: using libdispatch's
/// queues starts its worker-pool check, which wakes the process once a
/// second for as long as it lives.
final class OutputThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var tick: (interval: Double, next: Date, body: () -> Void)?

    init(name: String) {
        // The thread holds its object: it lives as long as the process (one per presenter).
        let thread = Thread { self.run() }
        thread.name = name
        thread.start()
    }

    /// Runs `job` on the thread after everything given before it.
    func async(_ job: @escaping () -> Void) {
        condition.withLock {
            jobs.append(job)
            condition.signal()
        }
    }

    /// Runs `job` on the thread after everything given before it, and waits for it.
    func sync(_ job: @escaping () -> Void) {
        let done = NSCondition()
        var finished = false
        async {
            job()
            done.withLock {
                finished = true
                done.signal()
            }
        }
        done.withLock {
            while !finished { done.wait() }
        }
    }

    /// Runs `body` every `interval` seconds, the first time one interval from now, until ``stopTicking()``.
    func repeatEvery(_ interval: Double, _ body: @escaping () -> Void) {
        condition.withLock {
            tick = (interval, Date().addingTimeInterval(interval), body)
            condition.signal()
        }
    }

    /// Called on the thread itself or from anywhere: no tick runs after it returns
    /// (one already running finishes).
    func stopTicking() {
        condition.withLock { tick = nil }
    }

    private func run() {
        while true {
            condition.lock()
            var job: (() -> Void)?
            while job == nil {
                if !jobs.isEmpty {
                    job = jobs.removeFirst()
                } else if let due = tick, due.next <= Date() {
                    job = due.body
                    // The next tick from the schedule, not from now; a late one is not made up twice.
                    var next = due.next.addingTimeInterval(due.interval)
                    if next <= Date() { next = Date().addingTimeInterval(due.interval) }
                    tick?.next = next
                } else if let due = tick {
                    _ = condition.wait(until: due.next)
                } else {
                    condition.wait()
                }
            }
            condition.unlock()
            job?()
        }
    }
}
