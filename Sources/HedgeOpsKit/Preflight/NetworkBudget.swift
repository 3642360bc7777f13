import Foundation

/// The network checks of one pre-flight, run side by side under one
/// deadline: the pre-flight answers within the budget whatever the network
/// does. A check still waiting at the deadline is reported failed (its
/// thread ends on its own timeout; its answer is no longer wanted).
final class NetworkBudget: Sendable {
    private struct Outcome {
        var finding: Finding
        var seconds: Double
    }

    let seconds: Double
    private let started = Date()
    private let deadline: DispatchTime
    private let outcomes = Locked<[String: Outcome]>([:])
    private let finished = Locked<[String: DispatchSemaphore]>([:])

    init(seconds: Double) {
        self.seconds = seconds
        deadline = .now() + seconds
    }

    /// Starts `check` for item `id` on a thread of its own.
    func start(_ id: String, _ check: @escaping @Sendable () -> Finding) {
        let done = DispatchSemaphore(value: 0)
        finished.withLock { $0[id] = done }
        let started = self.started
        Thread.detachNewThread { [self] in
            let finding = check()
            self.outcomes.withLock { $0[id] = Outcome(finding: finding, seconds: Date().timeIntervalSince(started)) }
            done.signal()
        }
    }

    /// The finding of item `id`, waiting at most until the deadline.
    func finding(_ id: String) -> Finding {
        guard let done = finished.withLock({ $0[id] }) else {
            return .fail("not started", fix: "report this: a network check was never started")
        }
        if done.wait(timeout: deadline) == .success, let outcome = outcomes.withLock({ $0[id] }) {
            return outcome.finding
        }
        return .fail(
            "no answer within \(formatNumber(seconds)) s (the pre-flight's limit for the network checks); gave up",
            fix:
                "check the host, the network, --proxy and the firewall: something accepts the connection and never answers"
        )
    }

    /// How long item `id` took, or the budget when it was given up.
    func duration(_ id: String) -> Double {
        outcomes.withLock { $0[id]?.seconds } ?? seconds
    }
}

extension ItemKind {
    /// Whether the item talks to the exchange (and so runs under the network budget).
    var usesNetwork: Bool {
        switch self {
        case .http, .credentials, .websocket: true
        default: false
        }
    }
}
