import Foundation

/// Webhook notifications: a JSON POST, with a Slack-compatible
/// `text`, when a checkpoint is recorded, a projection crosses the
/// threshold, the log goes silent, the run crashes or ends. Delivery runs on
/// its own thread with retries: a failing webhook never blocks sampling or
/// the session; every failure is reported through `onFailure`.
public final class Notifier: @unchecked Sendable {
    public let url: String
    private let queue = DispatchQueue(label: "hedgeops.notifier")
    private let group = DispatchGroup()
    private let policy: RetryPolicy
    private let onFailure: @Sendable (String, String) -> Void
    private let onDelivered: @Sendable (String, Int) -> Void
    /// Applied to the whole payload: a webhook never carries a secret.
    public var redactor = SecretRedactor.empty

    /// - Parameters:
    ///   - onFailure: (event, reason) after the last attempt failed.
    ///   - onDelivered: (event, attempts) once the receiver answered 2xx.
    public init(
        url: String, policy: RetryPolicy = RetryPolicy(attempts: 4, baseDelay: 0.25, maxDelay: 4),
        onFailure: @escaping @Sendable (String, String) -> Void,
        onDelivered: @escaping @Sendable (String, Int) -> Void = { _, _ in }
    ) {
        self.url = url
        self.policy = policy
        self.onFailure = onFailure
        self.onDelivered = onDelivered
    }

    /// The webhook URL in force: $HEDGEOPS_NOTIFY_URL, else the checklist's.
    public static func url(environment: [String: String], checklist: Checklist) -> String? {
        let fromEnv = environment["HEDGEOPS_NOTIFY_URL"].flatMap { $0.isEmpty ? nil : $0 }
        return fromEnv ?? checklist.notifyURL
    }

    /// Queues one notification and returns at once.
    public func send(event: String, runID: String, text: String, fields: [String: JSONValue] = [:]) {
        var payload = fields
        payload["event"] = .string(event)
        payload["run_id"] = .string(runID)
        payload["text"] = .string("hedgeops \(runID): \(text)")
        payload["at"] = .string(Timestamp.rfc3339(Date()))
        let body = Data(redactor.redact(JSONValue.object(payload)).serialized.utf8)
        let request = HTTPRequest(
            method: "POST", url: url, headers: [("Content-Type", "application/json")], body: body, connectTimeout: 5,
            timeout: 10)
        queue.async(group: group) { [policy, onFailure, onDelivered] in
            let (outcome, attempts) = policy.perform(request)
            switch outcome {
            case .success(let response) where (200..<300).contains(response.status):
                onDelivered(event, attempts)
            case .success(let response):
                onFailure(event, "HTTP \(response.status) after \(attempts) attempts")
            case .failure(let failure):
                onFailure(event, "\(failure) after \(attempts) attempts")
            }
        }
    }

    /// Waits up to `seconds` for queued notifications (at the end of a run).
    @discardableResult
    public func drain(seconds: Double) -> Bool {
        group.wait(timeout: .now() + seconds) == .success
    }
}
