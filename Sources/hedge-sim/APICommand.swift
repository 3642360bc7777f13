import ArgumentParser
import Foundation

/// `hedge-sim api`: the mock Bitunix futures API on loopback.
struct APICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Serve a mock Bitunix futures API (TESTNET stand-in) on loopback only.",
        discussion: """
            GET /api/v1/futures/market/tickers?symbols=BTCUSDT
            GET /api/v1/futures/account?marginCoin=USDT   (signed: api-key, nonce, timestamp, sign)
            Bitunix's envelope {"code":0,"data":…,"msg":"Success"}, a real Date header, code 10003 for a
            missing or unknown key, 10007 for a bad signature, a timestamp outside --timestamp-window-ms of
            the server's clock or a nonce used twice, 10006 (HTTP 429) past --rate-limit.
            Headers over 16 KB are refused with 431 and bodies over 1 MB with 413 (the connection is then
            closed); a request must arrive within 10 s, with no read waiting more than 5 s.
            Prints 'listening on http://HOST:PORT' on stdout once ready. Never binds a non-loopback address.

            Examples:
              hedge-sim api --port 0 --api-key demo-key --api-secret demo-secret
              hedge-sim api --port 18080 --position-mode ONE_WAY --clock-skew-ms 5000
            """
    )

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port: UInt16 = 0

    @Option(help: "Loopback address to bind (127.0.0.0/8, ::1 or localhost).")
    var host = "127.0.0.1"

    @Option(help: "API key the signed endpoint accepts (default $BITUNIX_API_KEY).")
    var apiKey: String?

    @Option(help: "Secret the signature is checked with (default $BITUNIX_API_SECRET).")
    var apiSecret: String?

    @Option(help: "positionMode the account reports: HEDGE or ONE_WAY.")
    var positionMode = "HEDGE"

    @Option(help: "Delay before every answer, in milliseconds.")
    var latencyMs = 0

    @Option(help: "Fraction of requests answered with HTTP 500 (0 to 1).")
    var failRate = 0.0

    @Option(help: "Requests per second allowed before code 10006 (HTTP 429).")
    var rateLimit: Int?

    @Option(help: "Shift of the Date header, in milliseconds.")
    var clockSkewMs = 0

    @Option(help: "How far a signed request's timestamp may be from the server's clock, in ms; 0 does not check.")
    var timestampWindowMs = 60_000

    @Option(help: "Start value of the injected faults' random numbers: the same value, the same faults.")
    var randomStart: UInt64 = 1

    @Option(help: "Exit when this process is gone (for the demo and tests: no orphaned servers).")
    var parent: Int32?

    func validate() throws {
        guard LoopbackAddress.resolve(host) != nil else {
            throw ValidationError(
                "refusing to bind '\(host)': the mock TESTNET API serves loopback only (127.0.0.0/8, ::1, localhost)")
        }
        guard ["HEDGE", "ONE_WAY"].contains(positionMode) else {
            throw ValidationError("--position-mode must be HEDGE or ONE_WAY, got '\(positionMode)'")
        }
        guard (0...1).contains(failRate) else { throw ValidationError("--fail-rate is a fraction from 0 to 1") }
        guard latencyMs >= 0 else { throw ValidationError("--latency-ms must be 0 or more") }
        if let rateLimit, rateLimit < 1 { throw ValidationError("--rate-limit must be at least 1") }
        guard abs(clockSkewMs) <= 86_400_000 else {
            throw ValidationError("--clock-skew-ms is out of range: use a number from -86400000 to 86400000")
        }
        guard (0...86_400_000).contains(timestampWindowMs) else {
            throw ValidationError("--timestamp-window-ms is out of range: use a number from 0 to 86400000")
        }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let exchange = MockExchange(
            configuration: .init(
                apiKey: apiKey ?? environment["BITUNIX_API_KEY"],
                apiSecret: apiSecret ?? environment["BITUNIX_API_SECRET"],
                positionMode: positionMode, latencyMS: latencyMs, failRate: failRate, rateLimit: rateLimit,
                clockSkewMS: clockSkewMs, randomStart: randomStart, timestampWindowMS: timestampWindowMs))
        if exchange.configuration.apiKey == nil || exchange.configuration.apiSecret == nil {
            writeStandardError("hedge-sim api: no --api-key/--api-secret: the signed endpoint answers 10003\n")
        }
        let bindHost = LoopbackAddress.resolve(host) ?? "127.0.0.1"
        let server: LoopbackHTTPServer
        do {
            server = try LoopbackHTTPServer(host: bindHost, port: port) { request in
                let started = Date()
                let answer = exchange.handle(
                    MockExchange.Request(
                        method: request.method, path: request.path, query: request.query, headers: request.headers,
                        body: String(decoding: request.body, as: UTF8.self)))
                // Access log without headers: the api-key and sign never reach a log.
                let ms = Int(Date().timeIntervalSince(started) * 1000)
                writeStandardError(
                    "\(request.method) \(request.path) -> \(answer.status) code=\(answer.code) \(ms)ms\n")
                return LoopbackHTTPServer.Response(
                    status: answer.status, headers: answer.headers.map { ($0.key, $0.value) },
                    body: Data(answer.body.utf8))
            }
        } catch {
            writeStandardError("hedge-sim api: \(error.description)\n")
            throw ExitCode(1)
        }
        // The same for IPv4 and IPv6: the stop handlers and --parent apply to both.
        ServerLifecycle.announce(
            bindHost.contains(":") ? "http://[\(bindHost)]:\(server.port)" : "http://\(bindHost):\(server.port)")
        ServerLifecycle.installStopHandlers()
        if let parent { ServerLifecycle.watch(parent) }
        server.serve()
    }
}
