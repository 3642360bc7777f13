import Crypto
import Foundation

/// How hedgeops speaks of a secret without revealing it (SPEC §4.2).
public enum Secrets {
    /// Names that are treated as secret even if the checklist forgets to say so.
    public static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["SECRET", "KEY", "TOKEN", "PASSWORD", "PASSPHRASE"].contains { upper.contains($0) }
    }

    /// `set, 64 chars, sha256:1a2b3c4d`: enough to tell two values apart, never the value.
    public static func describe(_ value: String) -> String {
        "set, \(value.count) chars, sha256:\(String(sha256Hex(value).prefix(8)))"
    }

    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Replaces every occurrence of any secret value in `text` with a marker.
    /// Returns the text and whether anything was replaced.
    public static func redact(_ text: String, secrets: [String]) -> (text: String, redacted: Bool) {
        var result = text
        var changed = false
        // Longest first, so a secret containing another is replaced whole.
        for secret in secrets.filter({ $0.count >= 4 }).sorted(by: { $0.count > $1.count })
        where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: "[redacted]")
            changed = true
        }
        return (result, changed)
    }
}
