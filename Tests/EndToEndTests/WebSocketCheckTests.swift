import Foundation
import HedgeOpsKit
import Testing

/// verify-env's `websocket` item against `hedge-sim exchange` on 127.0.0.1:
/// a push on the symbol's ticker, a ping's round trip, the private login.
struct WebSocketCheckTests {
    func verify(_ exchange: LocalExchange, secret: String = LocalExchange.apiSecret, wsURL: String? = nil) throws
        -> (items: [String: [String: Any]], exit: Int32)
    {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        var env = RunTests.environment
        env["BITUNIX_API_KEY"] = LocalExchange.apiKey
        env["BITUNIX_API_SECRET"] = secret
        env["BITUNIX_REST_URL"] = exchange.baseURL
        env["BITUNIX_WS_URL"] = wsURL ?? exchange.wsURL + "/public/"
        let checklist = try NetworkCheckTests.quickChecklist(workspace)
        let result = try Binary.run(
            ["verify-env", "--json", "--checklist", checklist], environment: env, in: workspace.path)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let items = document["items"] as? [[String: Any]] ?? []
        return (
            Dictionary(uniqueKeysWithValues: items.compactMap { item in (item["id"] as? String).map { ($0, item) } }),
            result.exitCode
        )
    }

    @Test func thePreflightSeesAPushAPongAndALogin() throws {
        let exchange = try LocalExchange(["--tick-ms", "50"])
        let (items, exit) = try verify(exchange)
        let item = try #require(items["testnet-websocket"])
        let detail = item["detail"] as? String ?? ""
        #expect(item["status"] as? String == "pass", "\(item)")
        #expect(detail.contains("ticker BTCUSDT push in") && detail.contains("ping/pong"), "\(detail)")
        #expect(detail.contains("private login accepted"), "\(detail)")
        #expect(exit == 0, "\(items.filter { $0.value["status"] as? String != "pass" })")
        let audit = try exchange.control("/control/audit?limit=0")["counts"] as? [String: Int] ?? [:]
        #expect(audit["ws_connected"] == 2 && audit["ws_login"] == 1, "\(audit)")
    }

    @Test func aWrongSecretFailsTheLoginWithItsCode() throws {
        let exchange = try LocalExchange(["--tick-ms", "50"])
        let item = try #require(try verify(exchange, secret: "not-the-secret").items["testnet-websocket"])
        #expect(item["status"] as? String == "fail")
        #expect((item["detail"] as? String ?? "").contains("login refused, code 10007"), "\(item)")
        #expect(!(item["detail"] as? String ?? "").contains("not-the-secret"))
    }

    @Test func unansweredPingsAndAWrongPathFail() throws {
        let silent = try LocalExchange(["--tick-ms", "50", "--no-pong"])
        let pong = try #require(try verify(silent).items["testnet-websocket"])
        #expect(pong["status"] as? String == "fail")
        #expect((pong["detail"] as? String ?? "").contains("no pong to a ping within 1 s"), "\(pong)")

        let exchange = try LocalExchange(["--tick-ms", "50"])
        let path = try #require(try verify(exchange, wsURL: exchange.wsURL + "/nowhere/").items["testnet-websocket"])
        #expect(path["status"] as? String == "fail")
        #expect((path["detail"] as? String ?? "").contains("HTTP 404 instead of a WebSocket upgrade"), "\(path)")
    }

    @Test func aLiveWebSocketHostIsRefusedBeforeAnyConnection() throws {
        let exchange = try LocalExchange()
        let (items, exit) = try verify(exchange, wsURL: "wss://fapi.bitunix.com/public/")
        #expect(exit == 3)
        let item = try #require(items["testnet-websocket"])
        #expect(item["status"] as? String == "skip", "\(item)")
        #expect((item["detail"] as? String ?? "").contains("no connection attempted"), "\(item)")
        #expect(!exchange.accessLog.contains("(WebSocket) ->"), "no socket was opened")
    }
}
