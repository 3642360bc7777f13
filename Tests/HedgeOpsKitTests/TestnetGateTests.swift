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

    @Test func onlyTheWordTrueOpensTheGate() {
        #expect(gate.evaluate(environment: environment(flag: "true")).allowed)
    }

    @Test(arguments: ["false", "0", "no", "off", "", "maybe", " true", "true\n", "1", "yes", "on", "TRUE", "On"])
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

    @Test func theBuiltInLiveExchangeCannotBeRemovedByTheChecklist() {
        let emptied = TestnetGate(
            policy: TestnetPolicy(
                flag: "BITUNIX_USE_TESTNET", allowHosts: ["127.0.0.1"], liveHosts: [], liveDomains: []),
            endpoints: [])
        #expect(emptied.refusal(forHost: "fapi.bitunix.com")?.contains("LIVE") == true)
        #expect(emptied.refusal(forHost: "x.bitunix.com.")?.contains("LIVE") == true)
    }

    @Test func theExecutorsEndpointsAreJudgedEvenWhenTheChecklistLeavesThemOut() {
        let bare = TestnetGate(policy: gate.policy, endpoints: [])
        var env = environment(flag: "true")
        env["BITUNIX_WS_URL"] = "wss://fapi.bitunix.com/public/"
        let decision = bare.evaluate(environment: env)
        #expect(!decision.allowed)
        #expect(decision.liveHostRefused)
        env["BITUNIX_WS_URL"] = nil
        #expect(bare.evaluate(environment: env).refusals.contains { $0.contains("BITUNIX_WS_URL not set") })
    }

    @Test(arguments: [
        "http://127.0.0.1@fapi.bitunix.com/", "HTTPS://FAPI.BITUNIX.COM/", "https://fapi.bitunix.com./",
        "https://fapi.bitunix.com../", "http://fapi%2ebitunix.com/",
        "https://\u{FF46}\u{FF41}\u{FF50}\u{FF49}.bitunix.com/",
        "https://fapi\u{3002}bitunix\u{3002}com/", "http://2130706433/", "http://0x7f.0.0.1/", "http://017700000001/",
        " http://127.0.0.1/", "http://127.0.0.1 /", "http://[::ffff:7f00:1]x/", "http://bitunıx.com/",
    ])
    func urlTricksNeverGetALiveOrAmbiguousHostThrough(_ url: String) {
        #expect(!gate.evaluate(environment: environment(flag: "true", rest: url)).allowed, "\(url)")
    }

    @Test(arguments: [
        "http://127.0.0.1:8080", "HTTP://127.0.0.1.:8080/x", "http://[::1]:8080", "http://TESTNET.example",
    ])
    func plainTestnetURLsPass(_ url: String) {
        var gate = self.gate
        gate = TestnetGate(
            policy: TestnetPolicy(
                flag: "BITUNIX_USE_TESTNET", allowHosts: ["127.0.0.1", "::1", "testnet.example"], liveHosts: [],
                liveDomains: []), endpoints: gate.endpoints)
        #expect(gate.evaluate(environment: environment(flag: "true", rest: url)).allowed, "\(url)")
    }

    @Test(arguments: [
        ("http_proxy", "http://192.0.2.2:18081"), ("HTTPS_PROXY", "192.0.2.2:3128"),
        ("all_proxy", "socks5h://192.0.2.2"),
        ("ALL_PROXY", "socks5://10.0.0.1:1080"), ("http_proxy", "http://fapi.bitunix.com:80"),
        ("wss_proxy", "http://proxy.example:8080"),
    ])
    func proxyVariablesAreRefusedUnlessTheProxyIsAllowListed(_ name: String, _ value: String) {
        var env = environment(flag: "true")
        env[name] = value
        let decision = gate.evaluate(environment: env)
        #expect(!decision.allowed)
        #expect(decision.refusals.contains { $0.contains(name) })
        #expect(!decision.refusals.joined().contains(value), "values are never printed")
        env[name] = "http://127.0.0.1:3128"
        #expect(gate.evaluate(environment: env).allowed)
        env["no_proxy"] = "fapi.example.org,10.0.0.0/8"
        #expect(gate.evaluate(environment: env).allowed, "no_proxy sends nothing anywhere")
    }

    @Test(arguments: [
        ("MY_FEED", "wss://fapi.bitunix.com/public/"), ("EXCHANGE_URLS", "http://127.0.0.1:1,https://evil.example/x"),
        ("ORDER_HOST", "evil.example"), ("BACKUP", "evil.example:443"), ("NOTE", "talks to FAPI.Bitunix.COM"),
        ("PEER", "192.0.2.2"), ("PEER6", "[2001:db8::1]:443"),
    ])
    func anyVariableNamingAnotherHostIsRefusedWhateverItIsCalled(_ name: String, _ value: String) {
        var env = environment(flag: "true")
        env[name] = value
        let decision = gate.evaluate(environment: env)
        #expect(!decision.allowed, "\(name)")
        #expect(decision.refusals.contains { $0.hasPrefix(name) }, "\(decision.refusals)")
    }

    @Test(arguments: [
        ("LANG", "C.UTF-8"), ("CONFIG_FILE", "settings.yaml"), ("PYTHON_VERSION", "3.11.7"),
        ("HOSTNAME", "box.corp.example"),
        ("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"), ("DOCS", "file:///usr/share/doc"),
        ("LOCAL_API", "http://localhost:9000"),
    ])
    func ordinaryVariablesAreLeftAlone(_ name: String, _ value: String) {
        var env = environment(flag: "true")
        env[name] = value
        let policy = TestnetPolicy(
            flag: "BITUNIX_USE_TESTNET", allowHosts: ["127.0.0.1", "localhost"], liveHosts: [], liveDomains: [])
        #expect(TestnetGate(policy: policy, endpoints: gate.endpoints).evaluate(environment: env).allowed, "\(name)")
    }

    @Test func resolveOverridesMayOnlyPointAtLoopbackOrAllowListedAddresses() {
        var env = environment(flag: "true")
        for bad in [
            "localhost:18081:192.0.2.2", "+localhost:443:192.0.2.2", "127.0.0.1:80:10.1.2.3", "x:1:[2001:db8::1]",
        ] {
            env["HEDGEOPS_RESOLVE"] = bad
            #expect(!gate.evaluate(environment: env).allowed, "\(bad)")
        }
        env["HEDGEOPS_RESOLVE"] = "fapi.bitunix.com:443:127.0.0.1"
        #expect(gate.evaluate(environment: env).liveHostRefused)
        env["HEDGEOPS_RESOLVE"] = "garbage"
        #expect(!gate.evaluate(environment: env).allowed)
        env["HEDGEOPS_RESOLVE"] = "localhost:18081:127.0.0.1,testnet.example:443:[::1],-old:80"
        let decision = gate.evaluate(environment: env)
        #expect(decision.allowed, "\(decision.refusals)")
        #expect(decision.resolveOverrides == ["localhost:18081 -> 127.0.0.1", "testnet.example:443 -> ::1"])
    }

    @Test func aNamedProxyMustBeAllowListed() {
        #expect(!gate.evaluate(environment: environment(flag: "true"), proxy: "http://192.0.2.2:3128").allowed)
        #expect(gate.evaluate(environment: environment(flag: "true"), proxy: "http://127.0.0.1:3128").allowed)
    }

    @Test func loopbackAddressesAreLiteralOnly() {
        #expect(HostName.isLoopbackAddress("127.0.0.1"))
        #expect(HostName.isLoopbackAddress("127.8.9.10"))
        #expect(HostName.isLoopbackAddress("[::1]"))
        #expect(HostName.isLoopbackAddress("::ffff:127.0.0.1"))
        #expect(!HostName.isLoopbackAddress("localhost"))
        #expect(!HostName.isLoopbackAddress("2130706433"))
        #expect(!HostName.isLoopbackAddress("192.0.2.2"))
    }

    @Test func hedgeopsOwnRequestsNeverReachTheLiveExchange() {
        for url in [
            "https://fapi.bitunix.com/hook", "https://hooks.bitunix.com./x", "http://127.0.0.1@openapi.bitunix.com/",
        ] {
            let outcome = HTTPClient.perform(HTTPRequest(method: "POST", url: url, connectTimeout: 1, timeout: 1))
            guard case .failure(let failure) = outcome else {
                Issue.record("\(url) was sent")
                continue
            }
            #expect(failure.kind == .refused, "\(url)")
        }
        let viaProxy = HTTPClient.perform(
            HTTPRequest(url: "http://127.0.0.1:1/", connectTimeout: 1, timeout: 1, proxy: "http://fapi.bitunix.com:80"))
        guard case .failure(let failure) = viaProxy else { return }
        #expect(failure.kind == .refused)
    }

    @Test func ipv6HostsLoseTheirBrackets() {
        #expect(TestnetGate.host(of: "http://[::1]:8080/x") == "::1")
        #expect(TestnetGate.host(of: "not a url") == nil)
    }
}
