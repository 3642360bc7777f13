import Foundation
import HedgeOpsKit
import Testing

/// hedgeops's own watch on the public stream, against `hedge-sim exchange`
/// on 127.0.0.1: the drops injected at the exchange are the drops it sees.
struct StreamWitnessTests {
    /// Waits up to `seconds` for `condition`.
    static func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    @Test func dropsInjectedAtTheExchangeAreSeenByTheWitness() throws {
        let exchange = try LocalExchange(["--tick-ms", "20"])
        var timing = StreamWitness.Timing()
        timing.gapThreshold = 0.3
        timing.backoff = 0.5
        let witness = StreamWitness(
            target: .init(url: exchange.wsURL + "/public/", symbol: "BTCUSDT", channel: "ticker"), timing: timing)
        witness.start()
        defer { witness.stop() }
        #expect(Self.eventually(10) { witness.figures(hour: 0).messages > 10 }, "\(witness.figures(hour: 0))")
        for drop in 1...2 {
            try exchange.control("/control/drop", #"{"channel":"public"}"#)
            #expect(
                Self.eventually(10) {
                    let seen = witness.figures(hour: 0)
                    return seen.reconnects == drop && seen.connected
                }, "drop \(drop): \(witness.figures(hour: 0))")
        }
        let before = witness.figures(hour: 0).messages
        #expect(Self.eventually(10) { witness.figures(hour: 0).messages > before }, "pushes again after the reconnect")
        let seen = witness.figures(hour: 1)
        #expect(seen.drops == 2 && seen.reconnects == 2, "\(seen)")
        #expect(try exchange.control("/control/state")["drops"] as? Int == 2)
        // Half a second down each time, above the 0.3 s threshold: two gaps.
        #expect(seen.gaps == 2 && seen.longestGapSeconds >= 0.3, "\(seen)")
        #expect(seen.messagesPerMinute > 0 && seen.hour == 1)
        #expect(seen.summary.contains("2 drops, 2 reconnects"), "\(seen.summary)")
    }

    @Test func aWitnessThatCannotConnectSaysWhyAndKeepsTrying() throws {
        var timing = StreamWitness.Timing()
        timing.backoff = 0.05
        timing.connectTimeout = 1
        // Port 9 on loopback: nothing listens.
        let witness = StreamWitness(
            target: .init(url: "ws://127.0.0.1:9/public/", symbol: "BTCUSDT", channel: "ticker"), timing: timing)
        witness.start()
        defer { witness.stop() }
        #expect(Self.eventually(5) { witness.figures(hour: 0).problem != nil })
        let seen = witness.figures(hour: 0)
        #expect(!seen.connected && seen.messages == 0 && seen.reconnects == 0, "\(seen)")
        #expect(seen.problem?.contains("cannot connect") == true, "\(seen)")
    }
}
