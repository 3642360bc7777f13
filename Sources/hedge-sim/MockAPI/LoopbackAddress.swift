/// Loopback only: the mock is a TESTNET stand-in and must never be reachable
/// from the network.
enum LoopbackAddress {
    /// The address to bind, or nil when `host` is not loopback.
    static func resolve(_ host: String) -> String? {
        if host == "localhost" { return "127.0.0.1" }
        if host == "::1" || host == "[::1]" { return "::1" }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        let octets = parts.compactMap { Int($0) }.filter { (0...255).contains($0) }
        guard parts.count == 4, octets.count == 4, octets[0] == 127 else { return nil }
        return host
    }
}
