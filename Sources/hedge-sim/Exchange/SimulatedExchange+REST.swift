import Foundation
import HedgeOpsKit

/// Bitunix's futures REST API: market, account, trade, TP/SL and position
/// calls in its envelope `{"code":0,"data":…,"msg":"Success"}`, every
/// private call signed and checked as the exchange does.
extension SimulatedExchange {
    typealias Route = @Sendable (SimulatedExchange, Call) throws -> JSONValue

    /// A request's parameters: the query for GET, the JSON body for POST.
    struct Call {
        var parameters: [String: Any]
        var now: Int64

        func string(_ key: String) -> String? {
            (parameters[key] as? String).flatMap { $0.isEmpty ? nil : $0 }
                ?? (parameters[key] as? NSNumber)?.stringValue
        }
    }

    static let publicRoutes: [String: Route] = [
        "GET /api/v1/futures/market/tickers": { $0.tickers($1) },
        "GET /api/v1/futures/market/depth": { try $0.depth($1) },
        "GET /api/v1/futures/market/kline": { try $0.kline($1) },
        "GET /api/v1/futures/market/trading_pairs": { $0.tradingPairs($1) },
        "GET /api/v1/futures/market/funding_rate": { try $0.fundingRate($1) },
    ]

    static let privateRoutes: [String: Route] = [
        "GET /api/v1/futures/account": { $0.account($1) },
        "POST /api/v1/futures/account/change_position_mode": { try $0.changePositionMode($1) },
        "POST /api/v1/futures/account/change_leverage": { try $0.changeLeverage($1) },
        "POST /api/v1/futures/account/change_margin_mode": { try $0.changeMarginMode($1) },
        "GET /api/v1/futures/account/get_leverage_margin_mode": { try $0.leverageAndMarginMode($1) },
        "POST /api/v1/futures/trade/place_order": { try $0.placeOrder($1) },
        "POST /api/v1/futures/trade/batch_order": { try $0.batchOrder($1) },
        "POST /api/v1/futures/trade/modify_order": { try $0.modifyOrder($1) },
        "POST /api/v1/futures/trade/cancel_orders": { try $0.cancelOrders($1) },
        "POST /api/v1/futures/trade/cancel_all_orders": { $0.cancelAllOrders($1) },
        "GET /api/v1/futures/trade/get_pending_orders": { $0.pendingOrders($1) },
        "GET /api/v1/futures/trade/get_order_detail": { try $0.orderDetail($1) },
        "GET /api/v1/futures/trade/get_history_orders": { $0.historyOrders($1) },
        "GET /api/v1/futures/trade/get_history_trades": { $0.historyTrades($1) },
        "POST /api/v1/futures/trade/flash_close_position": { try $0.flashClose($1) },
        "POST /api/v1/futures/trade/close_all_position": { $0.closeAll($1) },
        "POST /api/v1/futures/tpsl/place_order": { try $0.placeTPSL($1) },
        "POST /api/v1/futures/tpsl/position/place_order": { try $0.placeTPSL($1) },
        "POST /api/v1/futures/tpsl/modify_order": { try $0.modifyTPSL($1) },
        "POST /api/v1/futures/tpsl/position/modify_order": { try $0.modifyTPSL($1) },
        "POST /api/v1/futures/tpsl/cancel_order": { try $0.cancelTPSL($1) },
        "GET /api/v1/futures/tpsl/get_pending_orders": { $0.pendingTPSL($1) },
        "GET /api/v1/futures/position/get_pending_positions": { $0.pendingPositions($1) },
        "GET /api/v1/futures/position/get_history_positions": { $0.historyPositions($1) },
        "GET /api/v1/futures/position/get_position_tiers": { try $0.positionTiers($1) },
    ]

    /// Answers one REST request; called from any connection's event loop.
    func handle(_ request: Request) -> Response {
        if request.path.hasPrefix("/control/") { return control(request) }
        var deliveries: [(any PushTarget, String)] = []
        var response = lock.withLock { () -> Response in
            let response = answer(request)
            deliveries = privateMessages(now: nowMS())
            return response
        }
        for (target, text) in deliveries { target.send(text) }
        response.delayMS = lock.withLock { faults.latencyMS }
        return response
    }

    /// Called with the lock held.
    private func answer(_ request: Request) -> Response {
        if maintenanceNow() {
            return envelope(status: 503, code: 10001, message: "System maintenance (injected fault)", data: nil)
        }
        if let limit = faults.rateLimit, overLimit(limit) {
            return envelope(status: 429, code: 10006, message: "Request too frequently", data: nil)
        }
        if faults.failRate > 0, random.chance(faults.failRate) {
            return envelope(status: 500, code: 500, message: "Internal Server Error (injected fault)", data: nil)
        }
        let key = "\(request.method) \(request.path)"
        let now = nowMS()
        if let route = Self.publicRoutes[key] {
            return run(route, Call(parameters: queryParameters(request), now: now))
        }
        guard let route = Self.privateRoutes[key] else {
            let known =
                (Self.publicRoutes.keys.contains { $0.hasSuffix(" " + request.path) })
                || (Self.privateRoutes.keys.contains { $0.hasSuffix(" " + request.path) })
            return envelope(
                status: known ? 405 : 404, code: known ? 405 : 404,
                message: known
                    ? "Method Not Allowed: \(request.method) \(request.path)"
                    : "Not Found: \(request.method) \(request.path)", data: nil)
        }
        if let refusal = signatureRefusal(request, now: now) {
            return envelope(status: 200, code: refusal.code, message: refusal.message, data: nil)
        }
        var parameters = queryParameters(request)
        if request.method == "POST" {
            guard let body = try? JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any] else {
                return envelope(
                    status: 200, code: 10002, message: "Parameter Error: the body must be a JSON object", data: nil)
            }
            parameters.merge(body) { $1 }
        }
        return run(route, Call(parameters: parameters, now: now))
    }

    private func run(_ route: Route, _ call: Call) -> Response {
        do {
            return envelope(status: 200, code: 0, message: "Success", data: try route(self, call))
        } catch let refusal as ExchangeRefusal {
            return envelope(status: 200, code: refusal.code, message: refusal.message, data: nil)
        } catch {
            return envelope(status: 200, code: 10001, message: "Network Error: \(error)", data: nil)
        }
    }

    private func queryParameters(_ request: Request) -> [String: Any] {
        Dictionary(request.query.map { ($0.name, $0.value as Any) }, uniquingKeysWith: { $1 })
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

    /// 10003 without a key or with an unknown one, 10007 for a bad signature,
    /// a timestamp outside the window or a nonce used twice.
    private func signatureRefusal(_ request: Request, now: Int64) -> ExchangeRefusal? {
        let headers = Dictionary(
            request.headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let apiKey = headers["api-key"], !apiKey.isEmpty else {
            return ExchangeRefusal(code: 10003, message: "api-key can not be empty")
        }
        guard let expected = configuration.apiKey, let secret = configuration.apiSecret, apiKey == expected else {
            return ExchangeRefusal(code: 10003, message: "Invalid api-key")
        }
        guard let nonce = headers["nonce"], let timestamp = headers["timestamp"], let sign = headers["sign"] else {
            return ExchangeRefusal(code: 10007, message: "Signature Error: nonce, timestamp and sign are required")
        }
        let query = Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        let expectedSign = BitunixSignature.sign(
            nonce: nonce, timestamp: timestamp, apiKey: apiKey, secretKey: secret,
            queryString: BitunixSignature.queryString(query), body: request.body)
        guard sign == expectedSign else { return ExchangeRefusal(code: 10007, message: "Signature Error") }
        if let refusal = replays.refusal(timestamp: timestamp, nonce: nonce, nowMS: now) {
            return ExchangeRefusal(code: 10007, message: "Signature Error: \(refusal)")
        }
        return nil
    }

    func envelope(status: Int, code: Int, message: String, data: JSONValue?) -> Response {
        let body =
            #"{"code":\#(code),"data":\#(data?.serialized ?? "null"),"msg":\#(JSONValue.string(message).serialized)}"#
        return Response(
            status: status,
            headers: [
                "Content-Type": "application/json", "Date": MockExchange.httpDate(skewMS: faults.clockSkewMS),
                // Says what it is, so a run against it is never mistaken for one against an exchange.
                MockServerHeader.name: Self.serverName,
            ],
            body: body, code: code)
    }

    // MARK: Market

    private func market(_ call: Call) throws(ExchangeRefusal) -> SymbolMarket {
        guard let symbol = call.string("symbol") else { throw .parameter("symbol is required") }
        guard let market = markets[symbol] else { throw ExchangeRefusal(code: 20001, message: "Market not exists") }
        return market
    }

    private func tickers(_ call: Call) -> JSONValue {
        let wanted = call.string("symbols").map { $0.split(separator: ",").map(String.init) } ?? markets.keys.sorted()
        return .array(
            wanted.compactMap { symbol in
                guard let market = markets[symbol] else { return nil }
                let last = market.price(market.last)
                return [
                    "symbol": .string(symbol), "markPrice": .string(last), "lastPrice": .string(last),
                    "open": .string(market.price(market.open)), "last": .string(last),
                    "quoteVol": .string(Amount.text(market.quoteVolume, 2)),
                    "baseVol": .string(market.quantity(market.baseVolume)), "high": .string(market.price(market.high)),
                    "low": .string(market.price(market.low)),
                ]
            })
    }

    private func depth(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        var market = try market(call)
        let limit = call.string("limit").flatMap(Int.init) ?? 100
        let book = market.depth(levels: limit)
        markets[market.symbol] = market
        return ["asks": .array(book.asks.map(Self.pair)), "bids": .array(book.bids.map(Self.pair))]
    }

    private func kline(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        let market = try market(call)
        guard let interval = KlineInterval(parameter: call.string("interval") ?? "") else {
            throw .parameter("interval must be one of 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M")
        }
        let limit = min(200, call.string("limit").flatMap(Int.init) ?? 100)
        let start = call.string("startTime").flatMap(Int64.init) ?? 0
        let end = call.string("endTime").flatMap(Int64.init) ?? Int64.max
        let candles = interval.candles(market.klines).filter { $0.start >= start && $0.start <= end }
        return .array(
            candles.suffix(limit).reversed().map { candle in
                [
                    "open": .string(market.price(candle.open)), "high": .string(market.price(candle.high)),
                    "low": .string(market.price(candle.low)), "close": .string(market.price(candle.close)),
                    "baseVol": .string(market.quantity(candle.baseVolume)),
                    "quoteVol": .string(Amount.text(candle.quoteVolume, 2)), "time": .int(Int(candle.start)),
                ]
            })
    }

    private func tradingPairs(_ call: Call) -> JSONValue {
        let wanted = call.string("symbols").map { $0.split(separator: ",").map(String.init) } ?? markets.keys.sorted()
        return .array(
            wanted.compactMap { symbol in
                guard let market = markets[symbol] else { return nil }
                return [
                    "symbol": .string(symbol), "base": .string(String(symbol.dropLast(4))), "quote": "USDT",
                    "minTradeVolume": "0.0001", "minBuyPriceOffset": "-0.95", "maxSellPriceOffset": "100",
                    "maxLimitOrderVolume": "1000", "maxMarketOrderVolume": "100", "basePrecision": 4,
                    "quotePrecision": .int(market.priceDecimals), "maxLeverage": 125, "minLeverage": 1,
                    "defaultLeverage": 10, "defaultMarginMode": "CROSS", "priceProtectScope": "0.02",
                    "symbolStatus": "OPEN",
                ]
            })
    }

    private func fundingRate(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        let market = try market(call)
        return [
            "symbol": .string(market.symbol), "markPrice": .string(market.price(market.last)),
            "lastPrice": .string(market.price(market.last)), "fundingRate": "0.0001",
        ]
    }

    // MARK: Account

    private func unrealized() -> Double {
        ledger.positions.values.reduce(0) { $0 + ledger.unrealized($1, last: markets[$1.symbol]?.last ?? 0) }
    }

    private func account(_ call: Call) -> JSONValue {
        ledger.accountJSON(coin: call.string("marginCoin") ?? "USDT", unrealized: unrealized())
    }

    private func changePositionMode(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        guard let mode = call.string("positionMode"), ["HEDGE", "ONE_WAY"].contains(mode) else {
            throw .parameter("positionMode must be HEDGE or ONE_WAY")
        }
        guard ledger.positions.isEmpty, ledger.orders.isEmpty else {
            throw ExchangeRefusal(code: 20009, message: "Position exists, so positions mode cannot be updated")
        }
        ledger.positionMode = mode
        return ["positionMode": .string(mode)]
    }

    private func changeLeverage(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        let market = try market(call)
        guard let leverage = call.string("leverage").flatMap(Int.init), (1...125).contains(leverage) else {
            throw ExchangeRefusal(code: 20005, message: "Invalid leverage")
        }
        guard !ledger.orders.values.contains(where: { $0.symbol == market.symbol }) else {
            throw ExchangeRefusal(
                code: 20006, message: "You can't change leverage or margin mode as there are open orders")
        }
        ledger.leverage[market.symbol] = leverage
        return ["symbol": .string(market.symbol), "leverage": .int(leverage), "marginCoin": "USDT"]
    }

    private func changeMarginMode(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        let market = try market(call)
        guard let mode = call.string("marginMode"), ["ISOLATION", "CROSS"].contains(mode) else {
            throw .parameter("marginMode must be ISOLATION or CROSS")
        }
        guard !ledger.orders.values.contains(where: { $0.symbol == market.symbol }),
            !ledger.positions.values.contains(where: { $0.symbol == market.symbol })
        else {
            throw ExchangeRefusal(
                code: 20006, message: "You can't change leverage or margin mode as there are open orders")
        }
        ledger.marginMode[market.symbol] = mode
        return ["symbol": .string(market.symbol), "marginMode": .string(mode), "marginCoin": "USDT"]
    }

    private func leverageAndMarginMode(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        let market = try market(call)
        return [
            "symbol": .string(market.symbol), "marginCoin": "USDT",
            "leverage": .int(ledger.leverage[market.symbol] ?? 10),
            "marginMode": .string(ledger.marginMode[market.symbol] ?? "CROSS"),
        ]
    }

    // MARK: Trade

    /// The order-rejection fault, drawn from the repeatable random numbers.
    private func injectedRejection() -> ExchangeRefusal? {
        guard faults.rejectRate > 0, random.chance(faults.rejectRate) else { return nil }
        return ExchangeRefusal(code: 20003, message: "Insufficient balance (injected fault)")
    }

    private func place(_ parameters: [String: Any], symbol: String?, now: Int64) throws(ExchangeRefusal)
        -> Ledger.Order
    {
        guard let symbol else { throw .parameter("symbol is required") }
        do throws(ExchangeRefusal) {
            guard let market = markets[symbol] else { throw ExchangeRefusal(code: 20001, message: "Market not exists") }
            if let refusal = injectedRejection() { throw refusal }
            return try ledger.place(parameters, market: market, now: now)
        } catch {
            ledger.rejected(parameters, symbol: symbol, refusal: error, now: now)
            throw error
        }
    }

    private func placeOrder(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        let order = try place(call.parameters, symbol: call.string("symbol"), now: call.now)
        return ["orderId": .string(order.id), "clientId": .from(order.clientId)]
    }

    private func batchOrder(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        guard let list = call.parameters["orderList"] as? [[String: Any]], (1...20).contains(list.count) else {
            throw .parameter("orderList must hold 1 to 20 orders")
        }
        var success: [JSONValue] = [], failure: [JSONValue] = []
        for item in list {
            do {
                let order = try place(item, symbol: call.string("symbol"), now: call.now)
                success.append(["orderId": .string(order.id), "clientId": .from(order.clientId)])
            } catch {
                failure.append(
                    [
                        "clientId": .from(item["clientId"] as? String), "errorMsg": .string(error.message),
                        "errorCode": .string(String(error.code)),
                    ])
            }
        }
        return ["successList": .array(success), "failureList": .array(failure)]
    }

    private func modifyOrder(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        guard let id = ledger.findOrder(call.parameters), let symbol = ledger.orders[id]?.symbol,
            let market = markets[symbol]
        else { throw ExchangeRefusal(code: 20007, message: "Order not found, please try it later") }
        if let refusal = injectedRejection() {
            ledger.rejected(call.parameters, symbol: symbol, refusal: refusal, now: call.now)
            throw refusal
        }
        let order = try ledger.modify(call.parameters, market: market, now: call.now)
        return ["orderId": .string(order.id), "clientId": .from(order.clientId)]
    }

    private func cancelOrders(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        guard let list = call.parameters["orderList"] as? [[String: Any]], !list.isEmpty else {
            throw .parameter("orderList must name at least one order by orderId or clientId")
        }
        var success: [JSONValue] = [], failure: [JSONValue] = []
        for item in list {
            if let id = ledger.findOrder(item) {
                let client = ledger.orders[id]?.clientId
                ledger.cancel(id, reason: "canceled by request", now: call.now)
                success.append(["orderId": .string(id), "clientId": .from(client)])
            } else {
                failure.append(
                    [
                        "orderId": .from(item["orderId"] as? String), "clientId": .from(item["clientId"] as? String),
                        "errorMsg": "Order not found, please try it later", "errorCode": "20007",
                    ])
            }
        }
        return ["successList": .array(success), "failureList": .array(failure)]
    }

    private func cancelAllOrders(_ call: Call) -> JSONValue {
        let symbol = call.string("symbol")
        var success: [JSONValue] = []
        for order in ledger.orders.values.sorted(by: { $0.id < $1.id }) where symbol == nil || order.symbol == symbol {
            ledger.cancel(order.id, reason: "canceled by cancel_all_orders", now: call.now)
            success.append(["orderId": .string(order.id), "clientId": .from(order.clientId)])
        }
        return ["successList": .array(success), "failureList": []]
    }

    private func page(_ items: [JSONValue], _ call: Call, key: String) -> JSONValue {
        let skip = max(0, call.string("skip").flatMap(Int.init) ?? 0)
        let limit = min(100, max(1, call.string("limit").flatMap(Int.init) ?? 10))
        return [key: .array(Array(items.dropFirst(skip).prefix(limit))), "total": .string(String(items.count))]
    }

    private func pendingOrders(_ call: Call) -> JSONValue {
        let symbol = call.string("symbol"), id = call.string("orderId"), client = call.string("clientId")
        let list = ledger.orders.values.sorted { $0.id > $1.id }.filter {
            (symbol == nil || $0.symbol == symbol) && (id == nil || $0.id == id)
                && (client == nil || $0.clientId == client)
        }
        return page(list.map { ledger.orderJSON($0, market: markets[$0.symbol]) }, call, key: "orderList")
    }

    private func orderDetail(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        guard call.string("orderId") != nil || call.string("clientId") != nil else {
            throw .parameter("orderId or clientId is required")
        }
        var parameters: [String: Any] = [:]
        parameters["orderId"] = call.string("orderId")
        parameters["clientId"] = call.string("clientId")
        guard let order = ledger.order(parameters) else {
            throw ExchangeRefusal(code: 20007, message: "Order not found, please try it later")
        }
        return ledger.orderJSON(order, market: markets[order.symbol])
    }

    private func historyOrders(_ call: Call) -> JSONValue {
        let symbol = call.string("symbol")
        let list = ledger.closedOrders.reversed().filter { symbol == nil || $0.symbol == symbol }
        return page(list.map { ledger.orderJSON($0, market: markets[$0.symbol]) }, call, key: "orderList")
    }

    private func historyTrades(_ call: Call) -> JSONValue {
        let symbol = call.string("symbol")
        let list = ledger.fills.reversed().filter { fill in
            guard let symbol else { return true }
            if case .object(let fields) = fill, fields["symbol"] == .string(symbol) { return true }
            return false
        }
        return page(Array(list), call, key: "tradeList")
    }

    private func flashClose(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        guard let id = call.string("positionId"), let position = ledger.positions[id],
            let market = markets[position.symbol]
        else { throw ExchangeRefusal(code: 30004, message: "Position not exist") }
        try ledger.close(positionID: id, market: market, now: call.now)
        return ["positionId": .string(id)]
    }

    private func closeAll(_ call: Call) -> JSONValue {
        let symbol = call.string("symbol")
        for position in ledger.positions.values where symbol == nil || position.symbol == symbol {
            if let market = markets[position.symbol] {
                try? ledger.close(positionID: position.id, market: market, now: call.now)
            }
        }
        return .null
    }

    // MARK: TP/SL and positions

    private func placeTPSL(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        let item = try ledger.placeTPSL(call.parameters, now: call.now)
        return ["orderId": .string(item.id)]
    }

    private func modifyTPSL(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        guard let id = call.string("orderId") else { throw .parameter("orderId is required") }
        let item = try ledger.modifyTPSL(id, call.parameters, now: call.now)
        return ["orderId": .string(item.id)]
    }

    private func cancelTPSL(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        guard let id = call.string("orderId") else { throw .parameter("orderId is required") }
        try ledger.cancelTPSL(id, now: call.now)
        return ["orderId": .string(id)]
    }

    private func pendingTPSL(_ call: Call) -> JSONValue {
        let symbol = call.string("symbol"), position = call.string("positionId")
        return .array(
            ledger.tpsl.values.sorted { $0.id < $1.id }
                .filter { (symbol == nil || $0.symbol == symbol) && (position == nil || $0.positionId == position) }
                .map { ledger.tpslJSON($0) })
    }

    private func pendingPositions(_ call: Call) -> JSONValue {
        let symbol = call.string("symbol"), id = call.string("positionId")
        return .array(
            ledger.positions.values.sorted { $0.id < $1.id }
                .filter { (symbol == nil || $0.symbol == symbol) && (id == nil || $0.id == id) }
                .map { ledger.positionJSON($0, last: markets[$0.symbol]?.last ?? 0) })
    }

    private func historyPositions(_ call: Call) -> JSONValue {
        let symbol = call.string("symbol")
        let list = ledger.closedPositions.reversed().filter { symbol == nil || $0.symbol == symbol }
        return page(
            list.map { ledger.positionJSON($0, last: markets[$0.symbol]?.last ?? 0) }, call, key: "positionList")
    }

    private func positionTiers(_ call: Call) throws(ExchangeRefusal) -> JSONValue {
        let market = try market(call)
        return [
            [
                "symbol": .string(market.symbol), "level": 1, "startValue": "0", "endValue": "1000000",
                "leverage": 125, "maintenanceMarginRate": "0.004",
            ]
        ]
    }
}
