import Foundation
import HedgeOpsKit

/// Where the exchange's WebSocket messages go: the server's connection.
/// Knows nothing of NIO here, so the exchange can be driven without sockets.
protocol PushTarget: AnyObject, Sendable {
    func send(_ text: String)
    /// Closes the TCP connection without a close frame: the client sees 1006.
    func drop()
    /// Closes with a close frame and `code`.
    func close(code: Int, reason: String)
}

/// One WebSocket connection as the exchange sees it: which socket, logged
/// in or not, what it subscribed to, when it last spoke.
final class Connection: @unchecked Sendable {
    enum Kind: String { case `public`, `private` }

    struct Subscription: Hashable {
        var channel: String
        var symbol: String?
    }

    let kind: Kind
    let target: any PushTarget
    let id: Int
    fileprivate(set) var loggedIn = false
    fileprivate(set) var subscriptions: Set<Subscription> = []
    fileprivate(set) var lastHeard: Double

    init(kind: Kind, target: any PushTarget, id: Int, now: Double) {
        self.kind = kind
        self.target = target
        self.id = id
        lastHeard = now
    }
}

/// The local Bitunix-compatible futures exchange: markets on a price path,
/// the paper account and its matching, faults on demand, the audit trail.
/// Serves REST requests and WebSocket messages handed to it by
/// `ExchangeServer`; all state is behind one lock, and messages are sent
/// after it is released.
final class SimulatedExchange: @unchecked Sendable {
    struct Configuration {
        var apiKey: String?
        var apiSecret: String?
        var positionMode = "HEDGE"
        var balance = 10_000.0
        var symbols = ["BTCUSDT", "ETHUSDT"]
        var randomStart: UInt64 = 1
        /// One tick's standard deviation as a fraction of the price.
        var volatility = 0.00002
        var tape: [PricePath.Step]?
        var timestampWindowMS = 60_000
        var tickMS = 500
        /// A WebSocket that sends nothing for this long is closed (seconds).
        var idleTimeout = 60.0
        var faults = FaultPlan()
    }

    struct Request {
        var method: String
        var path: String
        var query: [(name: String, value: String)]
        var headers: [String: String]
        var body: String
    }

    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
        /// Bitunix's `code`, for the access log.
        var code: Int
        /// How long to wait before answering (the latency fault).
        var delayMS = 0
    }

    static let serverName = "hedge-sim local TESTNET simulator"

    let configuration: Configuration
    let audit: AuditTrail
    let lock = NSLock()
    var markets: [String: SymbolMarket] = [:]
    var ledger: Ledger
    var faults: FaultPlan
    var random: ReproducibleRandom
    var replays: ReplayGuard
    var connections: [Int: Connection] = [:]
    var nextConnection = 1
    var windowSecond = 0
    var windowCount = 0
    var drops = 0
    var lastScheduledDrop = 0.0
    var droppedAt: Set<Double> = []
    var inMaintenance = false
    private let started = DispatchTime.now().uptimeNanoseconds

    init(configuration: Configuration, audit: AuditTrail) {
        self.configuration = configuration
        self.audit = audit
        ledger = Ledger(balance: configuration.balance)
        ledger.positionMode = configuration.positionMode
        faults = configuration.faults
        random = ReproducibleRandom(randomStart: configuration.randomStart)
        replays = ReplayGuard(windowMS: Int64(configuration.timestampWindowMS))
        for (index, symbol) in configuration.symbols.enumerated() {
            let randomStart = configuration.randomStart &+ UInt64(index + 1) &* 0x9E37_79B9
            let path =
                configuration.tape.map { PricePath(tape: $0, randomStart: randomStart) }
                ?? PricePath(
                    start: Self.startPrice(symbol), volatility: configuration.volatility, randomStart: randomStart)
            markets[symbol] = SymbolMarket(symbol: symbol, path: path, randomStart: randomStart &+ 7)
        }
    }

    static func startPrice(_ symbol: String) -> Double {
        switch symbol {
        case let s where s.hasPrefix("BTC"): 95_000
        case let s where s.hasPrefix("ETH"): 3_500
        case let s where s.hasPrefix("SOL"): 180
        default: 100
        }
    }

    /// Seconds since start, monotonic: the clock of the fault schedule.
    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }

    /// The exchange's wall clock in ms, with the clock-skew fault.
    func nowMS() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded()) + Int64(faults.clockSkewMS)
    }

    // MARK: Connections

    /// A new WebSocket; nil while in maintenance (the upgrade is refused).
    func open(_ kind: Connection.Kind, target: any PushTarget) -> Connection? {
        let connection: Connection? = lock.withLock {
            if maintenanceNow() { return nil }
            let connection = Connection(kind: kind, target: target, id: nextConnection, now: elapsed)
            nextConnection += 1
            connections[connection.id] = connection
            return connection
        }
        guard let connection else { return nil }
        audit.append(["event": "ws_connected", "channel": .string(kind.rawValue), "ts": .int(Int(nowMS()))])
        target.send(#"{"op":"connect","data":{"result":true}}"#)
        return connection
    }

    func closed(_ connection: Connection) {
        lock.withLock { _ = connections.removeValue(forKey: connection.id) }
    }

    func maintenanceNow() -> Bool {
        faults.maintenance?.contains(elapsed) ?? false
    }

    // MARK: The clock

    /// One tick: faults on schedule, the price path, matching, pushes.
    func tick() {
        var deliveries: [(any PushTarget, String)] = []
        var toDrop: [Connection] = []
        var toClose: [Connection] = []
        lock.withLock {
            let now = nowMS()
            let seconds = elapsed
            toDrop = scheduledDrops(at: seconds)
            toClose = connections.values.filter { seconds - $0.lastHeard > configuration.idleTimeout }
            for symbol in markets.keys.sorted() {
                markets[symbol]?.advance(now: now)
                if let market = markets[symbol] { ledger.matchAll(market: market, now: now) }
            }
            deliveries = publicMessages(now: now) + privateMessages(now: now)
        }
        for (target, text) in deliveries { target.send(text) }
        drop(toDrop, reason: "scheduled")
        for connection in toClose {
            closed(connection)
            audit.append(["event": "ws_idle_closed", "channel": .string(connection.kind.rawValue)])
            connection.target.close(code: 1000, reason: "idle: no message for \(Int(configuration.idleTimeout)) s")
        }
    }

    /// Connections to drop now: a `drop_at` time passed, `drop_every`
    /// elapsed, or maintenance began. Called with the lock held.
    private func scheduledDrops(at seconds: Double) -> [Connection] {
        var due = false
        for time in faults.dropAt where time <= seconds && !droppedAt.contains(time) {
            droppedAt.insert(time)
            due = true
        }
        if let every = faults.dropEvery, seconds - lastScheduledDrop >= every {
            lastScheduledDrop = seconds
            due = true
        }
        let maintenance = maintenanceNow()
        if maintenance && !inMaintenance { due = true }
        inMaintenance = maintenance
        return due ? Array(connections.values) : []
    }

    /// Drops `list` without a close frame, each counted in the audit trail.
    func drop(_ list: [Connection], reason: String) {
        guard !list.isEmpty else { return }
        lock.withLock {
            drops += 1
            for connection in list { connections[connection.id] = nil }
        }
        audit.append(["event": "ws_drop", "reason": .string(reason), "connections": .int(list.count)])
        for connection in list { connection.target.drop() }
    }

    /// Every connection, for the control endpoint's drop.
    func dropAll(kind: Connection.Kind?) -> Int {
        let list = lock.withLock { connections.values.filter { kind == nil || $0.kind == kind } }
        drop(Array(list), reason: "control")
        return list.count
    }

    /// Private pushes to every logged-in connection subscribed to their
    /// channel, and the ledger's audit events. Called with the lock held.
    func privateMessages(now: Int64) -> [(any PushTarget, String)] {
        let pushes = ledger.pushes
        ledger.pushes = []
        for event in ledger.audit { audit.append(event) }
        ledger.audit = []
        guard !pushes.isEmpty else { return [] }
        var out: [(any PushTarget, String)] = []
        for connection in connections.values where connection.kind == .private && connection.loggedIn {
            for push in pushes where connection.subscriptions.contains(where: { $0.channel == push.channel }) {
                let message: JSONValue = ["ch": .string(push.channel), "ts": .int(Int(now)), "data": push.data]
                out.append((connection.target, message.serialized))
            }
        }
        return out
    }

    // MARK: WebSocket messages

    /// One text message from a client; the replies go back on its socket.
    func receive(_ text: String, from connection: Connection) {
        var replies: [String] = []
        var closeAfter: (Int, String)?
        var loggedIn = false
        lock.withLock {
            connection.lastHeard = elapsed
            guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
                let op = object["op"] as? String
            else {
                replies.append(#"{"op":"error","data":{"result":false,"msg":"expected a JSON object with an op"}}"#)
                return
            }
            switch op {
            case "ping":
                guard faults.answerPings else { return }
                let theirs: JSONValue =
                    (object["ping"] as? NSNumber).map { .int($0.intValue) } ?? .from(object["ping"] as? String)
                let reply: JSONValue = ["op": "ping", "pong": theirs, "ping": .int(Int(nowMS() / 1000))]
                replies.append(reply.serialized)
            case "login":
                let (reply, ok) = login(object, connection: connection)
                replies.append(reply)
                loggedIn = ok
                if !ok { closeAfter = (1008, "login failed") }
            case "subscribe", "unsubscribe":
                replies.append(contentsOf: subscribe(object, op: op, connection: connection))
            default:
                replies.append(
                    JSONValue.object([
                        "op": .string(op), "data": ["result": false, "msg": .string("unknown op '\(op)'")],
                    ]).serialized)
            }
        }
        if loggedIn {
            audit.append(["event": "ws_login", "ts": .int(Int(nowMS()))])
        }
        for reply in replies { connection.target.send(reply) }
        if let (code, reason) = closeAfter { connection.target.close(code: code, reason: reason) }
    }

    /// Bitunix's private login: `args[0]` holds apiKey, timestamp, nonce and
    /// `sign = sha256(sha256(nonce + timestamp + apiKey) + secret)`.
    private func login(_ object: [String: Any], connection: Connection) -> (String, Bool) {
        func refuse(_ code: Int, _ message: String) -> (String, Bool) {
            let reply: JSONValue = [
                "op": "login", "data": ["result": false, "code": .int(code), "msg": .string(message)],
            ]
            return (reply.serialized, false)
        }
        guard connection.kind == .private else { return refuse(10002, "login is for the private socket: /private/") }
        guard let args = object["args"] as? [[String: Any]], let first = args.first,
            let apiKey = first["apiKey"] as? String, !apiKey.isEmpty
        else { return refuse(10003, "api-key can not be empty") }
        guard let expected = configuration.apiKey, let secret = configuration.apiSecret, apiKey == expected else {
            return refuse(10003, "Invalid api-key")
        }
        let timestamp =
            (first["timestamp"] as? NSNumber).map { String($0.int64Value) } ?? (first["timestamp"] as? String) ?? ""
        guard let nonce = first["nonce"] as? String, let sign = first["sign"] as? String, let stamp = Int64(timestamp)
        else { return refuse(10007, "Signature Error: timestamp, nonce and sign are required") }
        let expectedSign = BitunixSignature.sign(
            nonce: nonce, timestamp: timestamp, apiKey: apiKey, secretKey: secret, queryString: "", body: "")
        guard sign == expectedSign else { return refuse(10007, "Signature Error") }
        // Bitunix's demos send seconds or milliseconds: judge either.
        let stampMS = stamp < 100_000_000_000 ? stamp * 1000 : stamp
        if let refusal = replays.refusal(timestamp: String(stampMS), nonce: nonce, nowMS: nowMS()) {
            return refuse(10007, "Signature Error: \(refusal)")
        }
        connection.loggedIn = true
        return (#"{"op":"login","data":{"result":true}}"#, true)
    }

    private func subscribe(_ object: [String: Any], op: String, connection: Connection) -> [String] {
        guard let args = object["args"] as? [[String: Any]], !args.isEmpty else {
            return [
                JSONValue.object([
                    "op": .string(op), "data": ["result": false, "msg": "args must be a list of {symbol, ch}"],
                ]).serialized
            ]
        }
        var accepted: [JSONValue] = []
        var refused: [String] = []
        for arg in args {
            let channel = arg["ch"] as? String ?? ""
            let symbol = arg["symbol"] as? String
            if let problem = Self.channelProblem(channel, symbol: symbol, connection: connection, markets: markets) {
                refused.append(problem)
                continue
            }
            let subscription = Connection.Subscription(channel: channel, symbol: symbol)
            if op == "subscribe" {
                guard connection.subscriptions.count < 300 else {
                    refused.append("subscription limit: 300 channels a connection")
                    continue
                }
                connection.subscriptions.insert(subscription)
            } else {
                connection.subscriptions.remove(subscription)
            }
            accepted.append(.object(["ch": .string(channel), "symbol": .from(symbol)]))
        }
        var reply: [String: JSONValue] = ["op": .string(op), "args": .array(accepted)]
        reply["data"] =
            refused.isEmpty ? ["result": true] : ["result": false, "msg": .string(refused.joined(separator: "; "))]
        return [JSONValue.object(reply).serialized]
    }

    static let publicChannels: Set<String> = [
        "ticker", "tickers", "trade", "price", "depth_book1", "depth_book5", "depth_book15", "depth_books",
    ]
    static let privateChannels: Set<String> = ["balance", "position", "order", "tpsl"]

    /// Why a subscription is refused, or nil.
    static func channelProblem(
        _ channel: String, symbol: String?, connection: Connection, markets: [String: SymbolMarket]
    ) -> String? {
        if connection.kind == .private {
            guard privateChannels.contains(channel) else {
                return "unknown private channel '\(channel)': use balance, position, order or tpsl"
            }
            return connection.loggedIn ? nil : "log in before subscribing to '\(channel)'"
        }
        guard publicChannels.contains(channel) || KlineInterval(channel: channel) != nil else {
            return "unknown public channel '\(channel)'"
        }
        if channel == "tickers" { return nil }
        guard let symbol, markets[symbol] != nil else {
            return
                "unknown symbol '\(symbol ?? "")' for '\(channel)': use one of \(markets.keys.sorted().joined(separator: ", "))"
        }
        return nil
    }
}
