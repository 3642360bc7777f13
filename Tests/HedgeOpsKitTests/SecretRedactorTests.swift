import Foundation
import Testing

@testable import HedgeOpsKit

/// Every form of a secret is found and replaced, and ordinary text is left alone.
struct SecretRedactorTests {
    static let secret = "Zk9/q+Tr w&x=1~y?abcDEF0123456789"
    let redactor = SecretRedactor(secrets: [.init(name: "BITUNIX_API_SECRET", value: Self.secret)])

    func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    func expectRedacted(_ text: String, _ form: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let redacted = redactor.redact(text)
        #expect(
            redacted.contains("[redacted BITUNIX_API_SECRET]"), "\(form): \(redacted)", sourceLocation: sourceLocation)
        #expect(!redacted.contains(Self.secret), "\(form)", sourceLocation: sourceLocation)
        #expect(redactor.reveals(text), "\(form)", sourceLocation: sourceLocation)
        #expect(
            !redactor.reveals(redacted), "\(form) is still there after redaction: \(redacted)",
            sourceLocation: sourceLocation)
    }

    @Test func thePlainValueIsReplacedWithTheMarkerNamingTheVariable() {
        #expect(redactor.redact("key \(Self.secret) rotated") == "key [redacted BITUNIX_API_SECRET] rotated")
        #expect(redactor.redact("nothing secret here, BTCUSDT 0.0005") == "nothing secret here, BTCUSDT 0.0005")
        #expect(redactor.secretsFound(in: "a \(Self.secret) b") == ["BITUNIX_API_SECRET"])
    }

    @Test func percentEncodedFormsInBothCasesAndWithPlusForSpaceAreReplaced() {
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let upper = Self.secret.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
        #expect(upper != Self.secret && upper.contains("%2F"))
        expectRedacted("GET /x?sig=\(upper)&n=1", "percent, upper case")
        let lower = upper.replacingOccurrences(of: "%2F", with: "%2f").replacingOccurrences(of: "%2B", with: "%2b")
            .replacingOccurrences(of: "%3D", with: "%3d").replacingOccurrences(of: "%3F", with: "%3f")
        expectRedacted("sig=\(lower)", "percent, lower case")
        expectRedacted("sig=\(upper.replacingOccurrences(of: "%20", with: "+"))", "form encoding, + for space")
        let everyByte = Self.secret.utf8.map { String(format: "%%%02X", $0) }.joined()
        expectRedacted("x=\(everyByte)", "every byte percent-encoded")
    }

    @Test func base64InEveryAlphabetAndAtEveryAlignmentIsReplaced() {
        let padded = base64(Self.secret)
        expectRedacted("Authorization: Basic \(padded)", "base64, padded")
        let unpadded = String(padded.reversed().drop { $0 == "=" }.reversed())
        expectRedacted("token=\(unpadded)", "base64, unpadded")
        let urlSafe = padded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        expectRedacted("token=\(urlSafe)", "base64, URL-safe")
        // Inside a longer base64 string, the secret starts at each of the 3 byte alignments.
        for prefix in ["", "a", "ab", "abc", "abcd"] {
            let whole = base64(prefix + Self.secret + "trailing bytes")
            expectRedacted("blob \(whole) end", "base64 inside a longer value, after \(prefix.count) bytes")
            let wholeURL = whole.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            expectRedacted("blob \(wholeURL) end", "URL-safe base64 inside a longer value, after \(prefix.count) bytes")
        }
    }

    @Test func hexInEitherCaseIsReplaced() {
        let hex = Self.secret.utf8.map { String(format: "%02x", $0) }.joined()
        expectRedacted("dump \(hex)", "hex, lower case")
        expectRedacted("dump \(hex.uppercased())", "hex, upper case")
    }

    @Test func aJSONEscapedValueIsReplaced() throws {
        let data = try JSONSerialization.data(withJSONObject: ["value": Self.secret])
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\\/"), "JSONSerialization escapes the slash")
        expectRedacted(text, "JSON-escaped")
    }

    @Test func aRunOfTwelveCharactersOfALongSecretIsReplacedAndShorterRunsAreNot() {
        let part = String(Array(Self.secret)[5..<17])
        expectRedacted("pasted half: \(part)", "12 characters of the secret")
        let eleven = String(Array(Self.secret)[5..<16])
        #expect(!redactor.reveals("only \(eleven)"), "11 characters are not a partial form")
        // A short secret has no partial forms: its 12 first characters are ordinary text.
        let short = SecretRedactor(secrets: [.init(name: "K", value: "short-key-123")])
        #expect(short.redact("short-key-12") == "short-key-12")
        #expect(short.redact("x short-key-123 y") == "x [redacted K] y")
    }

    @Test func overlappingFormsBecomeOneMarkerAndJSONValuesAreRedactedInside() {
        let text = "\(Self.secret)\(Self.secret)"
        #expect(redactor.redact(text) == "[redacted BITUNIX_API_SECRET]")
        let value: JSONValue = ["note": .string("k \(Self.secret)"), "list": [.string(Self.secret), 3]]
        let redacted = redactor.redact(value)
        #expect(!redacted.serialized.contains(Self.secret))
        #expect(redacted.serialized.contains("[redacted BITUNIX_API_SECRET]"))
    }

    /// Every form, at every offset inside random text (and inside an
    /// object's keys and values), is found by the scan, whose first-two-bytes
    /// filter passes over ordinary text; text without a form is left as it is.
    @Test func everyFormIsFoundAtEveryOffsetAndOtherTextIsLeftAlone() {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_:/+=%.\"\\{}")
        func filler(_ count: Int) -> String { String((0..<count).map { _ in alphabet.randomElement(using: &random)! }) }
        for form in SecretRedactor.forms(of: Self.secret).map({ String(decoding: $0, as: UTF8.self) }) {
            for offset in 0..<6 {
                let text = filler(offset) + form + filler(Int.random(in: 0..<6, using: &random))
                #expect(redactor.reveals(text), "\(form) at \(offset)")
                #expect(!redactor.reveals(redactor.redact(text)), "\(form) at \(offset)")
                let object: JSONValue = .object([text: .int(1), "k": .object(["v": .string(text)])])
                #expect(!redactor.redact(object).serialized.contains(form), "\(form) in an object")
            }
        }
        for _ in 0..<200 {
            let text = filler(Int.random(in: 0..<80, using: &random))
            guard !redactor.reveals(text) else { continue }
            #expect(redactor.redact(text) == text)
            let object: JSONValue = .object([text: .string(text)])
            #expect(redactor.redact(object) == object)
        }
    }

    @Test func theEnvironmentAndTheChecklistNameTheSecrets() throws {
        let environment = [
            "BITUNIX_API_SECRET": "secret-value-0001", "BITUNIX_API_KEY": "key-value-0002", "LOG_LEVEL": "INFO",
            "BITUNIX_USE_TESTNET": "true", "SHORT": "abc",
        ]
        let redactor = SecretRedactor(environment: environment)
        #expect(redactor.secrets.map(\.name) == ["BITUNIX_API_SECRET", "BITUNIX_API_KEY"])
        #expect(redactor.redact("INFO true key-value-0002") == "INFO true [redacted BITUNIX_API_KEY]")
        #expect(SecretRedactor.empty.redact(Self.secret) == Self.secret)
        // Values shorter than 4 characters would redact ordinary words: they are not looked for.
        let tiny = SecretRedactor(secrets: [.init(name: "X", value: "abc")])
        #expect(tiny.secrets.isEmpty)
    }
}

/// The temporary directory of export and verify: private, and gone however the work ends.
struct ScratchDirectoryTests {
    @Test func itIsOwnerOnlyAndRemovedWithEverythingInIt() throws {
        let scratch = try ScratchDirectory(prefix: "hedgeops-test-")
        let path = scratch.path
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        #expect(URL(fileURLWithPath: path).lastPathComponent.hasPrefix("hedgeops-test-"))
        try FileManager.default.createDirectory(atPath: path + "/inner", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: path + "/inner/file"))
        scratch.remove()
        #expect(!FileManager.default.fileExists(atPath: path))
        scratch.remove()  // twice is harmless
    }

    @Test func itIsRemovedWhenTheWorkThrows() throws {
        struct Failure: Error {}
        var path = ""
        func work() throws {
            let scratch = try ScratchDirectory(prefix: "hedgeops-test-")
            defer { scratch.remove() }
            path = scratch.path
            throw Failure()
        }
        #expect(throws: Failure.self) { try work() }
        #expect(!path.isEmpty && !FileManager.default.fileExists(atPath: path))
        do {
            let scratch = try ScratchDirectory(prefix: "hedgeops-test-")
            path = scratch.path
        }
        #expect(!FileManager.default.fileExists(atPath: path), "the last reference going removes it")
    }
}
