import Foundation

/// Every variable of the executor's environment that could send it somewhere:
/// URLs, host names and proxies, whatever the checklist calls them.
///
/// The gate checks the endpoint variables it knows by name; this scan catches
/// the rest (a renamed endpoint variable, a proxy, a host in an unexpected
/// variable). Values are never printed: only the variable's name and the host.
enum ExecutorEnvironmentScan {
    /// Variables that name this machine or the user's display, not a place the
    /// executor connects to. A live host in them is still refused.
    static let ownHostVariables: Set<String> = ["HOSTNAME", "HOST", "DISPLAY", "NO_PROXY", "no_proxy"]

    /// Names that say a variable holds an address.
    private static let addressWords = ["HOST", "URL", "URI", "ENDPOINT", "ADDR", "SERVER", "DOMAIN", "API", "WS"]

    /// Proxy variables curl, Python's urllib, aiohttp and websockets read, in either case.
    static func isProxyVariable(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower.hasSuffix("_proxy") && lower != "no_proxy"
    }

    /// Refusals for `environment`, skipping variables the gate already checked.
    static func refusals(
        _ environment: [String: String], skipping: Set<String>, refusal: (String) -> String?,
        isLive: (String) -> Bool
    ) -> (refusals: [String], live: Bool) {
        var refusals: [String] = []
        var live = false
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where !skipping.contains(name) {
            if value.isEmpty { continue }
            if let mentioned = liveMention(in: value, isLive: isLive) {
                live = true
                refusals.append("\(name) names the LIVE Bitunix host \(mentioned)")
                continue
            }
            if isProxyVariable(name) {
                let url = value.contains("://") ? value : "http://" + value
                switch HostName.host(ofURL: url) {
                case .failure(let problem):
                    refusals.append("proxy variable \(name) \(problem): it would carry the executor's traffic")
                case .success(let host):
                    if let reason = refusal(host) {
                        refusals.append(
                            "proxy variable \(name) would carry the executor's traffic through \(host): \(reason)")
                    }
                }
                continue
            }
            for url in urls(in: value) {
                switch HostName.host(ofURL: url) {
                case .failure(.noHost): continue  // file:///path, unix:///socket
                case .failure(let problem): refusals.append("\(name) holds a URL that \(problem)")
                case .success(let host):
                    if let reason = refusal(host) { refusals.append("\(name) points at \(host): \(reason)") }
                }
            }
            if ownHostVariables.contains(name) { continue }
            let addressLike = addressWords.contains { name.uppercased().contains($0) }
            for token in tokens(of: value) where !token.contains("://") {
                guard let host = bareHost(token, addressLike: addressLike), let reason = refusal(host) else { continue }
                refusals.append("\(name) names the host \(host): \(reason)")
            }
        }
        return (refusals, live)
    }

    /// The live host or domain a value mentions anywhere, in any case or
    /// width, if any.
    static func liveMention(in value: String, isLive: (String) -> Bool) -> String? {
        let normalized = HostName.normalize(value)
        for word in normalized.components(separatedBy: notHostCharacters) where word.contains(".") {
            var labels = word.split(separator: ".").map(String.init)
            while labels.count >= 2 {
                let candidate = labels.joined(separator: ".")
                if isLive(candidate) { return candidate }
                labels.removeFirst()
            }
        }
        return nil
    }

    /// What splits a value into the words a host could be.
    private static let notHostCharacters = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-")).inverted

    /// A `scheme://…` anywhere in a value.
    private static let urlPattern = try? NSRegularExpression(pattern: #"[A-Za-z][A-Za-z0-9+.\-]*://[^\s,;'"<>]*"#)

    /// Every `scheme://…` in a value (a list of URLs counts too).
    static func urls(in value: String) -> [String] {
        guard value.contains("://") else { return [] }
        guard let regex = urlPattern else { return [] }
        let range = NSRange(value.startIndex..., in: value)
        return regex.matches(in: value, range: range).compactMap {
            Range($0.range, in: value).map { String(value[$0]) }
        }
    }

    private static func tokens(of value: String) -> [String] {
        value.components(separatedBy: CharacterSet(charactersIn: " \t\n,;")).filter { !$0.isEmpty }
    }

    /// The host a bare `host` or `host:port` token names, if it looks like
    /// one: an IP literal or a name with a port anywhere, and any dotted name
    /// in a variable whose name says it holds an address.
    static func bareHost(_ token: String, addressLike: Bool) -> String? {
        var host = token
        var hasPort = false
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let rest = host[host.index(after: close)...]
            hasPort = rest.hasPrefix(":") && Int(rest.dropFirst()) != nil
            guard rest.isEmpty || hasPort else { return nil }
            host = String(host[host.index(after: host.startIndex)..<close])
            return HostName.normalize(host)
        }
        if let colon = host.lastIndex(of: ":"), host.filter({ $0 == ":" }).count == 1,
            Int(host[host.index(after: colon)...]) != nil
        {
            hasPort = true
            host = String(host[..<colon])
        }
        let normalized = HostName.normalize(host)
        var v4 = in_addr()
        if inet_pton(AF_INET, normalized, &v4) == 1 { return normalized }
        let labels = normalized.split(separator: ".", omittingEmptySubsequences: false)
        let nameCharacters = CharacterSet.lowercaseLetters.union(.decimalDigits).union(CharacterSet(charactersIn: "-"))
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }),
            normalized.unicodeScalars.allSatisfy({ nameCharacters.contains($0) || $0 == "." }),
            let last = labels.last, last.count >= 2, last.allSatisfy(\.isLetter)
        else { return nil }
        return hasPort || addressLike ? normalized : nil
    }
}
