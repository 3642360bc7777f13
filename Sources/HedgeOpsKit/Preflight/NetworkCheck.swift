import Foundation

/// The pre-flight's network items: reachability with latency and
/// clock skew, and a signed read-only credential check. Every URL passes the
/// TESTNET gate before a connection is attempted.
enum NetworkCheck {
    /// The endpoint's base URL as the executor will use it.
    static func baseURL(_ endpointID: String, checklist: Checklist, environment: [String: String]) -> String? {
        guard let endpoint = checklist.endpoints.first(where: { $0.id == endpointID }) else { return nil }
        let fromEnv = environment[endpoint.env].flatMap { $0.isEmpty ? nil : $0 }
        return fromEnv ?? endpoint.defaultURL
    }

    /// `HEDGEOPS_RESOLVE` for libcurl; the gate has judged every address in
    /// it before a network check runs.
    static func resolveOverrides(_ environment: [String: String]) -> [String] {
        ResolveOverride.parse(environment).overrides.map(\.entry)
    }

    struct Refused: Error {
        var finding: Finding
    }

    /// The URL of `path` on the endpoint, once the gate allows its host;
    /// otherwise the failure to report, before any packet is sent.
    static func gatedURL(
        _ endpoint: String, _ path: String, checklist: Checklist, context: PreflightContext, gate: TestnetGate
    ) -> Result<String, Refused> {
        guard let base = baseURL(endpoint, checklist: checklist, environment: context.environment) else {
            return .failure(Refused(finding: .fail("no endpoint '\(endpoint)'", fix: "fix the checklist")))
        }
        let url = join(base, path)
        if let refused = refusal(url, gate: gate) {
            return .failure(Refused(finding: .fail(refused, fix: "point the executor at a TESTNET host")))
        }
        return .success(url)
    }

    /// A failure below HTTP, named by host, with the attempts it took.
    static func transportFailure(_ failure: HTTPFailure, timeout: Double, tries: String, fix: String) -> Finding {
        let what = failure.kind == .timeout ? "no answer within \(formatNumber(timeout)) s" : failure.reason
        return .fail("\(failure.host): \(what)\(tries)", fix: fix)
    }

    /// The gate's refusal of `url`, if any, before any packet is sent.
    static func refusal(_ url: String, gate: TestnetGate) -> String? {
        gate.refusal(forURL: url).map { "\($0); no connection attempted" }
    }

    static func reachability(
        _ spec: HTTPCheckSpec, checklist: Checklist, context: PreflightContext, gate: TestnetGate
    ) -> Finding {
        let url: String
        switch gatedURL(spec.endpoint, spec.path, checklist: checklist, context: context, gate: gate) {
        case .success(let allowed): url = allowed
        case .failure(let refused): return refused.finding
        }
        let request = HTTPRequest(
            url: url, connectTimeout: min(5, spec.timeout), timeout: spec.timeout,
            resolve: resolveOverrides(context.environment), proxy: context.proxy)
        let (outcome, attempts) = RetryPolicy.preflight.perform(request)
        let tries = attempts > 1 ? " after \(attempts) attempts" : ""
        switch outcome {
        case .failure(let failure):
            return transportFailure(
                failure, timeout: spec.timeout, tries: tries,
                fix: "check the host, the network, --proxy and the firewall")
        case .success(let response):
            guard response.status == 200, let envelope = BitunixEnvelope(response.body) else {
                return .fail(
                    "\(url): HTTP \(response.status)\(tries), not Bitunix's envelope",
                    fix: "check BITUNIX_REST_URL: it must be the TESTNET REST base URL")
            }
            guard envelope.code == 0 else {
                let (meaning, fix) = BitunixEnvelope.explain(envelope.code)
                return .fail("code \(envelope.code) (\(meaning)): \(envelope.message)\(tries)", fix: fix)
            }
            let latencyMS = response.seconds * 1000
            var detail = String(format: "HTTP 200, code 0 in %.0f ms%@", latencyMS, tries)
            let mock = response.headers[MockServerHeader.name.lowercased()].map {
                "; the server is the \($0), not an exchange"
            }
            guard let served = response.headers["date"].flatMap(httpDate) else {
                return .fail(detail + "; no Date header, clock skew unknown", fix: "the server must send a Date header")
            }
            // The server's second lies somewhere within the exchange.
            let midpoint = response.sentAt.addingTimeInterval(response.seconds / 2)
            let skewMS = (served.timeIntervalSince(midpoint) + 0.5) * 1000  // Date truncates to the second
            detail += String(format: ", clock skew %+.0f ms", skewMS)
            if abs(skewMS) > spec.maxClockSkewMS + 500 {
                return .fail(
                    detail + String(format: " (limit %.0f ms): signed requests will be rejected", spec.maxClockSkewMS),
                    fix: "synchronise the clock: sudo timedatectl set-ntp true")
            }
            if latencyMS > spec.maxLatencyMS {
                return .warn(
                    detail + String(format: " (latency above %.0f ms)", spec.maxLatencyMS),
                    fix: "check the network path to the host")
            }
            return .pass(detail + (mock ?? ""))
        }
    }

    static func credentials(
        _ spec: CredentialsSpec, checklist: Checklist, context: PreflightContext, gate: TestnetGate
    ) -> Finding {
        let url: String
        switch gatedURL(spec.endpoint, spec.path, checklist: checklist, context: context, gate: gate) {
        case .success(let allowed): url = allowed
        case .failure(let refused): return refused.finding
        }
        guard let key = context.environment["BITUNIX_API_KEY"], !key.isEmpty,
            let secret = context.environment["BITUNIX_API_SECRET"], !secret.isEmpty
        else {
            return .fail("BITUNIX_API_KEY and BITUNIX_API_SECRET are needed to sign the request", fix: "export both")
        }
        let query = URLComponents(string: url)?.queryItems ?? []
        let parameters = Dictionary(query.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let nonce = BitunixSignature.makeNonce()
        let timestamp = String(Int(Date().timeIntervalSince1970 * 1000))
        let sign = BitunixSignature.sign(
            nonce: nonce, timestamp: timestamp, apiKey: key, secretKey: secret,
            queryString: BitunixSignature.queryString(parameters), body: "")
        let request = HTTPRequest(
            url: url,
            headers: [
                ("api-key", key), ("nonce", nonce), ("timestamp", timestamp), ("sign", sign),
                ("Content-Type", "application/json"),
            ],
            connectTimeout: min(5, spec.timeout), timeout: spec.timeout, resolve: resolveOverrides(context.environment),
            proxy: context.proxy)
        let (outcome, attempts) = RetryPolicy.preflight.perform(request)
        let tries = attempts > 1 ? " after \(attempts) attempts" : ""
        switch outcome {
        case .failure(let failure):
            return transportFailure(
                failure, timeout: spec.timeout, tries: tries, fix: "check the host, the network and --proxy"
            )
        case .success(let response):
            guard let envelope = BitunixEnvelope(response.body) else {
                return .fail(
                    "\(url): HTTP \(response.status)\(tries), not Bitunix's envelope", fix: "check BITUNIX_REST_URL")
            }
            guard envelope.code == 0 else {
                let (meaning, fix) = BitunixEnvelope.explain(envelope.code)
                return .fail("code \(envelope.code): \(meaning) (\(envelope.message))\(tries)", fix: fix)
            }
            let account = envelope.data as? [String: Any] ?? (envelope.data as? [[String: Any]])?.first ?? [:]
            let mode = account["positionMode"] as? String
            if let expected = spec.positionMode, mode != expected {
                return .fail(
                    "the key works, but the account's positionMode is \(mode ?? "missing"), not \(expected)",
                    fix: "switch the TESTNET account to \(expected) position mode: the executor needs it")
            }
            let mock = response.headers[MockServerHeader.name.lowercased()].map { " (by the \($0), not an exchange)" }
            return .pass("signed request accepted\(mock ?? ""), positionMode \(mode ?? "-")\(tries)")
        }
    }

    private static func join(_ base: String, _ path: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + (path.hasPrefix("/") ? path : "/" + path)
    }

    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
