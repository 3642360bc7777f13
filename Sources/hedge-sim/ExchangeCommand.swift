import ArgumentParser
import Foundation
import HedgeOpsKit
import NIOCore

/// `hedge-sim exchange`: a local Bitunix-compatible futures exchange, REST
/// and WebSocket, for the real executor's eight hours.
struct ExchangeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange",
        abstract: "Serve a local Bitunix-compatible futures exchange (REST and WebSocket) on loopback only.",
        discussion: """
            A TESTNET you own: Bitunix's futures REST API (market, account, trade, TP/SL, positions) in its
            envelope and error codes, every private call signed and checked as the exchange does; a paper
            account in HEDGE mode (a long and a short per symbol, tradeSide OPEN/CLOSE, reduce-only, margin
            and PnL moving the balance); resting limit orders that fill when the price crosses them, market
            orders at the best price, post-only and IOC/FOK honoured. Prices follow a repeatable random walk, or
            --tape FILE (CSV of time,price,size) replayed a row a tick; the order book is synthesized around it.

            WebSocket on the same port: ws://HOST:PORT/public/ and ws://HOST:PORT/private/, Bitunix's op
            messages: ping (pong echoes your timestamp), subscribe/unsubscribe with args [{symbol, ch}],
            login on the private socket. Public channels: ticker, tickers, trade, price, depth_book1/5/15,
            depth_books, market_kline_1min…1month. Private: balance, position, order, tpsl. A socket silent
            for --idle-timeout is closed.

            Faults, from these flags or at run time from the control endpoint on the same port:
              GET  /control/state                                 faults, connections, prices
              POST /control/faults  {"answer_pings":false, "latency_ms":200, "fail_rate":0.1,
                                     "rate_limit":5, "clock_skew_ms":3000, "reject_rate":0.5,
                                     "maintenance":"10m-15m", "drop_every":"10m", "drop_at":["30s"]}
              POST /control/drop    {"channel":"public"}          drop WebSockets now (no body: all)
              POST /control/price   {"symbol":"BTCUSDT","price":94000}
              GET  /control/audit?limit=100                       every order and WebSocket event
            --audit FILE writes the same events as JSON Lines, to cross-check the executor's log.

            Prints 'listening on http://HOST:PORT' on stdout once ready. Never binds a non-loopback address.

            Examples:
              hedge-sim exchange --port 18080 --api-key demo-key --api-secret demo-secret
              hedge-sim exchange --port 0 --drop-every 10m --audit data/exchange-audit.jsonl
              hedge-sim exchange --tape btc-2026-01-13.csv --tick-ms 1000
            """
    )

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port: UInt16 = 0

    @Option(help: "Loopback address to bind (127.0.0.0/8, ::1 or localhost).")
    var host = "127.0.0.1"

    @Option(help: "API key private calls and the WebSocket login accept (default $BITUNIX_API_KEY).")
    var apiKey: String?

    @Option(help: "Secret signatures are checked with (default $BITUNIX_API_SECRET).")
    var apiSecret: String?

    @Option(help: "Position mode the account starts in: HEDGE or ONE_WAY.")
    var positionMode = "HEDGE"

    @Option(help: "Paper balance in USDT.")
    var balance = 10_000.0

    @Option(help: "Symbols traded, comma-separated.")
    var symbols = "BTCUSDT,ETHUSDT"

    @Option(help: "Start value of the price path's and every fault's random numbers: the same value, the same run.")
    var randomStart: UInt64 = 1

    @Option(help: "One tick's price move (standard deviation) as a fraction of the price.")
    var volatility = 0.00002

    @Option(help: "A recorded tape to replay instead of the random walk: CSV of time,price,size.")
    var tape: String?

    @Option(help: "Milliseconds between ticks of the price path (and public pushes).")
    var tickMs = 500

    @Option(help: "A WebSocket that sends nothing for this long is closed (e.g. 60s).")
    var idleTimeout = "60s"

    @Option(help: "How far a signed request's timestamp may be from the server's clock, in ms; 0 does not check.")
    var timestampWindowMs = 60_000

    @Option(help: "Append every order and WebSocket event to this file as JSON Lines.")
    var audit: String?

    @Option(help: "Delay before every REST answer, in milliseconds.")
    var latencyMs = 0

    @Option(help: "Fraction of REST requests answered with HTTP 500 (0 to 1).")
    var failRate = 0.0

    @Option(help: "REST requests per second allowed before code 10006 (HTTP 429).")
    var rateLimit: Int?

    @Option(help: "Shift of every clock the exchange shows, in milliseconds.")
    var clockSkewMs = 0

    @Option(help: "A maintenance window since start, FROM-TO (e.g. 10m-15m): REST 503, WebSockets dropped and refused.")
    var maintenance: String?

    @Flag(help: "Leave ping ops unanswered (the executor's heartbeat times out).")
    var noPong = false

    @Option(help: "Fraction of orders refused with code 20003 (0 to 1).")
    var rejectRate = 0.0

    @Option(help: "Drop every WebSocket at these times since start, comma-separated (e.g. 30s,2m).")
    var dropAt: String?

    @Option(help: "Drop every WebSocket this often (e.g. 10m).")
    var dropEvery: String?

    @Option(help: "Exit when this process is gone (for the demo and tests: no orphaned servers).")
    var parent: Int32?

    func validate() throws {
        guard LoopbackAddress.resolve(host) != nil else {
            throw ValidationError(
                "refusing to bind '\(host)': the local exchange serves loopback only (127.0.0.0/8, ::1, localhost)")
        }
        guard ["HEDGE", "ONE_WAY"].contains(positionMode) else {
            throw ValidationError("--position-mode must be HEDGE or ONE_WAY, got '\(positionMode)'")
        }
        guard balance >= 0, balance.isFinite else { throw ValidationError("--balance must be 0 or more") }
        guard (10...60_000).contains(tickMs) else { throw ValidationError("--tick-ms must be from 10 to 60000") }
        guard (0...0.1).contains(volatility) else { throw ValidationError("--volatility must be from 0 to 0.1") }
        guard parseDuration(idleTimeout).map({ $0 > 0 }) == true else {
            throw ValidationError("--idle-timeout must be a duration above 0, such as 60s")
        }
        guard (0...86_400_000).contains(timestampWindowMs) else {
            throw ValidationError("--timestamp-window-ms is out of range: use a number from 0 to 86400000")
        }
        let list = symbolList
        guard !list.isEmpty, list.allSatisfy({ $0.count >= 5 && $0.hasSuffix("USDT") && $0.allSatisfy(\.isLetter) })
        else {
            throw ValidationError("--symbols must be comma-separated USDT pairs such as BTCUSDT,ETHUSDT")
        }
        _ = try faultPlan()
    }

    private var symbolList: [String] {
        symbols.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
    }

    /// The flags' faults, through the same checks as the control endpoint's.
    private func faultPlan() throws -> FaultPlan {
        var plan = FaultPlan()
        var json: [String: Any] = [
            "latency_ms": latencyMs, "fail_rate": failRate, "clock_skew_ms": clockSkewMs, "answer_pings": !noPong,
            "reject_rate": rejectRate,
        ]
        if let rateLimit { json["rate_limit"] = rateLimit }
        if let maintenance { json["maintenance"] = maintenance }
        if let dropEvery { json["drop_every"] = dropEvery }
        if let dropAt { json["drop_at"] = dropAt.split(separator: ",").map(String.init) }
        do {
            try plan.apply(json)
        } catch {
            throw ValidationError(
                "--" + error.description.replacingOccurrences(of: "_", with: "-"))
        }
        return plan
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        var configuration = SimulatedExchange.Configuration()
        configuration.apiKey = apiKey ?? environment["BITUNIX_API_KEY"]
        configuration.apiSecret = apiSecret ?? environment["BITUNIX_API_SECRET"]
        configuration.positionMode = positionMode
        configuration.balance = balance
        configuration.symbols = symbolList
        configuration.randomStart = randomStart
        configuration.volatility = volatility
        configuration.tickMS = tickMs
        configuration.idleTimeout = parseDuration(idleTimeout) ?? 60
        configuration.timestampWindowMS = timestampWindowMs
        configuration.faults = try faultPlan()
        let trail: AuditTrail
        do {
            if let tape { configuration.tape = try Tape.load(tape) }
            trail = try AuditTrail(path: audit)
        } catch {
            writeStandardError("hedge-sim exchange: \(error)\n")
            throw ExitCode(2)
        }
        if configuration.apiKey == nil || configuration.apiSecret == nil {
            writeStandardError(
                "hedge-sim exchange: no --api-key/--api-secret: private calls answer 10003 and login is refused\n")
        }
        let exchange = SimulatedExchange(configuration: configuration, audit: trail)
        let bindHost = LoopbackAddress.resolve(host) ?? "127.0.0.1"
        let server: ExchangeServer
        do {
            server = try ExchangeServer(host: bindHost, port: port, exchange: exchange) { line in
                writeStandardError(line + "\n")
            }
        } catch let error as IOError {
            let reason = LoopbackAddress.bindFailure(host: bindHost, port: port, errno: error.errnoCode)
            writeStandardError("hedge-sim exchange: \(reason)\n")
            throw ExitCode(1)
        } catch {
            writeStandardError("hedge-sim exchange: cannot listen on \(bindHost):\(port): \(error)\n")
            throw ExitCode(1)
        }
        let authority = bindHost.contains(":") ? "[\(bindHost)]:\(server.port)" : "\(bindHost):\(server.port)"
        ServerLifecycle.announce("http://\(authority)")
        writeStandardError(
            "hedge-sim exchange: REST http://\(authority), WebSocket ws://\(authority)/public/ and /private/, "
                + "control http://\(authority)/control/state\n")
        ServerLifecycle.installStopHandlers()
        if let parent { ServerLifecycle.watch(parent) }
        try server.wait()
    }
}
