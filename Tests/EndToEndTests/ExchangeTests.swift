import Foundation
import HedgeOpsKit
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `hedge-sim exchange` over real sockets on 127.0.0.1, driven by a Python
/// client written from Bitunix's public API documentation with the
/// `websockets` package from PyPI.
struct ExchangeTests {
    @Test func aPythonClientTradesInHedgeModeAndFollowsBothWebSockets() throws {
        let exchange = try LocalExchange(["--tick-ms", "50", "--audit", "audit.jsonl"])
        let run = try WebSocketsVenv.runScript(
            Self.client, arguments: [exchange.baseURL, LocalExchange.apiKey, LocalExchange.apiSecret],
            in: exchange.workspace)
        try #require(run.status == 0, "\(run.stderr.suffix(2000))\n\(exchange.accessLog.suffix(1000))")
        let seen = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
        #expect(seen["tickers"] as? Int == 0)
        #expect(seen["positionMode"] as? String == "HEDGE")
        #expect(seen["login"] as? Bool == true)
        #expect(seen["ticker_fields"] as? [String] == ["b", "h", "l", "la", "o", "q", "r"])
        #expect(seen["book_levels"] as? [Int] == [1, 1])
        #expect(seen["pong_echo"] as? Bool == true, "pong must echo the client's ping")
        #expect(seen["place_code"] as? Int == 0)
        let push = seen["order_push"] as? [Any] ?? []
        #expect(push.count == 3 && push[0] as? String == "CREATE" && push[1] as? String == "NEW", "\(push)")
        #expect(push.count == 3 && push[2] as? Bool == true, "the push names the order placed")
        #expect((seen["frozen_after_place"] as? Double ?? 0) > 0, "an open order freezes margin")
        #expect(seen["post_only"] as? String == "CANCELED", "a crossing post-only order is cancelled")
        #expect(seen["reduce_only_code"] as? Int == 30018)
        #expect(seen["filled_at"] as? Bool == true, "a resting limit fills at its price once crossed")
        #expect(seen["position_push"] as? [String] == ["OPEN", "LONG", "0.0100"])
        #expect(seen["hedge_sides"] as? [String] == ["LONG", "SHORT"], "HEDGE keeps a long and a short apart")
        #expect(seen["realized"] as? Bool == true)
        #expect(seen["balance_moved"] as? Bool == true)
        #expect(seen["close_codes"] as? [Int] == [1006, 1006], "a drop closes without a close frame")
        #expect(seen["reconnects"] as? Int == 2)
        #expect(seen["silent_ping"] as? Bool == true)
        #expect(seen["pong_again"] as? Bool == true)
        #expect(seen["no_fill_fills"] as? Int == 0, "re-priced 0.05 % away, the entry never fills")
        #expect(seen["no_fill_status"] as? String == "NEW")
        // The audit trail saw what the client did, in memory and on disk.
        let counts = try #require(seen["audit"] as? [String: Int])
        #expect(counts["placed"] == 5 && counts["filled"] == 3 && counts["rejected"] == 1, "\(counts)")
        #expect(counts["ws_drop"] == 2 && counts["ws_login"] == 3, "\(counts)")
        let lines = try String(contentsOfFile: exchange.workspace.path + "/audit.jsonl", encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.filter { $0.contains(#""event":"placed""#) }.count == 5)
        #expect(lines.filter { $0.contains(#""event":"modified""#) }.count == 12)
    }

    @Test func restFaultsComeFromFlagsAndTheControlEndpoint() throws {
        let exchange = try LocalExchange(["--clock-skew-ms", "7000", "--maintenance", "1h-2h"])
        let tickers = exchange.baseURL + "/api/v1/futures/market/tickers?symbols=BTCUSDT"
        func get(_ url: String) throws -> (status: Int, code: Int?, seconds: Double, date: Date?) {
            let started = Date()
            let (data, response) = try LocalExchange.fetch(URLRequest(url: URL(string: url)!))
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            let date = response.value(forHTTPHeaderField: "Date").flatMap { formatter.date(from: $0) }
            return (response.statusCode, json?["code"] as? Int, Date().timeIntervalSince(started), date)
        }
        let first = try get(tickers)
        #expect(first.status == 200 && first.code == 0)
        let skew = try #require(first.date).timeIntervalSinceNow
        // The Date header has whole seconds: it can read up to 1 s less.
        #expect((5...8.5).contains(skew), "the Date header carries the 7 s skew, got \(skew)")
        // Unsigned and badly signed private calls.
        #expect(try get(exchange.baseURL + "/api/v1/futures/account?marginCoin=USDT").code == 10003)
        var bad = URLRequest(url: URL(string: exchange.baseURL + "/api/v1/futures/account?marginCoin=USDT")!)
        for (name, value) in [("api-key", LocalExchange.apiKey), ("nonce", "n"), ("timestamp", "1"), ("sign", "x")] {
            bad.setValue(value, forHTTPHeaderField: name)
        }
        let badAnswer = try JSONSerialization.jsonObject(with: LocalExchange.fetch(bad).data) as? [String: Any]
        #expect(badAnswer?["code"] as? Int == 10007)

        try exchange.control("/control/faults", #"{"latency_ms": 300}"#)
        #expect(try get(tickers).seconds >= 0.3)
        try exchange.control("/control/faults", #"{"latency_ms": 0, "fail_rate": 1}"#)
        #expect(try get(tickers).status == 500)
        try exchange.control("/control/faults", #"{"fail_rate": 0, "rate_limit": 2}"#)
        let answers = try (0..<4).map { _ in try get(tickers) }
        #expect(answers.contains { $0.status == 429 && $0.code == 10006 }, "\(answers.map(\.status))")
        try exchange.control("/control/faults", #"{"rate_limit": null, "maintenance": "0s-1h"}"#)
        let maintenance = try get(tickers)
        #expect(maintenance.status == 503 && maintenance.code == 10001)
        let refused = try exchange.control("/control/faults", #"{"no_such_fault": 1}"#)
        #expect((refused["error"] as? String)?.contains("unknown fault 'no_such_fault'") == true)
        let state = try exchange.control("/control/state")
        let faults = try #require(state["faults"] as? [String: Any])
        #expect(faults["maintenance"] as? [Double] == [0, 3600] && faults["clock_skew_ms"] as? Int == 7000)
    }

    @Test func aRecordedTapeIsReplayedAndBadInputIsRefused() throws {
        let tape = "time,price,size\n1,95000,0.1\n2,95100.5,0.2\n3,94900.5,0.3\n"
        let exchange = try LocalExchange(["--tick-ms", "20", "--tape", "tape.csv"], files: ["tape.csv": tape])
        Thread.sleep(forTimeInterval: 0.3)
        let prices = try #require(try exchange.control("/control/state")["prices"] as? [String: Double])
        #expect([95000, 95100.5, 94900.5].contains(prices["BTCUSDT"] ?? 0), "\(prices)")
        let (data, _) = try LocalExchange.fetch(
            URLRequest(url: URL(string: exchange.baseURL + "/api/v1/futures/market/tickers?symbols=BTCUSDT")!))
        let ticker = try #require(
            ((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["data"] as? [[String: Any]])?.first)
        #expect(ticker["high"] as? String == "95100.5" && ticker["low"] as? String == "94900.5", "\(ticker)")

        let workspace = try Workspace()
        let bind = try LocalExchange.refusal(["exchange", "--host", "0.0.0.0"], in: workspace)
        #expect(bind.status == 2 && bind.stderr.contains("loopback only"), "\(bind.stderr)")
        try workspace.write("bad.csv", "time,price,size\n1,95000,0.1\n2,abc,0.2\n")
        let bad = try LocalExchange.refusal(["exchange", "--tape", "bad.csv"], in: workspace)
        #expect(bad.status == 2 && bad.stderr.contains("bad.csv:3: expected time,price,size"), "\(bad.stderr)")
        let fault = try LocalExchange.refusal(["exchange", "--drop-every", "soon"], in: workspace)
        #expect(fault.status == 2 && fault.stderr.contains("drop-every must be a duration"), "\(fault.stderr)")
    }

    /// The client: Bitunix's REST signing, its WebSocket op messages, one
    /// scenario from an order to a drop; prints what it saw as JSON.
    static let client = #"""
        """A Bitunix futures client written from the public API documentation:
        REST signed with nonce/timestamp/sign, the public and private WebSockets
        with op messages. Drives the local exchange through one scenario and prints
        what it saw as JSON."""
        import asyncio, hashlib, json, random, string, sys, time, urllib.request
        import websockets

        BASE, KEY, SECRET = sys.argv[1], sys.argv[2], sys.argv[3]
        WS = BASE.replace("http://", "ws://")
        seen = {}

        def sha(text): return hashlib.sha256(text.encode()).hexdigest()
        def nonce(): return "".join(random.choices(string.ascii_letters + string.digits, k=32))

        def rest(method, path, params=None, body=None, signed=True):
            params = params or {}
            query = "&".join(f"{k}={v}" for k, v in params.items())
            raw = json.dumps(body, separators=(",", ":")) if body is not None else ""
            headers = {"Content-Type": "application/json"}
            if signed:
                n, ts = nonce(), str(int(time.time() * 1000))
                qp = "".join(f"{k}{v}" for k, v in sorted(params.items()))
                headers.update({"api-key": KEY, "nonce": n, "timestamp": ts,
                                "sign": sha(sha(n + ts + KEY + qp + raw) + SECRET)})
            url = BASE + path + ("?" + query if query else "")
            req = urllib.request.Request(url, data=raw.encode() if body is not None else None, headers=headers, method=method)
            with urllib.request.urlopen(req, timeout=10) as r:
                return json.loads(r.read())

        def control(path, body=None):
            req = urllib.request.Request(BASE + path, data=json.dumps(body).encode() if body is not None else None,
                                         method="POST" if body is not None else "GET")
            with urllib.request.urlopen(req, timeout=10) as r:
                return json.loads(r.read())

        def login_message():
            n, ts = nonce(), str(int(time.time()))
            return json.dumps({"op": "login", "args": [{"apiKey": KEY, "timestamp": int(ts), "nonce": n,
                                                        "sign": sha(sha(n + ts + KEY) + SECRET)}]})

        async def next_where(ws, pred, timeout=5):
            deadline = time.monotonic() + timeout
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), deadline - time.monotonic()))
                if pred(msg): return msg

        # max_queue=None: a full queue stops reading, and close() then waits out its timeout.
        async def open_public():
            ws = await websockets.connect(WS + "/public/", ping_interval=None, max_queue=None)
            await next_where(ws, lambda m: m.get("op") == "connect")
            await ws.send(json.dumps({"op": "subscribe", "args": [{"symbol": "BTCUSDT", "ch": "ticker"},
                                                                 {"symbol": "BTCUSDT", "ch": "depth_book1"}]}))
            return ws

        async def open_private():
            ws = await websockets.connect(WS + "/private/", ping_interval=None, max_queue=None)
            await next_where(ws, lambda m: m.get("op") == "connect")
            await ws.send(login_message())
            ack = await next_where(ws, lambda m: m.get("op") == "login")
            seen["login"] = ack["data"]["result"]
            await ws.send(json.dumps({"op": "subscribe", "args": [{"ch": "balance"}, {"ch": "position"}, {"ch": "order"}]}))
            await next_where(ws, lambda m: m.get("op") == "subscribe")
            return ws

        async def main():
            seen["tickers"] = rest("GET", "/api/v1/futures/market/tickers", {"symbols": "BTCUSDT"}, signed=False)["code"]
            account = rest("GET", "/api/v1/futures/account", {"marginCoin": "USDT"})
            seen["positionMode"] = account["data"]["positionMode"]
            start_balance = float(account["data"]["available"])
            pub, priv = await open_public(), await open_private()
            tick = await next_where(pub, lambda m: m.get("ch") == "ticker")
            seen["ticker_fields"] = sorted(tick["data"].keys())
            book = await next_where(pub, lambda m: m.get("ch") == "depth_book1")
            seen["book_levels"] = [len(book["data"]["b"]), len(book["data"]["a"])]
            await pub.send(json.dumps({"op": "ping", "ping": 1732519687}))
            pong = await next_where(pub, lambda m: m.get("op") == "ping")
            seen["pong_echo"] = pong.get("pong") == 1732519687 and isinstance(pong.get("ping"), int)

            last = float(tick["data"]["la"])
            limit = round(last * 0.98, 1)
            placed = rest("POST", "/api/v1/futures/trade/place_order", body={
                "symbol": "BTCUSDT", "qty": "0.01", "price": str(limit), "side": "BUY", "tradeSide": "OPEN",
                "orderType": "LIMIT", "effect": "GTC", "clientId": "t-1"})
            seen["place_code"] = placed["code"]
            order_id = placed["data"]["orderId"]
            created = await next_where(priv, lambda m: m.get("ch") == "order")
            seen["order_push"] = [created["data"]["event"], created["data"]["orderStatus"], created["data"]["orderId"] == order_id]
            balance = await next_where(priv, lambda m: m.get("ch") == "balance")
            seen["frozen_after_place"] = float(balance["data"]["frozen"])
            # A post-only order that would take liquidity is cancelled, never filled.
            post = rest("POST", "/api/v1/futures/trade/place_order", body={
                "symbol": "BTCUSDT", "qty": "0.01", "price": str(round(last * 1.02, 1)), "side": "BUY", "tradeSide": "OPEN",
                "orderType": "LIMIT", "effect": "POST_ONLY"})
            closed = await next_where(priv, lambda m: m.get("ch") == "order" and m["data"]["orderId"] == post["data"]["orderId"]
                                      and m["data"]["event"] == "CLOSE")
            seen["post_only"] = closed["data"]["orderStatus"]
            # Reduce-only without a position is refused.
            seen["reduce_only_code"] = rest("POST", "/api/v1/futures/trade/place_order", body={
                "symbol": "BTCUSDT", "qty": "0.01", "side": "SELL", "tradeSide": "CLOSE", "orderType": "MARKET",
                "reduceOnly": True})["code"]

            control("/control/price", {"symbol": "BTCUSDT", "price": limit - 10})
            filled = await next_where(priv, lambda m: m.get("ch") == "order" and m["data"]["orderId"] == order_id
                                      and m["data"]["orderStatus"] == "FILLED")
            seen["filled_at"] = float(filled["data"]["averagePrice"]) == limit
            position = await next_where(priv, lambda m: m.get("ch") == "position")
            seen["position_push"] = [position["data"]["event"], position["data"]["side"], position["data"]["qty"]]
            pending = rest("GET", "/api/v1/futures/position/get_pending_positions", {"symbol": "BTCUSDT"})
            pid = next(p["positionId"] for p in pending["data"] if p["side"] == "LONG")
            # HEDGE: a short beside the long, then the long closed at the market for a profit.
            rest("POST", "/api/v1/futures/trade/place_order", body={
                "symbol": "BTCUSDT", "qty": "0.02", "side": "SELL", "tradeSide": "OPEN", "orderType": "MARKET"})
            control("/control/price", {"symbol": "BTCUSDT", "price": limit + 500})
            sides = sorted(p["side"] for p in rest("GET", "/api/v1/futures/position/get_pending_positions")["data"])
            seen["hedge_sides"] = sides
            rest("POST", "/api/v1/futures/trade/place_order", body={
                "symbol": "BTCUSDT", "qty": "0.01", "side": "BUY", "tradeSide": "CLOSE", "positionId": pid,
                "orderType": "MARKET"})
            gone = await next_where(priv, lambda m: m.get("ch") == "position" and m["data"]["positionId"] == pid
                                    and m["data"]["event"] == "CLOSE")
            seen["realized"] = float(gone["data"]["realizedPNL"]) > 0
            after = rest("GET", "/api/v1/futures/account", {"marginCoin": "USDT"})["data"]
            seen["balance_moved"] = float(after["available"]) != start_balance

            # Injected drops: both sockets close without a close frame; reconnect and resubscribe.
            reconnects = 0
            for _ in range(2):
                control("/control/drop", {})
                for ws in (pub, priv):
                    try:
                        await asyncio.wait_for(ws.wait_closed(), 5)
                    except asyncio.TimeoutError:
                        pass
                seen.setdefault("close_codes", []).append(pub.close_code)
                pub, priv = await open_public(), await open_private()
                reconnects += 1
                await next_where(pub, lambda m: m.get("ch") == "ticker")
            seen["reconnects"] = reconnects

            # Pings left unanswered on demand, answered again after.
            control("/control/faults", {"answer_pings": False})
            await pub.send(json.dumps({"op": "ping", "ping": 1}))
            try:
                await next_where(pub, lambda m: m.get("op") == "ping", timeout=1)
                seen["silent_ping"] = False
            except asyncio.TimeoutError:
                seen["silent_ping"] = True
            control("/control/faults", {"answer_pings": True})
            await pub.send(json.dumps({"op": "ping", "ping": 2}))
            seen["pong_again"] = (await next_where(pub, lambda m: m.get("op") == "ping"))["pong"] == 2

            # The load test's mode: a post-only buy 0.05 % under the price, re-priced
            # every quarter second, never fills on the default price path.
            fills_before = control("/control/audit?limit=0")["counts"].get("filled", 0)
            last = float((await next_where(pub, lambda m: m.get("ch") == "ticker"))["data"]["la"])
            entry = rest("POST", "/api/v1/futures/trade/place_order", body={
                "symbol": "BTCUSDT", "qty": "0.001", "price": str(round(last * 0.9995, 1)), "side": "BUY",
                "tradeSide": "OPEN", "orderType": "LIMIT", "effect": "POST_ONLY"})["data"]["orderId"]
            for _ in range(12):
                await asyncio.sleep(0.25)
                last = float((await next_where(pub, lambda m: m.get("ch") == "ticker"))["data"]["la"])
                rest("POST", "/api/v1/futures/trade/modify_order", body={
                    "orderId": entry, "qty": "0.001", "price": str(round(last * 0.9995, 1))})
            seen["no_fill_fills"] = control("/control/audit?limit=0")["counts"].get("filled", 0) - fills_before
            seen["no_fill_status"] = rest("GET", "/api/v1/futures/trade/get_order_detail", {"orderId": entry})["data"]["status"]
            audit = control("/control/audit?limit=5")["counts"]
            seen["audit"] = audit
            await pub.close(); await priv.close()
            print(json.dumps(seen, sort_keys=True))

        asyncio.run(main())
        """#
}
