import Foundation
import HedgeOpsKit

/// The control endpoint, for a test or an operator mid-run: faults, drops,
/// a price to cross, the audit trail. Loopback only, as the whole server.
///
///     GET  /control/state                 faults, connections, prices, counts
///     POST /control/faults  {"answer_pings":false,"latency_ms":200,...}
///     POST /control/drop    {"channel":"public"|"private"}  (all without a body)
///     POST /control/price   {"symbol":"BTCUSDT","price":94000}
///     GET  /control/audit?limit=100       counts by event and the last events
extension SimulatedExchange {
    func control(_ request: Request) -> Response {
        let body =
            request.body.isEmpty
            ? [:] : (try? JSONSerialization.jsonObject(with: Data(request.body.utf8))) as? [String: Any]
        guard let body else { return controlAnswer(400, ["error": "the body must be a JSON object"]) }
        switch (request.method, request.path) {
        case ("GET", "/control/state"):
            return controlAnswer(200, state())
        case ("GET", "/control/audit"):
            let limit = request.query.first { $0.name == "limit" }.flatMap { Int($0.value) } ?? 100
            return controlAnswer(200, audit.summary(limit: limit))
        case ("POST", "/control/faults"):
            var plan = lock.withLock { faults }
            do {
                try plan.apply(body)
            } catch {
                return controlAnswer(400, ["error": .string(error.description)])
            }
            lock.withLock {
                faults = plan
                // A new drop_every counts from now, not from start.
                if body["drop_every"] != nil { lastScheduledDrop = elapsed }
            }
            audit.append(["event": "fault_set", "faults": lock.withLock { faults.json }])
            return controlAnswer(200, lock.withLock { faults.json })
        case ("POST", "/control/drop"):
            let channel = body["channel"] as? String
            guard channel == nil || Connection.Kind(rawValue: channel ?? "") != nil else {
                return controlAnswer(400, ["error": "channel must be public or private (or no body: both)"])
            }
            let dropped = dropAll(kind: channel.flatMap(Connection.Kind.init(rawValue:)))
            return controlAnswer(200, ["dropped": .int(dropped)])
        case ("POST", "/control/price"):
            guard let symbol = body["symbol"] as? String, let price = Amount.parse(body["price"]), price > 0 else {
                return controlAnswer(400, ["error": "give symbol and a price above 0"])
            }
            var deliveries: [(any PushTarget, String)] = []
            let known = lock.withLock { () -> Bool in
                guard markets[symbol] != nil else { return false }
                let now = nowMS()
                markets[symbol]?.set(price: price, now: now)
                if let market = markets[symbol] { ledger.matchAll(market: market, now: now) }
                deliveries = publicMessages(now: now) + privateMessages(now: now)
                return true
            }
            for (target, text) in deliveries { target.send(text) }
            return known
                ? controlAnswer(200, ["symbol": .string(symbol), "price": .double(price)])
                : controlAnswer(404, ["error": .string("unknown symbol '\(symbol)'")])
        default:
            return controlAnswer(
                404,
                [
                    "error":
                        "use GET /control/state, GET /control/audit, POST /control/faults, /control/drop, /control/price"
                ])
        }
    }

    private func state() -> JSONValue {
        lock.withLock {
            let open = connections.values
            return [
                "faults": faults.json, "elapsed_s": .double((elapsed * 10).rounded() / 10),
                "drops": .int(drops),
                "connections": [
                    "public": .int(open.filter { $0.kind == .public }.count),
                    "private": .int(open.filter { $0.kind == .private }.count),
                    "logged_in": .int(open.filter(\.loggedIn).count),
                ],
                "prices": .object(markets.mapValues { .double($0.last) }),
                "orders_open": .int(ledger.orders.count), "positions_open": .int(ledger.positions.count),
                "account": ledger.accountJSON(coin: "USDT", unrealized: 0),
            ]
        }
    }

    private func controlAnswer(_ status: Int, _ body: JSONValue) -> Response {
        Response(status: status, headers: ["Content-Type": "application/json"], body: body.serialized, code: 0)
    }
}
