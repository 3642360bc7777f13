import Testing

@testable import HedgeOpsKit

struct TestnetGateTests {
    let gate = TestnetGate(
        policy: TestnetPolicy(
            flag: "BITUNIX_USE_TESTNET", allowHosts: ["127.0.0.1", "testnet.example"],
            liveHosts: ["fapi.bitunix.com", "openapi.bitunix.com"], liveDomains: ["bitunix.com"]),
        endpoints: [
            Endpoint(id: "rest", title: "REST", env: "BITUNIX_REST_URL", defaultURL: "https://fapi.bitunix.com"),
            Endpoint(id: "ws", title: "WS", env: "BITUNIX_WS_URL", defaultURL: "wss://fapi.bitunix.com/public/"),
        ])

    func environment(flag: String?, rest: String = "http://127.0.0.1:8080", ws: String = "ws://127.0.0.1:8080/ws")
        -> [String: String]
    {
        var env = ["BITUNIX_REST_URL": rest, "BITUNIX_WS_URL": ws]
        env["BITUNIX_USE_TESTNET"] = flag
        return env
    }

    @Test(arguments: ["true", "1", "yes", "on", "TRUE", "On"])
    func theExecutorsTrueValuesOpenTheGate(_ value: String) {
        #expect(gate.evaluate(environment: environment(flag: value)).allowed)
    }

    @Test(arguments: ["false", "0", "no", "off", "", "maybe", " true", "true\n"])
    func anythingElseKeepsItShut(_ value: String) {
        #expect(!gate.evaluate(environment: environment(flag: value)).allowed)
    }

    @Test func anUnsetFlagIsRefusedAlthoughTheExecutorWouldReadItAsTrue() {
        let decision = gate.evaluate(environment: environment(flag: nil))
        #expect(!decision.allowed)
        #expect(decision.refusals.first?.contains("hedgeops requires an explicit true") == true)
    }

    @Test func theLiveHostIsRefusedEvenWithTheFlagSet() {
        let decision = gate.evaluate(environment: environment(flag: "true", rest: "https://fapi.bitunix.com"))
        #expect(!decision.allowed)
        #expect(decision.liveHostRefused)
        #expect(decision.hosts["rest"] == "fapi.bitunix.com")
    }

    @Test func unsetURLsFallBackToTheExecutorsLiveDefault() {
        let decision = gate.evaluate(environment: ["BITUNIX_USE_TESTNET": "true"])
        #expect(decision.refusals.count == 2)
        #expect(decision.refusals.allSatisfy { $0.contains("not set, the executor's default") })
    }

    @Test(arguments: [
        "fapi.bitunix.com", "openapi.bitunix.com", "anything.bitunix.com", "bitunix.com", "FAPI.Bitunix.com",
    ])
    func everyLiveHostIsRefusedAsLive(_ host: String) {
        #expect(gate.refusal(forHost: host)?.contains("LIVE") == true)
    }

    @Test func anUnknownHostIsRefusedAsNotAllowed() {
        #expect(gate.refusal(forHost: "example.org")?.contains("not on the TESTNET allow-list") == true)
        #expect(gate.refusal(forHost: "testnet.example") == nil)
    }

    @Test func ipv6HostsLoseTheirBrackets() {
        #expect(TestnetGate.host(of: "http://[::1]:8080/x") == "::1")
        #expect(TestnetGate.host(of: "not a url") == nil)
    }
}
