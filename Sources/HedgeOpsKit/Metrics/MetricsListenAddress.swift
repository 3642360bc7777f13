/// Where the run's metrics are served (`--metrics-listen`): a port alone is
/// loopback (`9464` is `127.0.0.1:9464`); any other address is served only
/// because the operator named it.
public struct MetricsListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// Parses `PORT`, `HOST:PORT` or `[IPV6]:PORT`; port 0 lets the system choose.
    public init(parsing text: String) throws(MetricsAddressError) {
        let fix = "give PORT, HOST:PORT or [IPV6]:PORT, for example 127.0.0.1:9464"
        var host = "127.0.0.1"
        var portText = text
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw MetricsAddressError("'\(text)': no port after the address; \(fix)") }
            portText = String(rest.dropFirst())
        } else if let colon = text.lastIndex(of: ":") {
            guard text.firstIndex(of: ":") == colon else {
                throw MetricsAddressError("'\(text)': write an IPv6 address in brackets; \(fix)")
            }
            host = String(text[..<colon])
            portText = String(text[text.index(after: colon)...])
        }
        guard !host.isEmpty else { throw MetricsAddressError("'\(text)': no address before the port; \(fix)") }
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw MetricsAddressError("'\(text)': the port must be a number from 0 to 65535; \(fix)")
        }
        self.host = host
        self.port = port
    }

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A `--metrics-listen` value that is not an address, or one that cannot be served.
public struct MetricsAddressError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
