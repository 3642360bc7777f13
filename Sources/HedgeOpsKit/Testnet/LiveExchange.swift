/// What hedgeops knows of the live Bitunix exchange and of the executor that
/// trades on it, built in so that no checklist edit can switch the gate off.
///
/// A checklist may add live hosts and domains, never remove these; it may not
/// name another flag variable, because the executor reads this one.
public enum LiveExchange {
    /// Hosts of the live exchange.
    public static let hosts: Set<String> = ["fapi.bitunix.com", "openapi.bitunix.com"]
    /// Every host under these domains is the live exchange.
    public static let domains: Set<String> = ["bitunix.com"]

    /// The variable the executor reads to choose TESTNET; hedgeops requires
    /// it to be exactly `true` (the executor would also take 1, yes, on, and
    /// an unset flag).
    public static let flagVariable = "BITUNIX_USE_TESTNET"

    /// The executor's endpoint variables and what it falls back to when one is
    /// unset: the live host, with the flag set or not.
    public static let executorEndpoints: [Endpoint] = [
        Endpoint(
            id: "rest", title: "Executor REST base URL", env: "BITUNIX_REST_URL", defaultURL: "https://fapi.bitunix.com"
        ),
        Endpoint(
            id: "ws", title: "Executor WebSocket URL", env: "BITUNIX_WS_URL",
            defaultURL: "wss://fapi.bitunix.com/public/"),
    ]

    /// Whether `host` (normalised with ``HostName/normalize(_:)``) is the live
    /// exchange, given the checklist's additions.
    public static func isLive(_ host: String, extraHosts: [String] = [], extraDomains: [String] = []) -> Bool {
        let allHosts = hosts.union(extraHosts)
        let allDomains = domains.union(extraDomains)
        return allHosts.contains(host) || allDomains.contains { host == $0 || host.hasSuffix("." + $0) }
    }
}
