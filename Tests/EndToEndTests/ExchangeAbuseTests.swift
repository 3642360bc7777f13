import Foundation
import HedgeOpsKit
import Testing

/// Hostile clients of `hedge-sim exchange`, the TESTNET the demo and the
/// recipe run against: a client that sends a byte a second, 500 clients at
/// once, huge headers and bodies, malformed JSON. Each gets an answer or is
/// cut off, others keep being served, and the exchange stays up.
@Suite(.serialized)
struct ExchangeAbuseTests {
    static func port(_ exchange: LocalExchange) throws -> UInt16 {
        try #require(URL(string: exchange.baseURL)?.port.flatMap(UInt16.init(exactly:)))
    }

    static let ticker =
        "GET /api/v1/futures/market/tickers?symbols=BTCUSDT HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

    /// A normal request, timed on a plain socket.
    static func served(_ port: UInt16, within seconds: Double = 2) throws -> Bool {
        let started = Date()
        let client = try RawClient(port: port)
        client.send(ticker)
        let answer = client.response(timeout: 5)
        return answer.hasPrefix("HTTP/1.1 200") && Date().timeIntervalSince(started) < seconds
    }

    @Test func aClientSendingAByteASecondDoesNotHoldUpOthers() throws {
        let exchange = try LocalExchange()
        let port = try Self.port(exchange)
        let slow = try RawClient(port: port)
        let request = Array(Self.ticker.utf8)
        for (index, byte) in request.prefix(5).enumerated() {
            slow.send(Data([byte]))
            // Meanwhile everyone else is served at once.
            #expect(try Self.served(port), "a normal request waited behind the slow client (byte \(index))")
            usleep(1_000_000)
        }
        #expect(exchange.process.isRunning)
    }

    @Test func fiveHundredClientsAtOnceAreAllAnswered() throws {
        let exchange = try LocalExchange()
        let port = try Self.port(exchange)
        let clients = try (0..<500).map { _ in try RawClient(port: port) }
        for client in clients { client.send(Self.ticker) }
        let answers = clients.map { $0.response(timeout: 10) }
        let ok = answers.filter { $0.hasPrefix("HTTP/1.1 200") }.count
        #expect(
            ok == 500, "\(ok) of 500 answered; first other: \(answers.first { !$0.hasPrefix("HTTP/1.1 200") } ?? "")")
        #expect(try Self.served(port))
    }

    @Test func hugeHeadersAndBodiesAreRefusedAndOthersServed() throws {
        let exchange = try LocalExchange()
        let port = try Self.port(exchange)
        let header = try RawClient(port: port)
        header.send(
            "GET /api/v1/futures/market/tickers HTTP/1.1\r\nHost: x\r\nX-Big: " + String(repeating: "a", count: 200_000)
                + "\r\n\r\n")
        let body = try RawClient(port: port)
        body.send(
            "POST /api/v1/futures/trade/place_order HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 50000000\r\n\r\n" + String(repeating: "{", count: 100_000))
        #expect(try Self.served(port))
        let headerAnswer = header.response(timeout: 5)
        let bodyAnswer = body.response(timeout: 5)
        #expect(!headerAnswer.hasPrefix("HTTP/1.1 200"), "a 200 KB header was accepted: \(headerAnswer.prefix(80))")
        #expect(!bodyAnswer.hasPrefix("HTTP/1.1 200"), "a 50 MB body was accepted: \(bodyAnswer.prefix(80))")
        #expect(exchange.process.isRunning)
    }

    @Test func malformedJSONGetsBitunixsErrorEnvelope() throws {
        let exchange = try LocalExchange()
        let port = try Self.port(exchange)
        for body in ["{", "[1,2", "{\"symbol\": }", "\u{0}\u{1}", String(repeating: "[", count: 10_000), "null"] {
            let client = try RawClient(port: port)
            let bytes = Data(body.utf8)
            client.send(
                "POST /api/v1/futures/trade/place_order HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(bytes.count)\r\nConnection: close\r\n\r\n")
            client.send(bytes)
            let answer = client.response(timeout: 5)
            #expect(answer.hasPrefix("HTTP/1.1 "), "no answer to \(body.prefix(20))")
            #expect(answer.contains("\"code\""), "\(answer.prefix(200))")
            #expect(!answer.contains("\"code\":0,"), "malformed JSON was accepted: \(answer.prefix(200))")
        }
        #expect(try Self.served(port))
        #expect(exchange.process.isRunning)
    }
}
