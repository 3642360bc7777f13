import Foundation
import HedgeOpsKit

/// The mock Bitunix futures API: Bitunix's envelope and error codes, its
/// signature checked exactly as Bitunix does, timestamps within a window
/// and no nonce twice, and faults on demand. Knows nothing of sockets;
/// `APICommand` serves it over HTTP, one thread a connection, so its state
/// is behind a lock.
final class MockExchange: @unchecked Sendable {
    struct Configuration: Sendable {
        var apiKey: String?
        var apiSecret: String?
        var positionMode = "HEDGE"
        var latencyMS = 0
        var failRate = 0.0
        /// Requests allowed per second before code 10006.
        var rateLimit: Int?
        var clockSkewMS = 0
        var randomStart: UInt64 = 1
        /// A signed request's timestamp must be within this of the server's clock; 0 does not check.
        var timestampWindowMS = 60_000
    }

    struct Request: Sendable {
        var method: String
        var path: String
        var query: [(name: String, value: String)]
        var headers: [String: String]
        var body: String
    }

    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: String
        /// Bitunix's `code`, for the access log.
        var code: Int
    }

    let configuration: Configuration
    private let lock = NSLock()
    private var random: ReproducibleRandom
    /// Injected faults are drawn per path: clients that call two endpoints
    /// at once (the pre-flight's checks run side by side) meet the same
    /// faults whatever order their requests arrive in.
    private var faults: [String: ReproducibleRandom] = [:]
    private var windowSecond = 0
    private var windowCount = 0
    private var replays: ReplayGuard

    init(configuration: Configuration) {
        self.configuration = configuration
        random = ReproducibleRandom(randomStart: configuration.randomStart)
        replays = ReplayGuard(windowMS: Int64(configuration.timestampWindowMS))
    }

    /// Answers one request; called from any connection's thread.
    func handle(_ request: Request) -> Response {
        if configuration.latencyMS > 0 { usleep(UInt32(min(configuration.latencyMS, 60_000)) * 1000) }
        return lock.withLock { answer(request) }
    }

    /// Whether this request of `path` gets the injected 500 (FNV-1a of the
    /// path mixed into the random start value: stable from run to run, unlike `Hasher`).
    private func faultDraw(_ path: String) -> Bool {
        var generator =
            faults[path]
            ?? ReproducibleRandom(
                randomStart: path.utf8.reduce(configuration.randomStart ^ 0xcbf2_9ce4_8422_2325) {
                    ($0 ^ UInt64($1)) &* 0x100_0000_01b3
                })
        let fails = generator.chance(configuration.failRate)
        faults[path] = generator
        return fails
    }

    private func answer(_ request: Request) -> Response {
        if let limit = configuration.rateLimit, overLimit(limit) {
            return envelope(status: 429, code: 10006, message: "Too many requests", data: nil)
        }
        if configuration.failRate > 0, faultDraw(request.path) {
            return envelope(status: 500, code: 500, message: "Internal Server Error (injected fault)", data: nil)
        }
        switch (request.method, request.path) {
        case ("GET", "/api/v1/futures/market/tickers"):
            return tickers(request)
        case ("GET", "/api/v1/futures/account"):
            return signedCall(request) { parameters in
                let coin = parameters["marginCoin"] ?? "USDT"
                return
                    #"{"marginCoin":"\#(coin)","available":"10000.00","frozen":"0","margin":"0","transfer":"10000.00","#
                    + #""positionMode":"\#(self.configuration.positionMode)","crossUnrealizedPNL":"0","#
                    + #""isolationUnrealizedPNL":"0","bonus":"0"}"#
            }
        case ("POST", "/api/v1/futures/trade/place_order"):
            // Test mode places orders that never fill: an id, nothing more.
            return signedCall(request) { _ in
                #"{"orderId":"SIM-\#(Int(Date().timeIntervalSince1970 * 1000))","clientId":null}"#
            }
        default:
            return envelope(status: 404, code: 404, message: "Not Found: \(request.method) \(request.path)", data: nil)
        }
    }

    private func overLimit(_ limit: Int) -> Bool {
        let second = Int(Date().timeIntervalSince1970)
        if second != windowSecond {
            windowSecond = second
            windowCount = 0
        }
        windowCount += 1
        return windowCount > limit
    }

    private func tickers(_ request: Request) -> Response {
        let requested = request.query.first { $0.name == "symbols" }?.value
        let symbols = requested.map { $0.split(separator: ",").map(String.init) } ?? ["BTCUSDT", "ETHUSDT"]
        let data = symbols.map { symbol -> String in
            let last = symbol.hasPrefix("BTC") ? 95000.0 + random.uniform(-50, 50) : 3500 + random.uniform(-5, 5)
            let price = String(format: "%.1f", last)
            return #"{"symbol":"\#(symbol)","markPrice":"\#(price)","lastPrice":"\#(price)","open":"\#(price)","#
                + #""high":"\#(price)","low":"\#(price)","quoteVol":"1250000.5","baseVol":"13.2"}"#
        }
        return envelope(status: 200, code: 0, message: "Success", data: "[" + data.joined(separator: ",") + "]")
    }

    /// A signed call: 10003 without a key or with an unknown one, 10007 when
    /// the signature does not match; otherwise `data` of the parameters.
    private func signedCall(_ request: Request, data: ([String: String]) -> String) -> Response {
        let headers = Dictionary(
            request.headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let apiKey = headers["api-key"], !apiKey.isEmpty else {
            return envelope(status: 200, code: 10003, message: "api-key can not be empty", data: nil)
        }
        guard let expectedKey = configuration.apiKey, let secret = configuration.apiSecret, apiKey == expectedKey else {
            return envelope(status: 200, code: 10003, message: "Invalid api-key", data: nil)
        }
        guard let nonce = headers["nonce"], let timestamp = headers["timestamp"], let sign = headers["sign"] else {
            return envelope(
                status: 200, code: 10007, message: "Signature Error: nonce, timestamp and sign are required", data: nil)
        }
        let parameters = Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        let expected = BitunixSignature.sign(
            nonce: nonce, timestamp: timestamp, apiKey: apiKey, secretKey: secret,
            queryString: BitunixSignature.queryString(parameters), body: request.body)
        guard sign == expected else {
            return envelope(status: 200, code: 10007, message: "Signature Error", data: nil)
        }
        let nowMS = Int64((Date().timeIntervalSince1970 * 1000).rounded()) + Int64(configuration.clockSkewMS)
        if let refusal = replays.refusal(timestamp: timestamp, nonce: nonce, nowMS: nowMS) {
            return envelope(status: 200, code: 10007, message: "Signature Error: \(refusal)", data: nil)
        }
        return envelope(status: 200, code: 0, message: "Success", data: data(parameters))
    }

    private func envelope(status: Int, code: Int, message: String, data: String?) -> Response {
        // The message can quote a request (a path, a timestamp): escaped as JSON.
        let body = #"{"code":\#(code),"data":\#(data ?? "null"),"msg":\#(JSONValue.string(message).serialized)}"#
        return Response(
            status: status,
            headers: [
                "Content-Type": "application/json", "Date": Self.httpDate(skewMS: configuration.clockSkewMS),
                // Says what it is, so a run against it is never mistaken for one against an exchange.
                MockServerHeader.name: MockServerHeader.value,
            ],
            body: body, code: code)
    }

    /// RFC 7231 IMF-fixdate, shifted by the configured clock skew.
    static func httpDate(skewMS: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date().addingTimeInterval(Double(skewMS) / 1000))
    }
}
