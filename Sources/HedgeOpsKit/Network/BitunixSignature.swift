import Crypto
import Foundation

/// Bitunix's request signature: two rounds of plain SHA-256, not
/// HMAC. hedgeops signs its credential check with it; the mock TESTNET API
/// verifies with the same code.
public enum BitunixSignature {
    /// Query parameters sorted by key, joined as key+value with no separators.
    public static func queryString(_ parameters: [String: String]) -> String {
        parameters.sorted { $0.key < $1.key }.map { $0.key + $0.value }.joined()
    }

    /// `sha256_hex(nonce + timestamp + apiKey + queryString + body)`.
    public static func digest(nonce: String, timestamp: String, apiKey: String, queryString: String, body: String)
        -> String
    {
        sha256Hex(nonce + timestamp + apiKey + queryString + body)
    }

    /// `sha256_hex(digest + secretKey)`.
    public static func sign(
        nonce: String, timestamp: String, apiKey: String, secretKey: String, queryString: String, body: String
    ) -> String {
        let digest = digest(nonce: nonce, timestamp: timestamp, apiKey: apiKey, queryString: queryString, body: body)
        return sha256Hex(digest + secretKey)
    }

    /// 32 random alphanumeric characters, as Bitunix expects for `nonce`.
    public static func makeNonce() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<32).map { _ in alphabet.randomElement() ?? "a" })
    }

    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The header hedge-sim's mock API sends with every answer: the pre-flight
/// names a mock as a mock in the TESTNET evidence a reviewer reads.
public enum MockServerHeader {
    public static let name = "X-Hedgeops-Mock"
    public static let value = "hedge-sim mock TESTNET API"
}
