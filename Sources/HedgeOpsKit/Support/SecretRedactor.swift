public import Foundation

/// The one way a secret's value is kept out of everything hedgeops writes:
/// the screen, the journal, the line-editing history, webhooks and exports
/// all pass their text through a redactor built from the environment.
///
/// A secret is the value of `BITUNIX_API_SECRET`, `BITUNIX_API_KEY`, and of
/// every checklist environment variable marked `secret: true` (or whose
/// name looks secret, as the pre-flight treats it), when at least 4
/// characters long. Each secret is looked for in these forms:
///
/// - plain, and JSON-escaped (`\/`, `\"`, `\\`);
/// - percent-encoded (every byte but the unreserved ones, every byte but
///   letters and digits, or every byte), hex digits in either case, a space
///   as `%20` or `+`;
/// - base64, standard and URL-safe, padded or not, and the characters
///   that depend only on the secret at each of the 3 byte alignments, so it
///   is found inside a longer base64 string;
/// - hex of its UTF-8 bytes, in either case;
/// - partial: any run of 12 or more characters of a secret 16 or more
///   characters long (a pasted half of an API secret), in its plain form.
///
/// Encoded forms shorter than 8 characters are not looked for: they would
/// match ordinary text. What matched is replaced by `[redacted NAME]`.
public struct SecretRedactor: Sendable {
    /// A named secret value.
    public struct Secret: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The variables whose values are secret whatever the checklist says.
    public static let alwaysSecret = ["BITUNIX_API_SECRET", "BITUNIX_API_KEY"]
    /// The shortest value treated as a secret; shorter ones would redact ordinary words.
    public static let minimumLength = 4
    /// Partial forms: runs of this many characters, of secrets at least `partialFrom` long.
    public static let partialLength = 12
    public static let partialFrom = 16
    static let minimumEncodedLength = 8

    /// Redacts nothing.
    public static let empty = SecretRedactor(secrets: [])

    public let secrets: [Secret]
    private let patterns: [Pattern]
    /// Pattern indices by their first 4 bytes, so a scan is one lookup a byte.
    private let index: [UInt32: [Int]]
    /// One bit per pair of first two bytes of any pattern: most positions of
    /// ordinary text are passed over without hashing a key.
    private let firstPairs: [UInt64]

    private struct Pattern: Sendable {
        var bytes: [UInt8]
        var secret: Int
    }

    public init(secrets: [Secret]) {
        var unique: [Secret] = []
        for secret in secrets where secret.value.utf8.count >= Self.minimumLength {
            if !unique.contains(where: { $0.value == secret.value }) { unique.append(secret) }
        }
        self.secrets = unique
        var patterns: [Pattern] = []
        var seen = Set<[UInt8]>()
        for (number, secret) in unique.enumerated() {
            for form in Self.forms(of: secret.value) where seen.insert(form).inserted {
                patterns.append(Pattern(bytes: form, secret: number))
            }
        }
        var index: [UInt32: [Int]] = [:]
        var firstPairs = [UInt64](repeating: 0, count: 65536 / 64)
        for (number, pattern) in patterns.enumerated() {
            let key = pattern.bytes.withUnsafeBufferPointer { Self.key($0, at: 0) }
            index[key, default: []].append(number)
            firstPairs[Int(key >> 22)] |= 1 << UInt64((key >> 16) & 63)
        }
        self.patterns = patterns
        self.index = index
        self.firstPairs = firstPairs
    }

    /// The secrets of `environment`: the always-secret variables and the
    /// checklist's secret environment variables.
    public init(environment: [String: String], checklist: Checklist? = nil) {
        self.init(
            secrets: Self.secretNames(checklist: checklist).compactMap { name in
                environment[name].map { Secret(name: name, value: $0) }
            })
    }

    /// Names whose values are secret: the always-secret ones, then the
    /// checklist's environment variables marked secret or named like one.
    public static func secretNames(checklist: Checklist?) -> [String] {
        var names = alwaysSecret
        for item in checklist?.items ?? [] {
            guard case .env(let variables) = item.kind else { continue }
            for variable in variables
            where (variable.secret || Secrets.looksSecret(variable.name)) && !names.contains(variable.name) {
                names.append(variable.name)
            }
        }
        return names
    }

    /// `text` with every form of every secret replaced by `[redacted NAME]`.
    public func redact(_ text: String) -> String {
        guard !patterns.isEmpty else { return text }
        var text = text
        let found = text.withUTF8 { matches(in: $0) }
        guard !found.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var position = 0
        for match in found {
            out += bytes[position..<match.range.lowerBound]
            out += Array("[redacted \(secrets[match.secret].name)]".utf8)
            position = match.range.upperBound
        }
        out += bytes[position...]
        return String(decoding: out, as: UTF8.self)
    }

    /// Every string inside `value` redacted (keys too).
    public func redact(_ value: JSONValue) -> JSONValue {
        guard !patterns.isEmpty else { return value }
        switch value {
        case .string(let text): return .string(redact(text))
        case .array(let values): return .array(values.map(redact))
        case .object(let fields):
            // Rebuilt only when a key or value held a secret (a sample's counts never do).
            guard fields.contains(where: { reveals($0.key) || redact($0.value) != $0.value }) else { return value }
            return .object(Dictionary(fields.map { (redact($0.key), redact($0.value)) }, uniquingKeysWith: { $1 }))
        default: return value
        }
    }

    /// Every string value of `fields` redacted.
    public func redact(_ fields: [String: JSONValue]) -> [String: JSONValue] {
        guard !patterns.isEmpty else { return fields }
        return fields.mapValues(redact)
    }

    /// The names of the secrets found in `text`, in any form (empty: none).
    public func secretsFound(in text: String) -> [String] {
        secretsFound(in: Array(text.utf8))
    }

    /// The names of the secrets found in `data`, in any form (empty: none).
    public func secretsFound(in data: Data) -> [String] {
        secretsFound(in: [UInt8](data))
    }

    /// True when `text` holds any form of any secret.
    public func reveals(_ text: String) -> Bool {
        guard !patterns.isEmpty else { return false }
        var text = text
        return text.withUTF8 { !matches(in: $0).isEmpty }
    }

    private func secretsFound(in bytes: [UInt8]) -> [String] {
        guard !patterns.isEmpty else { return [] }
        var numbers: [Int] = []
        let found = bytes.withUnsafeBufferPointer { matches(in: $0) }
        for match in found where !numbers.contains(match.secret) { numbers.append(match.secret) }
        return numbers.map { secrets[$0].name }
    }

    // MARK: Matching

    /// Non-overlapping ranges to replace, in order; overlapping or touching
    /// matches merge into one, named for the secret that matched first.
    private func matches(in bytes: UnsafeBufferPointer<UInt8>) -> [(range: Range<Int>, secret: Int)] {
        guard bytes.count >= Self.minimumLength else { return [] }
        var found: [(range: Range<Int>, secret: Int)] = []
        var key = Self.key(bytes, at: 0)
        var start = 0
        while true {
            if firstPairs[Int(key >> 22)] & (1 << UInt64((key >> 16) & 63)) != 0, let candidates = index[key] {
                for number in candidates {
                    let pattern = patterns[number]
                    let end = start + pattern.bytes.count
                    guard end <= bytes.count,
                        UnsafeBufferPointer(rebasing: bytes[start..<end]).elementsEqual(pattern.bytes)
                    else { continue }
                    if let last = found.last, start <= last.range.upperBound {
                        if end > last.range.upperBound { found[found.count - 1].range = last.range.lowerBound..<end }
                    } else {
                        found.append((start..<end, pattern.secret))
                    }
                }
            }
            let next = start + Self.minimumLength
            guard next < bytes.count else { break }
            key = (key << 8) | UInt32(bytes[next])
            start += 1
        }
        return found
    }

    private static func key(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> UInt32 {
        var key: UInt32 = 0
        for offset in 0..<minimumLength { key = (key << 8) | UInt32(bytes[start + offset]) }
        return key
    }

    // MARK: Forms

    /// Every form of `value` that is looked for, as bytes.
    static func forms(of value: String) -> [[UInt8]] {
        let plain = Array(value.utf8)
        var forms: [[UInt8]] = [plain]
        var encoded: [String] = []
        encoded.append(
            value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "/", with: "\\/"))
        encoded += percentEncodings(of: plain)
        encoded += base64Forms(of: plain)
        let hex = plain.map { String(format: "%02x", $0) }.joined()
        encoded += [hex, hex.uppercased()]
        forms += encoded.map { Array($0.utf8) }.filter { $0.count >= minimumEncodedLength }
        // Partial forms, by characters so that no UTF-8 sequence is cut.
        let characters = Array(value)
        if characters.count >= partialFrom {
            for start in 0...(characters.count - partialLength) {
                forms.append(Array(String(characters[start..<start + partialLength]).utf8))
            }
        }
        return forms
    }

    /// Percent-encodings: which bytes are kept as they are (unreserved,
    /// letters and digits, none) × hex case × a space as `%20` or `+`.
    static func percentEncodings(of bytes: [UInt8]) -> [String] {
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        }
        let keeps: [(UInt8) -> Bool] = [
            { isAlphanumeric($0) || "-._~".utf8.contains($0) }, isAlphanumeric, { _ in false },
        ]
        var out: [String] = []
        for keep in keeps {
            for format in ["%%%02X", "%%%02x"] {
                for plusForSpace in [false, true] {
                    out.append(
                        bytes.map { byte -> String in
                            if keep(byte) { return String(UnicodeScalar(byte)) }
                            if byte == 0x20 && plusForSpace { return "+" }
                            return String(format: format, byte)
                        }.joined())
                }
            }
        }
        return out
    }

    /// Base64, standard and URL-safe: the whole value padded and unpadded,
    /// and at each alignment the characters that hold only the value's bits.
    static func base64Forms(of bytes: [UInt8]) -> [String] {
        var standard: [String] = []
        let whole = Data(bytes).base64EncodedString()
        standard.append(whole)
        standard.append(String(whole.reversed().drop { $0 == "=" }.reversed()))
        for alignment in 0..<3 {
            // Zero bytes before (the alignment) and after (so no padding is needed).
            let encoded = Array(Data(Array(repeating: 0, count: alignment) + bytes + [0, 0, 0]).base64EncodedString())
            let firstBit = 8 * alignment
            let endBit = firstBit + 8 * bytes.count
            let first = (firstBit + 5) / 6
            let end = endBit / 6
            if end > first { standard.append(String(encoded[first..<end])) }
        }
        let urlSafe = standard.map {
            $0.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        return standard + urlSafe
    }
}
