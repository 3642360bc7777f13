import Foundation

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

extension LoopbackAddress {
    /// Why a server could not listen, said so an operator can act on it: a
    /// busy port names the address and the two ways out.
    static func bindFailure(host: String, port: UInt16, errno number: Int32) -> String {
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        if number == EADDRINUSE {
            return "address \(authority) already in use: stop what listens there "
                + "(`ss -ltnp 'sport = :\(port)'` names it) or choose another --port (0 picks a free one)"
        }
        return "cannot listen on \(authority): \(String(cString: strerror(number)))"
    }
}
