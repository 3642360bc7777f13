public import Foundation

/// Capped exponential back-off with jitter, for 5xx, timeouts and rate
/// limits only; never for a 4xx other than 429 (the request itself is wrong).
public struct RetryPolicy: Sendable {
    public var attempts: Int
    public var baseDelay: Double
    public var maxDelay: Double

    /// Whether a timeout or a failed connection is tried again. The
    /// pre-flight says so at once instead (it must answer within its
    /// budget); a webhook or an upload keeps trying.
    public var retriesTransportFailures: Bool

    public init(attempts: Int = 3, baseDelay: Double = 0.2, maxDelay: Double = 2, retriesTransportFailures: Bool = true)
    {
        self.attempts = attempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.retriesTransportFailures = retriesTransportFailures
    }

    public static let none = RetryPolicy(attempts: 1)

    /// The pre-flight's: only an answer that says "later" (5xx, 429,
    /// Bitunix's rate-limit codes) is tried again; a timeout is said at once.
    public static let preflight = RetryPolicy(retriesTransportFailures: false)

    /// Delay before attempt `n` (1-based, n ≥ 2): half to all of the capped exponential.
    public func delay(beforeAttempt attempt: Int) -> Double {
        let capped = min(maxDelay, baseDelay * pow(2, Double(attempt - 2)))
        return capped * Double.random(in: 0.5...1)
    }

    /// Whether an outcome is worth another try.
    public static func isRetryable(_ outcome: Result<HTTPResponse, HTTPFailure>) -> Bool {
        switch outcome {
        case .failure(let failure): return failure.transient
        case .success(let response):
            if response.status >= 500 || response.status == 429 { return true }
            // Bitunix answers rate limits in the envelope too.
            return [10005, 10006].contains(BitunixEnvelope(response.body)?.code ?? 0)
        }
    }

    /// Performs with retries; returns the last outcome and how many attempts it took.
    public func perform(_ request: HTTPRequest, sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) })
        -> (outcome: Result<HTTPResponse, HTTPFailure>, attempts: Int)
    {
        var outcome = HTTPClient.perform(request)
        var attempt = 1
        while attempt < attempts && Self.isRetryable(outcome) {
            if case .failure = outcome, !retriesTransportFailures { break }
            attempt += 1
            sleep(delay(beforeAttempt: attempt))
            outcome = HTTPClient.perform(request)
        }
        return (outcome, attempt)
    }
}

/// Bitunix's response envelope `{"code":0,"data":…,"msg":"Success"}`.
public struct BitunixEnvelope {
    public var code: Int
    public var message: String
    public var data: Any?

    public init?(_ body: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let code = object["code"] as? Int
        else { return nil }
        self.code = code
        message = object["msg"] as? String ?? ""
        data = object["data"]
    }

    /// What each documented error code means for the operator, and the fix.
    public static func explain(_ code: Int) -> (meaning: String, fix: String) {
        switch code {
        case 10003: ("empty or unknown api-key", "check BITUNIX_API_KEY: it must be a TESTNET key for this host")
        case 10004:
            (
                "this machine's IP is not whitelisted for the key",
                "add this machine's public IP to the API key's whitelist"
            )
        case 10005, 10006: ("rate limited", "wait a minute and retry; make sure nothing else uses this key")
        case 10007: ("signature rejected", "check BITUNIX_API_SECRET (and that the clock is in sync)")
        default: ("error code \(code)", "see Bitunix's error code list")
        }
    }
}
