import Foundation
import HedgeOpsKit

/// A refusal in Bitunix's terms: its `code` and `msg`.
struct ExchangeRefusal: Error {
    var code: Int
    var message: String

    static func parameter(_ message: String) -> ExchangeRefusal { ExchangeRefusal(code: 10002, message: message) }
}

/// A message for a private channel (`order`, `position`, `balance`, `tpsl`).
struct PrivatePush {
    var channel: String
    var data: JSONValue
}

/// The paper account: balance, orders, HEDGE positions (a long and a short
/// per symbol, apart) and TP/SL orders. Opening freezes margin, a fill moves
/// it into the position, closing releases it with the realized PnL, fees
/// come off the balance. Every change is a private push and, for orders, an
/// audit event.
struct Ledger {
    static let makerFee = 0.0002
    static let takerFee = 0.0006

    var positionMode = "HEDGE"
    private(set) var available: Double
    private(set) var frozen = 0.0
    private(set) var positionMargin = 0.0
    var leverage: [String: Int] = [:]
    var marginMode: [String: String] = [:]
    private(set) var orders: [String: Order] = [:]
    private(set) var closedOrders: [Order] = []
    private(set) var positions: [String: Position] = [:]
    private(set) var closedPositions: [Position] = []
    private(set) var fills: [JSONValue] = []
    private(set) var tpsl: [String: TPSL] = [:]
    private var nextID: Int64 = 1
    /// What happened since the caller last drained them.
    var pushes: [PrivatePush] = []
    var audit: [JSONValue] = []

    init(balance: Double) {
        available = balance
    }

    struct Order {
        var id: String
        var clientId: String?
        var symbol: String
        var side: String
        var tradeSide: String
        var positionSide: String
        var positionId: String?
        var type: String
        var effect: String
        var price: Double
        var qty: Double
        var filled = 0.0
        var averagePrice = 0.0
        var reduceOnly: Bool
        var status = "NEW"
        var leverage: Int
        var marginMode: String
        var fee = 0.0
        var realizedPNL = 0.0
        var frozen = 0.0
        var takeProfit: [String: String] = [:]
        var ctime: Int64
        var mtime: Int64

        /// The direction it trades: an open long and a close short buy.
        var buys: Bool { (positionSide == "LONG") == (tradeSide == "OPEN") }
        var remaining: Double { qty - filled }
    }

    struct Position {
        var id: String
        var symbol: String
        var side: String
        var qty = 0.0
        var entryPrice = 0.0
        var margin = 0.0
        var leverage: Int
        var marginMode: String
        var realizedPNL = 0.0
        var fee = 0.0
        var ctime: Int64
        var mtime: Int64
    }

    struct TPSL {
        var id: String
        var positionId: String
        var symbol: String
        var fields: [String: String]
        var status = "NEW"
        var ctime: Int64
    }

    mutating func makeID() -> String {
        nextID += 1
        return String(1_000_000_000 + nextID)
    }

    // MARK: Orders

    /// Validates and places one order from Bitunix's parameters; fills what
    /// crosses at once. Returns the order's id.
    mutating func place(_ parameters: [String: Any], market: SymbolMarket, now: Int64) throws(ExchangeRefusal)
        -> Order
    {
        let symbol = market.symbol
        guard let side = (parameters["side"] as? String)?.uppercased(), ["BUY", "SELL"].contains(side) else {
            throw .parameter("side must be BUY or SELL")
        }
        let orderType = (parameters["orderType"] as? String)?.uppercased() ?? ""
        guard ["LIMIT", "MARKET"].contains(orderType) else { throw .parameter("orderType must be LIMIT or MARKET") }
        guard let qty = Amount.parse(parameters["qty"]), qty > 0 else { throw .parameter("qty must be above 0") }
        var price = Amount.parse(parameters["price"]) ?? 0
        if orderType == "LIMIT", price <= 0 { throw .parameter("price is required for a LIMIT order") }
        let effect = (parameters["effect"] as? String)?.uppercased() ?? "GTC"
        guard ["GTC", "IOC", "FOK", "POST_ONLY"].contains(effect) else {
            throw .parameter("effect must be GTC, IOC, FOK or POST_ONLY")
        }
        let reduceOnly = parameters["reduceOnly"] as? Bool ?? false
        let clientId = parameters["clientId"] as? String
        if let clientId, orders.values.contains(where: { $0.clientId == clientId }) {
            throw ExchangeRefusal(code: 30042, message: "Client ID duplicate")
        }
        var tradeSide = (parameters["tradeSide"] as? String)?.uppercased() ?? ""
        var positionSide = side == "BUY" ? "LONG" : "SHORT"
        var positionId = parameters["positionId"] as? String
        if positionMode == "HEDGE" {
            guard ["OPEN", "CLOSE"].contains(tradeSide) else {
                throw .parameter("tradeSide must be OPEN or CLOSE in HEDGE mode")
            }
            if let positionId, tradeSide == "CLOSE" {
                // The position decides which side closes, whatever `side` says.
                guard let position = positions[positionId], position.symbol == symbol else {
                    throw ExchangeRefusal(code: 30004, message: "Position not exist")
                }
                positionSide = position.side
            }
        } else {
            // ONE_WAY: an order against the open position reduces it.
            let opposite = side == "BUY" ? "SHORT" : "LONG"
            if let held = position(symbol, opposite) {
                tradeSide = "CLOSE"
                positionSide = opposite
                positionId = held.id
            } else {
                tradeSide = "OPEN"
            }
        }
        if reduceOnly, tradeSide == "OPEN" {
            if position(symbol, positionSide) == nil {
                throw ExchangeRefusal(
                    code: 30018,
                    message: "Order failed. No position opened. Cancel [Reduce-only] settings and retry later")
            }
            throw ExchangeRefusal(
                code: 30019,
                message: "Order failed. A [Reduce-only] order can not be in the same direction as the open position")
        }
        let lever = leverage[symbol] ?? 10
        let mode = marginMode[symbol] ?? "CROSS"
        var order = Order(
            id: makeID(), clientId: clientId, symbol: symbol, side: side, tradeSide: tradeSide,
            positionSide: positionSide, positionId: positionId, type: orderType, effect: effect, price: price, qty: qty,
            reduceOnly: reduceOnly, leverage: lever, marginMode: mode, ctime: now, mtime: now)
        if orderType == "MARKET" {
            // Margin and the push quote the price it will take.
            price = order.buys ? market.bestAsk : market.bestBid
            order.price = price
        }
        if tradeSide == "CLOSE" {
            guard let held = position(symbol, positionSide) else {
                throw ExchangeRefusal(
                    code: reduceOnly ? 30018 : 30004,
                    message: reduceOnly
                        ? "Order failed. No position opened. Cancel [Reduce-only] settings and retry later"
                        : "Position not exist")
            }
            let pending = orders.values.filter { $0.tradeSide == "CLOSE" && $0.positionSide == positionSide }
                .filter { $0.symbol == symbol }.reduce(0) { $0 + $1.remaining }
            guard qty <= held.qty - pending + 1e-12 else {
                throw ExchangeRefusal(code: 20008, message: "Insufficient amount: qty exceeds the position's open size")
            }
            order.positionId = held.id
        } else {
            let margin = price * qty / Double(lever)
            let fee = price * qty * Self.takerFee
            guard margin + fee <= available else {
                throw ExchangeRefusal(code: 20003, message: "Insufficient balance")
            }
            order.frozen = margin
            available -= margin
            frozen += margin
        }
        for key in [
            "tpPrice", "tpStopType", "tpOrderType", "tpOrderPrice", "slPrice", "slStopType", "slOrderType",
            "slOrderPrice",
        ] {
            if let value = parameters[key] {
                order.takeProfit[key] = Amount.parse(value).map { String($0) } ?? "\(value)"
            }
        }
        orders[order.id] = order
        record("placed", order, now: now)
        pushOrder(order, event: "CREATE", now: now)
        pushBalance()
        match(order.id, market: market, now: now, arriving: true)
        return orders[order.id] ?? closedOrders.last(where: { $0.id == order.id }) ?? order
    }

    /// Bitunix's modify_order: a new price and/or quantity for a resting order.
    mutating func modify(_ parameters: [String: Any], market: SymbolMarket, now: Int64) throws(ExchangeRefusal)
        -> Order
    {
        guard let id = findOrder(parameters) else {
            throw ExchangeRefusal(code: 20007, message: "Order not found, please try it later")
        }
        guard var order = orders[id] else { throw ExchangeRefusal(code: 20007, message: "Order not found") }
        let qty = Amount.parse(parameters["qty"]) ?? order.qty
        let price = Amount.parse(parameters["price"]) ?? order.price
        guard qty > order.filled, price > 0 else {
            throw .parameter("qty must exceed the filled quantity, price above 0")
        }
        if order.tradeSide == "OPEN" {
            let margin = price * (qty - order.filled) / Double(order.leverage)
            guard margin - order.frozen <= available else {
                throw ExchangeRefusal(code: 20003, message: "Insufficient balance")
            }
            available -= margin - order.frozen
            frozen += margin - order.frozen
            order.frozen = margin
        }
        order.qty = qty
        order.price = price
        order.mtime = now
        orders[id] = order
        record("modified", order, now: now)
        pushOrder(order, event: "UPDATE", now: now)
        pushBalance()
        match(id, market: market, now: now, arriving: true)
        return orders[id] ?? order
    }

    /// The order named by `orderId` or `clientId`.
    func findOrder(_ parameters: [String: Any]) -> String? {
        if let id = parameters["orderId"] as? String ?? (parameters["orderId"] as? NSNumber)?.stringValue {
            return orders[id] != nil ? id : nil
        }
        if let client = parameters["clientId"] as? String {
            return orders.values.first { $0.clientId == client }?.id
        }
        return nil
    }

    func order(_ parameters: [String: Any]) -> Order? {
        if let id = findOrder(parameters) { return orders[id] }
        let id = parameters["orderId"] as? String
        let client = parameters["clientId"] as? String
        return closedOrders.last { (id != nil && $0.id == id) || (client != nil && $0.clientId == client) }
    }

    mutating func cancel(_ id: String, reason: String, now: Int64) {
        guard var order = orders.removeValue(forKey: id) else { return }
        available += order.frozen
        frozen -= order.frozen
        order.frozen = 0
        order.status = order.filled > 0 ? "PART_FILLED_CANCELED" : "CANCELED"
        order.mtime = now
        closedOrders.append(order)
        trimHistory()
        record("canceled", order, now: now, reason: reason)
        pushOrder(order, event: "CLOSE", now: now)
        pushBalance()
    }

    /// A refused order, for the audit trail only (it never existed).
    mutating func rejected(_ parameters: [String: Any], symbol: String, refusal: ExchangeRefusal, now: Int64) {
        audit.append(
            .object([
                "ts": .int(Int(now)), "event": "rejected", "symbol": .string(symbol),
                "clientId": .from(parameters["clientId"] as? String), "side": .from(parameters["side"] as? String),
                "tradeSide": .from(parameters["tradeSide"] as? String),
                "price": .from(Amount.parse(parameters["price"])),
                "qty": .from(Amount.parse(parameters["qty"])), "code": .int(refusal.code),
                "reason": .string(refusal.message),
            ]))
    }

    // MARK: Matching

    /// Fills every resting order the market now crosses, then TP/SL triggers.
    mutating func matchAll(market: SymbolMarket, now: Int64) {
        for id in orders.values.filter({ $0.symbol == market.symbol }).map(\.id).sorted() {
            match(id, market: market, now: now, arriving: false)
        }
        triggerTPSL(market: market, now: now)
    }

    /// An arriving order takes the best price when it crosses (POST_ONLY is
    /// cancelled instead, IOC/FOK cancel what does not cross); a resting
    /// limit fills at its own price once the last price reaches it.
    private mutating func match(_ id: String, market: SymbolMarket, now: Int64, arriving: Bool) {
        guard let order = orders[id] else { return }
        if arriving {
            let crosses =
                order.type == "MARKET" || (order.buys ? order.price >= market.bestAsk : order.price <= market.bestBid)
            if crosses {
                if order.effect == "POST_ONLY" {
                    cancel(id, reason: "post-only order would take liquidity", now: now)
                    return
                }
                fill(id, price: order.buys ? market.bestAsk : market.bestBid, maker: false, now: now)
            } else if order.effect == "IOC" || order.effect == "FOK" {
                cancel(id, reason: "\(order.effect) order did not cross", now: now)
            }
            return
        }
        let reached = order.buys ? market.last <= order.price : market.last >= order.price
        if reached { fill(id, price: order.price, maker: true, now: now) }
    }

    private mutating func fill(_ id: String, price: Double, maker: Bool, now: Int64) {
        guard var order = orders.removeValue(forKey: id) else { return }
        // The order's push goes first, then the position's it moved.
        let mark = pushes.count
        let qty = order.remaining
        let fee = price * qty * (maker ? Self.makerFee : Self.takerFee)
        order.averagePrice = (order.averagePrice * order.filled + price * qty) / (order.filled + qty)
        order.filled = order.qty
        order.fee += fee
        order.status = "FILLED"
        order.mtime = now
        available -= fee
        if order.tradeSide == "OPEN" {
            let margin = price * qty / Double(order.leverage)
            available += order.frozen - margin
            frozen -= order.frozen
            order.frozen = 0
            positionMargin += margin
            var position =
                self.position(order.symbol, order.positionSide)
                ?? Position(
                    id: makeID(), symbol: order.symbol, side: order.positionSide, leverage: order.leverage,
                    marginMode: order.marginMode, ctime: now, mtime: now)
            let event = position.qty == 0 ? "OPEN" : "UPDATE"
            position.entryPrice = (position.entryPrice * position.qty + price * qty) / (position.qty + qty)
            position.qty += qty
            position.margin += margin
            position.fee += fee
            position.mtime = now
            positions[position.id] = position
            order.positionId = position.id
            pushPosition(position, event: event, now: now)
            attachTPSL(order, to: position, now: now)
        } else if var position = self.position(order.symbol, order.positionSide) {
            let closed = min(qty, position.qty)
            let direction = position.side == "LONG" ? 1.0 : -1.0
            let pnl = (price - position.entryPrice) * closed * direction
            let released = position.qty > 0 ? position.margin * closed / position.qty : 0
            position.qty -= closed
            position.margin -= released
            position.realizedPNL += pnl
            position.fee += fee
            position.mtime = now
            positionMargin -= released
            available += released + pnl
            order.realizedPNL = pnl
            if position.qty <= 1e-12 {
                positions[position.id] = nil
                closedPositions.append(position)
                if closedPositions.count > 500 { closedPositions.removeFirst() }
                for (tpslID, item) in tpsl where item.positionId == position.id {
                    tpsl[tpslID] = nil
                    var done = item
                    done.status = "CANCELED"
                    pushTPSL(done, event: "CLOSE", now: now)
                }
                pushPosition(position, event: "CLOSE", now: now)
            } else {
                positions[position.id] = position
                pushPosition(position, event: "UPDATE", now: now)
            }
        }
        closedOrders.append(order)
        trimHistory()
        fills.append(
            .object([
                "tradeId": .string(makeID()), "orderId": .string(order.id), "symbol": .string(order.symbol),
                "qty": .string(Amount.text(qty, 4)), "price": .string(String(price)), "side": .string(order.side),
                "tradeSide": .string(order.tradeSide), "positionMode": .string(positionMode),
                "marginMode": .string(order.marginMode), "leverage": .int(order.leverage),
                "orderType": .string(order.type), "effect": .string(order.effect), "clientId": .from(order.clientId),
                "reduceOnly": .bool(order.reduceOnly), "fee": .string(Amount.text(fee, 6)),
                "realizedPNL": .string(Amount.text(order.realizedPNL, 6)), "ctime": .string(String(now)),
                "roleType": .string(maker ? "MAKER" : "TAKER"),
            ]))
        if fills.count > 1000 { fills.removeFirst() }
        record("filled", order, now: now, price: price)
        let positionPushes = Array(pushes[mark...])
        pushes.removeSubrange(mark...)
        pushOrder(order, event: "CLOSE", now: now)
        pushes += positionPushes
        pushBalance()
    }

    private mutating func trimHistory() {
        if closedOrders.count > 2000 { closedOrders.removeFirst(closedOrders.count - 2000) }
    }

    // MARK: Positions and TP/SL

    func position(_ symbol: String, _ side: String) -> Position? {
        positions.values.first { $0.symbol == symbol && $0.side == side }
    }

    /// Closes `position` at the market (flash close, close all).
    mutating func close(positionID: String, market: SymbolMarket, now: Int64) throws(ExchangeRefusal) {
        guard let position = positions[positionID] else {
            throw ExchangeRefusal(code: 30004, message: "Position not exist")
        }
        for order in orders.values where order.positionId == positionID && order.tradeSide == "CLOSE" {
            cancel(order.id, reason: "position closed at the market", now: now)
        }
        _ = try place(
            [
                "side": position.side == "LONG" ? "BUY" : "SELL", "tradeSide": "CLOSE", "positionId": positionID,
                "orderType": "MARKET", "qty": String(position.qty),
            ], market: market, now: now)
    }

    /// Bitunix's tpsl/place_order: take profit and/or stop loss on a position.
    mutating func placeTPSL(_ parameters: [String: Any], now: Int64) throws(ExchangeRefusal) -> TPSL {
        guard let positionID = parameters["positionId"] as? String, let position = positions[positionID] else {
            throw ExchangeRefusal(code: 30004, message: "Position not exist")
        }
        guard parameters["tpPrice"] != nil || parameters["slPrice"] != nil else {
            throw ExchangeRefusal(code: 30006, message: "Please select TP or SL")
        }
        var fields: [String: String] = [:]
        for (key, value) in parameters where key != "positionId" && key != "symbol" {
            fields[key] = Amount.parse(value).map { String($0) } ?? "\(value)"
        }
        fields["tpQty"] = fields["tpQty"] ?? String(position.qty)
        fields["slQty"] = fields["slQty"] ?? String(position.qty)
        let item = TPSL(id: makeID(), positionId: positionID, symbol: position.symbol, fields: fields, ctime: now)
        tpsl[item.id] = item
        pushTPSL(item, event: "CREATE", now: now)
        return item
    }

    mutating func cancelTPSL(_ id: String, now: Int64) throws(ExchangeRefusal) {
        guard var item = tpsl.removeValue(forKey: id) else {
            throw ExchangeRefusal(code: 20007, message: "Order not found, please try it later")
        }
        item.status = "CANCELED"
        pushTPSL(item, event: "CLOSE", now: now)
    }

    mutating func modifyTPSL(_ id: String, _ parameters: [String: Any], now: Int64) throws(ExchangeRefusal) -> TPSL {
        guard var item = tpsl[id] else { throw ExchangeRefusal(code: 20007, message: "Order not found") }
        for (key, value) in parameters where key != "orderId" {
            item.fields[key] = Amount.parse(value).map { String($0) } ?? "\(value)"
        }
        tpsl[id] = item
        pushTPSL(item, event: "UPDATE", now: now)
        return item
    }

    private mutating func attachTPSL(_ order: Order, to position: Position, now: Int64) {
        guard order.takeProfit["tpPrice"] != nil || order.takeProfit["slPrice"] != nil else { return }
        var fields = order.takeProfit
        fields["tpQty"] = String(order.qty)
        fields["slQty"] = String(order.qty)
        let item = TPSL(id: makeID(), positionId: position.id, symbol: position.symbol, fields: fields, ctime: now)
        tpsl[item.id] = item
        pushTPSL(item, event: "CREATE", now: now)
    }

    /// A long's take profit triggers at or above its price, its stop loss at
    /// or below; a short's the other way. Triggered means closed at the market.
    private mutating func triggerTPSL(market: SymbolMarket, now: Int64) {
        for item in tpsl.values.filter({ $0.symbol == market.symbol }) {
            guard let position = positions[item.positionId] else { continue }
            let long = position.side == "LONG"
            let tp = item.fields["tpPrice"].flatMap(Double.init)
            let sl = item.fields["slPrice"].flatMap(Double.init)
            let hitTP = tp.map { long ? market.last >= $0 : market.last <= $0 } ?? false
            let hitSL = sl.map { long ? market.last <= $0 : market.last >= $0 } ?? false
            guard hitTP || hitSL else { continue }
            let qty = min(position.qty, item.fields[hitTP ? "tpQty" : "slQty"].flatMap(Double.init) ?? position.qty)
            tpsl[item.id] = nil
            var done = item
            done.status = "FILLED"
            pushTPSL(done, event: "CLOSE", now: now)
            for order in orders.values where order.positionId == position.id && order.tradeSide == "CLOSE" {
                cancel(order.id, reason: "TP/SL triggered", now: now)
            }
            _ = try? place(
                [
                    "side": long ? "BUY" : "SELL", "tradeSide": "CLOSE", "positionId": position.id,
                    "orderType": "MARKET", "qty": String(qty),
                ], market: market, now: now)
        }
    }

    // MARK: Views

    func unrealized(_ position: Position, last: Double) -> Double {
        (last - position.entryPrice) * position.qty * (position.side == "LONG" ? 1 : -1)
    }

    func orderJSON(_ order: Order, market: SymbolMarket?) -> JSONValue {
        let price = market?.price(order.price) ?? String(order.price)
        var fields: [String: JSONValue] = [
            "orderId": .string(order.id), "clientId": .from(order.clientId), "symbol": .string(order.symbol),
            "qty": .string(Amount.text(order.qty, 4)), "tradeQty": .string(Amount.text(order.filled, 4)),
            "price": .string(price), "side": .string(order.side), "tradeSide": .string(order.tradeSide),
            "positionMode": .string(positionMode), "marginMode": .string(order.marginMode),
            "leverage": .int(order.leverage), "orderType": .string(order.type), "effect": .string(order.effect),
            "reduceOnly": .bool(order.reduceOnly), "status": .string(order.status),
            "fee": .string(Amount.text(order.fee, 6)), "realizedPNL": .string(Amount.text(order.realizedPNL, 6)),
            "ctime": .int(Int(order.ctime)), "mtime": .int(Int(order.mtime)),
        ]
        for (key, value) in order.takeProfit { fields[key] = .string(value) }
        return .object(fields)
    }

    func positionJSON(_ position: Position, last: Double) -> JSONValue {
        .object([
            "positionId": .string(position.id), "symbol": .string(position.symbol),
            "qty": .string(Amount.text(position.qty, 4)),
            "entryValue": .string(Amount.text(position.entryPrice * position.qty, 4)),
            "avgOpenPrice": .string(String(position.entryPrice)), "side": .string(position.side),
            "positionMode": .string(positionMode), "marginMode": .string(position.marginMode),
            "leverage": .int(position.leverage), "fee": .string(Amount.text(position.fee, 6)), "funding": "0",
            "realizedPNL": .string(Amount.text(position.realizedPNL, 6)),
            "unrealizedPNL": .string(Amount.text(unrealized(position, last: last), 6)),
            "margin": .string(Amount.text(position.margin, 6)), "liqPrice": "0", "marginRate": "0",
            "ctime": .int(Int(position.ctime)), "mtime": .int(Int(position.mtime)),
        ])
    }

    func tpslJSON(_ item: TPSL) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(item.id), "orderId": .string(item.id), "positionId": .string(item.positionId),
            "symbol": .string(item.symbol), "status": .string(item.status), "ctime": .int(Int(item.ctime)),
        ]
        for (key, value) in item.fields { fields[key] = .string(value) }
        return .object(fields)
    }

    func accountJSON(coin: String, unrealized: Double) -> JSONValue {
        .object([
            "marginCoin": .string(coin), "available": .string(Amount.text(available, 4)),
            "frozen": .string(Amount.text(frozen, 4)), "margin": .string(Amount.text(positionMargin, 4)),
            "transfer": .string(Amount.text(available, 4)), "positionMode": .string(positionMode),
            "crossUnrealizedPNL": .string(Amount.text(unrealized, 4)), "isolationUnrealizedPNL": "0", "bonus": "0",
        ])
    }

    // MARK: Pushes and audit

    private mutating func pushOrder(_ order: Order, event: String, now: Int64) {
        var data: [String: JSONValue] = [
            "event": .string(event), "orderId": .string(order.id), "symbol": .string(order.symbol),
            "positionType": .string(order.marginMode == "ISOLATION" ? "ISOLATION" : "CROSS"),
            "positionMode": .string(positionMode), "side": .string(order.side), "tradeSide": .string(order.tradeSide),
            "effect": .string(order.effect), "type": .string(order.type), "qty": .string(Amount.text(order.qty, 4)),
            "price": .string(String(order.price)), "ctime": .string(String(order.ctime)),
            "mtime": .string(String(order.mtime)), "leverage": .string(String(order.leverage)),
            "orderStatus": .string(order.status), "fee": .string(Amount.text(order.fee, 6)),
            "averagePrice": .string(String(order.averagePrice)),
            "dealAmount": .string(Amount.text(order.filled, 4)), "clientId": .from(order.clientId),
            "reduceOnly": .bool(order.reduceOnly),
        ]
        for (key, value) in order.takeProfit { data[key] = .string(value) }
        pushes.append(PrivatePush(channel: "order", data: .object(data)))
    }

    private mutating func pushPosition(_ position: Position, event: String, now: Int64) {
        pushes.append(
            PrivatePush(
                channel: "position",
                data: .object([
                    "event": .string(event), "positionId": .string(position.id), "symbol": .string(position.symbol),
                    "marginMode": .string(position.marginMode), "positionMode": .string(positionMode),
                    "side": .string(position.side), "leverage": .string(String(position.leverage)),
                    "margin": .string(Amount.text(position.margin, 6)), "ctime": .string(String(position.ctime)),
                    "mtime": .string(String(position.mtime)), "qty": .string(Amount.text(position.qty, 4)),
                    "entryValue": .string(Amount.text(position.entryPrice * position.qty, 4)),
                    "realizedPNL": .string(Amount.text(position.realizedPNL, 6)), "unrealizedPNL": "0",
                    "funding": "0", "fee": .string(Amount.text(position.fee, 6)),
                ])))
    }

    private mutating func pushTPSL(_ item: TPSL, event: String, now: Int64) {
        guard case .object(var data) = tpslJSON(item) else { return }
        data["event"] = .string(event)
        data["positionMode"] = .string(positionMode)
        pushes.append(PrivatePush(channel: "tpsl", data: .object(data)))
    }

    mutating func pushBalance() {
        pushes.append(
            PrivatePush(
                channel: "balance",
                data: .object([
                    "coin": "USDT", "available": .string(Amount.text(available, 4)),
                    "frozen": .string(Amount.text(frozen, 4)), "isolationFrozen": "0",
                    "crossFrozen": .string(Amount.text(frozen, 4)), "margin": .string(Amount.text(positionMargin, 4)),
                    "isolationMargin": "0", "crossMargin": .string(Amount.text(positionMargin, 4)), "expMoney": "0",
                ])))
    }

    private mutating func record(
        _ event: String, _ order: Order, now: Int64, reason: String? = nil, price: Double? = nil
    ) {
        var fields: [String: JSONValue] = [
            "ts": .int(Int(now)), "event": .string(event), "orderId": .string(order.id),
            "clientId": .from(order.clientId), "symbol": .string(order.symbol), "side": .string(order.side),
            "tradeSide": .string(order.tradeSide), "type": .string(order.type), "effect": .string(order.effect),
            "price": .double(price ?? order.price), "qty": .double(order.qty), "status": .string(order.status),
        ]
        if let reason { fields["reason"] = .string(reason) }
        audit.append(.object(fields))
    }
}
