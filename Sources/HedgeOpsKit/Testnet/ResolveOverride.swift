import Foundation

/// One entry of `HEDGEOPS_RESOLVE` (curl's `--resolve`: `host:port:address`,
/// entries separated by commas), for tests and split-horizon DNS.
///
/// An override decides where a connection really goes, whatever the URL
/// says, so the gate checks the address: only loopback or an allow-listed
/// address, and every override is journalled.
public struct ResolveOverride: Sendable, Equatable {
    public var host: String
    public var port: String
    public var address: String
    /// The text handed to libcurl.
    public var entry: String

    /// The variable hedgeops reads its overrides from.
    public static let variable = "HEDGEOPS_RESOLVE"

    /// The overrides in `environment`, or the entries that cannot be read.
    public static func parse(_ environment: [String: String]) -> (overrides: [ResolveOverride], unreadable: [String]) {
        var overrides: [ResolveOverride] = []
        var unreadable: [String] = []
        for raw in (environment[variable] ?? "").split(separator: ",").map(String.init) where !raw.isEmpty {
            var text = Substring(raw.trimmingCharacters(in: .whitespaces))
            // curl's "+" marks a timed entry; "-" removes one, which never sends anything elsewhere.
            if text.hasPrefix("-") { continue }
            if text.hasPrefix("+") { text = text.dropFirst() }
            let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, !parts[0].isEmpty, Int(parts[1]) != nil, !parts[2].isEmpty else {
                unreadable.append(raw)
                continue
            }
            overrides.append(
                ResolveOverride(
                    host: HostName.normalize(String(parts[0])), port: String(parts[1]),
                    address: HostName.normalize(String(parts[2])), entry: String(text)))
        }
        return (overrides, unreadable)
    }

    /// For the journal and the gate's notes: `host:port -> address`.
    public var summary: String { "\(host):\(port) -> \(address)" }
}
