import Foundation

/// SPEC §4.1: no run starts, and no network check connects, unless the flag is
/// explicitly true *and* every host the run will use is on the allow-list.
public struct TestnetGate: Sendable {
    /// Why the gate refused, one reason each; empty when it lets the run through.
    public struct Decision: Sendable {
        public var refusals: [String]
        public var notes: [String]
        public var hosts: [String: String]
        /// A host is the live exchange: the message must explain why the flag is not enough.
        public var liveHostRefused = false
        public var allowed: Bool { refusals.isEmpty }
    }

    /// The values the executor itself reads as true (any case).
    public static let truthy: Set<String> = ["true", "1", "yes", "on"]

    public let policy: TestnetPolicy
    public let endpoints: [Endpoint]

    public init(policy: TestnetPolicy, endpoints: [Endpoint]) {
        self.policy = policy
        self.endpoints = endpoints
    }

    public func evaluate(environment: [String: String]) -> Decision {
        var decision = Decision(refusals: [], notes: [], hosts: [:])
        checkFlag(environment[policy.flag], into: &decision)
        for endpoint in endpoints {
            let fromEnv = environment[endpoint.env].flatMap { $0.isEmpty ? nil : $0 }
            let url = fromEnv ?? endpoint.defaultURL
            let source = fromEnv == nil ? "\(endpoint.env) not set, the executor's default" : endpoint.env
            guard let host = Self.host(of: url) else {
                decision.refusals.append("\(endpoint.env)='\(url)' is not a URL with a host")
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
        return decision
    }

    /// Why `host` may not be contacted, or nil when it is an allowed TESTNET host.
    /// Network checks ask this before any connection is attempted.
    public func refusal(forHost rawHost: String) -> String? {
        let host = rawHost.lowercased()
        let allowed = policy.allowHosts.contains(host)
        if isLive(host) && !allowed {
            return "the LIVE Bitunix exchange, refused"
        }
        if !allowed {
            return "not on the TESTNET allow-list (\(policy.allowHosts.joined(separator: ", ")))"
        }
        return nil
    }

    /// The explanation owed whenever a live host is refused (SPEC §4.1).
    public var liveExplanation: String {
        "\(policy.flag)=true alone is not enough: Bitunix documents no public testnet, and the executor falls "
            + "back to the live host fapi.bitunix.com even with the flag set. Point the executor at your TESTNET "
            + "host and list that host in testnet.allow_hosts"
    }

    private func isLive(_ host: String) -> Bool {
        policy.liveHosts.contains(host) || policy.liveDomains.contains { host == $0 || host.hasSuffix("." + $0) }
    }

    private func checkFlag(_ value: String?, into decision: inout Decision) {
        let flag = policy.flag
        guard let value else {
            decision.refusals.append(
                "\(flag) is not set (the executor treats an unset flag as true; hedgeops requires an explicit true)")
            return
        }
        if value != value.trimmingCharacters(in: .whitespacesAndNewlines) {
            decision.refusals.append("\(flag)='\(value)' has surrounding whitespace; set it to exactly true")
        } else if Self.truthy.contains(value.lowercased()) {
            decision.notes.append("\(flag)=\(value)")
        } else {
            decision.refusals.append("\(flag)='\(value)' does not read as true (true, 1, yes, on)")
        }
    }

    /// The host of a URL, lowercased, without IPv6 brackets.
    public static func host(of url: String) -> String? {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            return nil
        }
        return host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
    }

    /// The gate as a checklist item's result.
    func finding(environment: [String: String]) -> Finding {
        let decision = evaluate(environment: environment)
        if decision.allowed {
            return .pass(decision.notes.joined(separator: "; "))
        }
        let endpointVars = endpoints.map(\.env).joined(separator: " / ")
        let why = decision.liveHostRefused ? ". " + liveExplanation : ""
        return .fail(
            "REFUSED: " + decision.refusals.joined(separator: "; ") + why,
            fix: "export \(policy.flag)=true and point \(endpointVars) at a TESTNET host on testnet.allow_hosts")
    }
}
