import Foundation

/// No run starts, and no network check connects, unless the flag is exactly
/// `true` *and* every place the run can reach is on the allow-list: the
/// executor's endpoints, every URL, host or proxy in its environment, and the
/// resolve overrides that decide where a name really goes.
///
/// The live exchange is built in (``LiveExchange``): a checklist can add live
/// hosts, never remove them or allow-list inside them.
public struct TestnetGate: Sendable {
    /// Why the gate refused, one reason each; empty when it lets the run through.
    public struct Decision: Sendable {
        public var refusals: [String]
        public var notes: [String]
        public var hosts: [String: String]
        /// A host is the live exchange: the message must explain why the flag is not enough.
        public var liveHostRefused = false
        /// The resolve overrides in force (journalled), as `host:port -> address`.
        public var resolveOverrides: [String] = []
        public var allowed: Bool { refusals.isEmpty }
    }

    public let policy: TestnetPolicy
    /// The checklist's endpoints, plus the executor's own endpoint variables
    /// the checklist left out (the executor reads them whatever it says).
    public let endpoints: [Endpoint]

    public init(policy: TestnetPolicy, endpoints: [Endpoint]) {
        self.policy = policy
        let declared = Set(endpoints.map(\.env))
        let ids = Set(endpoints.map(\.id))
        self.endpoints =
            endpoints
            + LiveExchange.executorEndpoints.filter { !declared.contains($0.env) }.map { builtIn in
                var endpoint = builtIn
                if ids.contains(endpoint.id) { endpoint.id = "executor-" + endpoint.id }
                return endpoint
            }
    }

    /// Judges the environment the executor will run with (the operator's,
    /// with the run parameters applied).
    public func evaluate(environment: [String: String], proxy: String? = nil) -> Decision {
        var decision = Decision(refusals: [], notes: [], hosts: [:])
        if let proxy, let reason = refusal(forURL: proxy.contains("://") ? proxy : "http://" + proxy) {
            decision.refusals.append("--proxy \(reason)")
        }
        checkFlag(environment[LiveExchange.flagVariable], into: &decision)
        for endpoint in endpoints {
            let fromEnv = environment[endpoint.env].flatMap { $0.isEmpty ? nil : $0 }
            let url = fromEnv ?? endpoint.defaultURL
            let source = fromEnv == nil ? "\(endpoint.env) not set, the executor's default" : endpoint.env
            let host: String
            switch HostName.host(ofURL: url) {
            case .success(let found): host = found
            case .failure(let problem):
                decision.refusals.append("\(endpoint.env) \(problem)")
                continue
            }
            decision.hosts[endpoint.id] = host
            if let reason = refusal(forHost: host) {
                decision.liveHostRefused = decision.liveHostRefused || isLive(host)
                decision.refusals.append("\(endpoint.id) host \(host) (\(source)): \(reason)")
            } else {
                decision.notes.append("\(endpoint.id) \(host) on allow-list")
            }
        }
        let skipping = Set(endpoints.map(\.env) + [LiveExchange.flagVariable, ResolveOverride.variable])
        let scan = ExecutorEnvironmentScan.refusals(
            environment, skipping: skipping, refusal: { refusal(forHost: $0) }, isLive: { isLive($0) })
        decision.refusals += scan.refusals
        decision.liveHostRefused = decision.liveHostRefused || scan.live
        checkResolveOverrides(environment, into: &decision)
        return decision
    }

    /// Why `host` may not be contacted, or nil when it is an allowed TESTNET host.
    /// Network checks ask this before any connection is attempted.
    public func refusal(forHost rawHost: String) -> String? {
        let host = HostName.normalize(rawHost)
        if isLive(host) { return "the LIVE Bitunix exchange, refused" }
        if !isAllowed(host) {
            return "not on the TESTNET allow-list (\(policy.allowHosts.joined(separator: ", ")))"
        }
        return nil
    }

    /// Why `url` may not be contacted, or nil when its host is allowed.
    public func refusal(forURL url: String) -> String? {
        switch HostName.host(ofURL: url) {
        case .failure(let problem): return "'\(url)' \(problem)"
        case .success(let host): return refusal(forHost: host).map { "\(host): \($0)" }
        }
    }

    /// The explanation owed whenever a live host is refused.
    public var liveExplanation: String {
        "\(LiveExchange.flagVariable)=true alone is not enough: Bitunix documents no public testnet, and the "
            + "executor falls back to the live host fapi.bitunix.com even with the flag set. Point the executor at "
            + "your TESTNET host and list that host in testnet.allow_hosts"
    }

    func isLive(_ host: String) -> Bool {
        LiveExchange.isLive(host, extraHosts: policy.liveHosts, extraDomains: policy.liveDomains)
    }

    func isAllowed(_ host: String) -> Bool {
        policy.allowHosts.contains { HostName.normalize($0) == host }
    }

    private func checkFlag(_ value: String?, into decision: inout Decision) {
        let flag = LiveExchange.flagVariable
        guard let value else {
            decision.refusals.append(
                "\(flag) is not set (the executor treats an unset flag as true; hedgeops requires an explicit true)")
            return
        }
        if value == "true" {
            decision.notes.append("\(flag)=true")
        } else if value != value.trimmingCharacters(in: .whitespacesAndNewlines) {
            decision.refusals.append("\(flag) has surrounding whitespace; set it to exactly true")
        } else {
            decision.refusals.append(
                "\(flag)='\(value.prefix(20))' is not exactly true (hedgeops accepts only the word true, in lower case)"
            )
        }
    }

    private func checkResolveOverrides(_ environment: [String: String], into decision: inout Decision) {
        let (overrides, unreadable) = ResolveOverride.parse(environment)
        for entry in unreadable {
            decision.refusals.append(
                "\(ResolveOverride.variable) entry '\(entry)' is not host:port:address; no override was applied")
        }
        for override in overrides {
            if isLive(override.host) {
                decision.liveHostRefused = true
                decision.refusals.append("\(ResolveOverride.variable) maps the LIVE host \(override.host)")
            } else if HostName.isLoopbackAddress(override.address) || isAllowed(override.address) {
                decision.resolveOverrides.append(override.summary)
                decision.notes.append("resolve override \(override.summary)")
            } else {
                decision.refusals.append(
                    "\(ResolveOverride.variable) sends \(override.host):\(override.port) to \(override.address), "
                        + "which is neither loopback nor on the TESTNET allow-list")
            }
        }
    }

    /// The host of a URL, normalised, when both URL parsers agree on it.
    public static func host(of url: String) -> String? {
        try? HostName.host(ofURL: url).get()
    }

    /// The gate as a checklist item's result.
    func finding(environment: [String: String], proxy: String?) -> Finding {
        let decision = evaluate(environment: environment, proxy: proxy)
        if decision.allowed {
            return .pass(decision.notes.joined(separator: "; "))
        }
        let endpointVars = endpoints.map(\.env).joined(separator: " / ")
        let why = decision.liveHostRefused ? ". " + liveExplanation : ""
        return .fail(
            "REFUSED: " + decision.refusals.joined(separator: "; ") + why,
            fix: "export \(LiveExchange.flagVariable)=true and point \(endpointVars) at a TESTNET host on "
                + "testnet.allow_hosts")
    }
}

/// The gate refused at the last moment, on the environment the executor was
/// about to get (a parameter set after the pre-flight, say): nothing launched.
public struct TestnetRefused: Error, CustomStringConvertible {
    public var decision: TestnetGate.Decision
    public var description: String {
        "TESTNET gate REFUSED at launch, nothing started: " + decision.refusals.joined(separator: "; ")
    }
}
