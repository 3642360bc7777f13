import CCurl
import Foundation

/// Host names as the TESTNET gate compares them, and the host a URL really
/// names.
///
/// Two parsers read every URL, Foundation's and libcurl's (the one that
/// connects); when either cannot read it, or they name different hosts
/// (`http://2130706433/` is 127.0.0.1 to curl and a name to Foundation), the
/// URL is refused rather than guessed at.
public enum HostName {
    /// Lower case, compatibility-mapped (full-width letters and ideographic
    /// full stops become ASCII, as IDNA maps them before a lookup), without
    /// IPv6 brackets or trailing dots.
    public static func normalize(_ raw: String) -> String {
        var host: String
        if raw.utf8.allSatisfy({ $0 < 0x80 }) {
            // ASCII maps to itself: only the case changes (this runs on every variable the gate scans).
            host = raw.lowercased()
        } else {
            host = raw.precomposedStringWithCompatibilityMapping.lowercased()
            for dot in ["\u{3002}", "\u{FF0E}", "\u{FF61}"] { host = host.replacingOccurrences(of: dot, with: ".") }
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        while host.hasSuffix(".") { host.removeLast() }
        return host
    }

    /// Why a URL's host cannot be trusted, in words for the operator.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unreadable
        case noHost
        case parsersDisagree(String, String)
        case notASCII(String)

        public var description: String {
            switch self {
            case .unreadable: "is not a URL hedgeops can read a host from"
            case .noHost: "has no host"
            case .parsersDisagree(let one, let other):
                "names its host ambiguously ('\(one)' or '\(other)' depending on who reads it)"
            case .notASCII(let host):
                "names an internationalised host '\(host)': write its ASCII (xn--) form and allow-list that"
            }
        }
    }

    /// The normalised host `url` connects to, or why it cannot be told.
    public static func host(ofURL url: String) -> Result<String, Problem> {
        guard let components = URLComponents(string: url) else { return .failure(.unreadable) }
        guard let foundationHost = components.host, !foundationHost.isEmpty else {
            return .failure(components.scheme == nil ? .unreadable : .noHost)
        }
        guard let curlHost = curlHost(of: url) else { return .failure(.unreadable) }
        let one = normalize(foundationHost)
        let other = normalize(curlHost)
        guard one == other else { return .failure(.parsersDisagree(one, other)) }
        guard one.unicodeScalars.allSatisfy(\.isASCII) else { return .failure(.notASCII(one)) }
        return .success(one)
    }

    /// The host libcurl's own URL parser finds, percent-decoded.
    static func curlHost(of url: String) -> String? {
        guard let handle = curl_url() else { return nil }
        defer { curl_url_cleanup(handle) }
        // ws:// and wss:// are not built into Debian's libcurl; parse them anyway.
        guard curl_url_set(handle, CURLUPART_URL, url, UInt32(CURLU_NON_SUPPORT_SCHEME)) == CURLUE_OK else {
            return nil
        }
        var part: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, CURLUPART_HOST, &part, UInt32(CURLU_URLDECODE)) == CURLUE_OK, let part else {
            return nil
        }
        defer { curl_free(part) }
        return String(cString: part)
    }

    /// Whether `address` is a literal loopback address (127.0.0.0/8, ::1,
    /// or 127.x mapped into IPv6). Names and shorthand forms are not.
    public static func isLoopbackAddress(_ address: String) -> Bool {
        let bare = normalize(address)
        var v4 = in_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, bare, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }
        let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff
        return mapped && bytes[12] == 127
    }
}
