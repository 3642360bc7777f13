import Foundation

/// The pre-flight's WebSocket item: the executor's public socket answers a
/// subscription with a push on the symbol's channel and a ping with a pong,
/// and its private socket accepts the operator's login. Both URLs pass the
/// TESTNET gate before a connection is attempted.
enum WebSocketCheck {
    static func check(
        _ spec: WebSocketCheckSpec, checklist: Checklist, context: PreflightContext, gate: TestnetGate
    ) -> Finding {
        guard let url = NetworkCheck.baseURL(spec.endpoint, checklist: checklist, environment: context.environment)
        else { return .fail("no endpoint '\(spec.endpoint)'", fix: "fix the checklist") }
        if let refused = NetworkCheck.refusal(url, gate: gate) {
            return .fail(refused, fix: "point BITUNIX_WS_URL at a TESTNET host")
        }
        let symbol =
            spec.symbol ?? context.parameterValues(checklist)["symbol"].flatMap { $0.isEmpty ? nil : $0 } ?? "BTCUSDT"
        let started = Date()
        let socket: WebSocketConnection
        do {
            socket = try WebSocketConnection(url: url, timeout: spec.timeout, address: address(url, context))
        } catch {
            return .fail(
                "\(url): \(error.description)",
                fix: "check BITUNIX_WS_URL (ws:// or wss://, the public socket's path) and that the server runs")
        }
        defer { socket.close() }
        let connectedMS = milliseconds(since: started)

        let subscribed = Date()
        socket.send(#"{"op":"subscribe","args":[{"symbol":"\#(symbol)","ch":"\#(spec.channel)"}]}"#)
        guard
            socket.next(timeout: spec.timeout, where: { $0["ch"] as? String == spec.channel }) != nil
        else {
            let why = socket.closedCode.map { "the server closed the socket (code \($0))" } ?? "no push"
            return .fail(
                "\(url): upgraded in \(connectedMS) ms, then \(why) on \(spec.channel) \(symbol) within "
                    + "\(formatNumber(spec.timeout)) s",
                fix: "check the symbol and channel, and that the exchange publishes market data")
        }
        let pushMS = milliseconds(since: subscribed)

        let stamp = Int(Date().timeIntervalSince1970)
        let pinged = Date()
        socket.send(#"{"op":"ping","ping":\#(stamp)}"#)
        guard
            socket.next(
                timeout: spec.timeout,
                where: { $0["op"] as? String == "ping" && ($0["pong"] as? NSNumber)?.intValue == stamp }) != nil
        else {
            return .fail(
                "\(url): \(spec.channel) push in \(pushMS) ms, but no pong to a ping within "
                    + "\(formatNumber(spec.timeout)) s: the executor's heartbeat would time out",
                fix: "check the server answers {\"op\":\"ping\"} as Bitunix does")
        }
        let roundTripMS = milliseconds(since: pinged)
        var detail =
            "\(url): upgraded in \(connectedMS) ms, \(spec.channel) \(symbol) push in \(pushMS) ms, "
            + "ping/pong \(roundTripMS) ms"
        if spec.login {
            switch login(spec, publicURL: url, context: context, gate: gate) {
            case .success(let text): detail += "; " + text
            case .failure(let refused):
                return .fail(detail + "; " + refused.finding.detail, fix: refused.finding.fix ?? "")
            }
        }
        if Double(roundTripMS) > spec.maxRoundTripMS {
            return .warn(
                detail + " (round trip above \(formatNumber(spec.maxRoundTripMS)) ms)",
                fix: "check the network path to the host")
        }
        return .pass(detail)
    }

    /// The private socket on the same host: Bitunix's login op, signed as
    /// `sha256(sha256(nonce + timestamp + apiKey) + secret)`.
    private static func login(
        _ spec: WebSocketCheckSpec, publicURL: String, context: PreflightContext, gate: TestnetGate
    ) -> Result<String, NetworkCheck.Refused> {
        guard var components = URLComponents(string: publicURL) else {
            return .failure(.init(finding: .fail("'\(publicURL)' is not a URL", fix: "fix BITUNIX_WS_URL")))
        }
        components.path = spec.privatePath
        components.query = nil
        let url = components.string ?? publicURL
        if let refused = NetworkCheck.refusal(url, gate: gate) {
            return .failure(.init(finding: .fail(refused, fix: "point BITUNIX_WS_URL at a TESTNET host")))
        }
        guard let key = context.environment["BITUNIX_API_KEY"], !key.isEmpty,
            let secret = context.environment["BITUNIX_API_SECRET"], !secret.isEmpty
        else {
            return .failure(
                .init(
                    finding: .fail(
                        "BITUNIX_API_KEY and BITUNIX_API_SECRET are needed to log in on \(url)", fix: "export both")))
        }
        let socket: WebSocketConnection
        do {
            socket = try WebSocketConnection(url: url, timeout: spec.timeout, address: address(url, context))
        } catch {
            return .failure(
                .init(
                    finding: .fail(
                        "\(url): \(error.description)", fix: "check the private socket's path (private_path)")))
        }
        defer { socket.close() }
        let nonce = BitunixSignature.makeNonce()
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let sign = BitunixSignature.sign(
            nonce: nonce, timestamp: timestamp, apiKey: key, secretKey: secret, queryString: "", body: "")
        let message: JSONValue = [
            "op": "login",
            "args": [
                [
                    "apiKey": .string(key), "timestamp": .int(Int(timestamp) ?? 0), "nonce": .string(nonce),
                    "sign": .string(sign),
                ]
            ],
        ]
        let started = Date()
        socket.send(message.serialized)
        guard let answer = socket.next(timeout: spec.timeout, where: { $0["op"] as? String == "login" }) else {
            let why = socket.closedCode.map { "the server closed the socket (code \($0))" } ?? "no answer"
            return .failure(
                .init(
                    finding: .fail(
                        "\(url): \(why) to the login within \(formatNumber(spec.timeout)) s",
                        fix: "check the key is a TESTNET key and the private socket's path")))
        }
        let data = answer["data"] as? [String: Any] ?? [:]
        guard data["result"] as? Bool == true else {
            let code = (data["code"] as? NSNumber)?.intValue
            let said = data["msg"] as? String ?? "refused"
            let (meaning, fix) =
                code.map(BitunixEnvelope.explain) ?? ("login refused", "check the TESTNET key and secret")
            return .failure(
                .init(
                    finding: .fail(
                        "\(url): login refused, code \(code.map(String.init) ?? "-") (\(meaning)): \(said)", fix: fix)))
        }
        return .success("private login accepted in \(milliseconds(since: started)) ms")
    }

    /// The address a resolve override gives the URL's host and port, if any.
    static func address(_ url: String, _ context: PreflightContext) -> String? {
        guard let components = URLComponents(string: url), let host = components.host?.lowercased() else { return nil }
        let port = String(components.port ?? (components.scheme == "wss" ? 443 : 80))
        return ResolveOverride.parse(context.environment).overrides.first {
            $0.host.lowercased() == host && $0.port == port
        }?.address
    }

    private static func milliseconds(since start: Date) -> Int {
        Int((Date().timeIntervalSince(start) * 1000).rounded())
    }
}
