public import Crypto
public import Foundation

/// The reviewer's allowed_signers file (ssh-keygen(1), ALLOWED SIGNERS):
/// who may sign, for which namespaces, and when. Read and matched as
/// `ssh-keygen -Y verify` does (OpenSSH's sshsig.c): a line it skips is
/// skipped here too, with the reason, so the two tools never disagree about
/// a signer.
///
/// A line is `principals [options] keytype base64-key [comment]`.
/// Principals are a pattern list (`*`, `?`, `,`, `!`); the options are
/// `cert-authority`, `namespaces="list"`, `valid-after="time"` and
/// `valid-before="time"`, comma-separated, values in double quotes. A line
/// with an unknown or malformed option, or an unreadable key, allows nothing.
public struct AllowedSigners: Sendable {
    /// Where the file came from, to name it in messages.
    public let path: String
    let lines: [[UInt8]]

    /// The file's bytes, split into lines as `getline` does.
    public init(data: Data, path: String) {
        self.path = path
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in data {
            current.append(byte)
            if byte == UInt8(ascii: "\n") {
                lines.append(current)
                current = []
            }
        }
        if !current.isEmpty { lines.append(current) }
        // Every field is read as a C string: a NUL ends the line.
        self.lines = lines.map { Array($0.prefix { $0 != 0 }) }
    }

    /// The line that allows a signature.
    public struct Match: Sendable, Equatable {
        /// 1-based line number in the file.
        public var line: Int
        /// The principals field of that line, as written (a pattern list).
        public var principals: String
    }

    /// The answer for one signing key.
    public enum Decision: Sendable, Equatable {
        case allowed(Match)
        /// No line allows it; each entry names a line that came close, and why it did not count.
        case refused([String])
    }

    /// The first line that allows `key` to sign in `namespace` at `time`
    /// for `identity` (a principal matched against each line's patterns,
    /// as `ssh-keygen -Y verify -I` does). Without an identity, the first
    /// line holding the key that allows it.
    public func authorize(
        _ key: Curve25519.Signing.PublicKey, identity: String?, namespace: String, at time: Date,
        timeZone: TimeZone = .current
    ) -> Decision {
        let signer = key.rawRepresentation
        let now = Int64(time.timeIntervalSince1970.rounded(.down))
        var reasons: [String] = []
        for (index, bytes) in lines.enumerated() {
            let name = "\(path):\(index + 1)"
            let parsed = Self.parse(line: bytes, timeZone: timeZone)
            guard case .entry(let principals, let body) = parsed else {
                if case .invalid(let reason) = parsed, identity == nil { reasons.append("\(name): \(reason)") }
                continue
            }
            if let identity {
                guard PatternList.match(Array(identity.utf8), list: principals) == .positive else { continue }
            }
            let options: Options, lineKey: LineKey
            switch body {
            case .invalid(let reason):
                reasons.append("\(name): \(reason)")
                continue
            case .valid(let parsedOptions, let parsedKey):
                options = parsedOptions
                lineKey = parsedKey
            }
            guard case .ed25519(let material) = lineKey, material == signer else { continue }
            if options.certAuthority {
                reasons.append(
                    "\(name): the key is marked cert-authority: it may sign certificates, not files")
                continue
            }
            if let namespaces = options.namespaces,
                PatternList.match(Array(namespace.utf8), list: Array(namespaces.utf8)) != .positive
            {
                reasons.append(
                    "\(name): the key is not permitted for namespace \"\(namespace)\" (namespaces=\"\(namespaces)\")")
                continue
            }
            if let after = options.validAfter, now < after {
                reasons.append("\(name): the key is not yet valid (valid-after \(Self.format(after)))")
                continue
            }
            if let before = options.validBefore, now > before {
                reasons.append("\(name): the key has expired (valid-before \(Self.format(before)))")
                continue
            }
            return .allowed(Match(line: index + 1, principals: String(decoding: principals, as: UTF8.self)))
        }
        return .refused(reasons)
    }

    static func format(_ seconds: Int64) -> String {
        Timestamp.rfc3339(Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    // MARK: - One line

    /// The key of a line: an Ed25519 key, or another type that never matches an Ed25519 signature.
    enum LineKey: Equatable {
        case ed25519(Data)
        case other(String)
    }

    enum Body: Equatable {
        case valid(Options, LineKey)
        case invalid(String)
    }

    enum Line: Equatable {
        /// A blank or comment line.
        case skipped
        /// No principals field can be read.
        case invalid(String)
        /// The principals field, and the rest of the line, read only if the principals match.
        case entry(principals: [UInt8], body: Body)
    }

    static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// One line, as sshsig.c's `parse_principals_key_and_options` reads it.
    static func parse(line: [UInt8], timeZone: TimeZone) -> Line {
        var start = 0
        while start < line.count && isBlank(line[start]) { start += 1 }
        if start == line.count || line[start] == UInt8(ascii: "#") { return .skipped }
        // The principals field: up to whitespace; a double quote starts a quoted part (OpenSSH's strdelimw).
        let delimiters: Set<UInt8> = [0x20, 0x09, 0x0d, 0x0a, UInt8(ascii: "\"")]
        guard let delimiter = line[start...].firstIndex(where: { delimiters.contains($0) }) else {
            return .invalid("invalid line: no key after the principals")
        }
        let principals: [UInt8]
        var next: Int
        if line[delimiter] == UInt8(ascii: "\"") {
            guard let close = line[(delimiter + 1)...].firstIndex(of: UInt8(ascii: "\"")) else {
                return .invalid("invalid line: the principals' quote is not closed")
            }
            principals = Array(line[start..<delimiter] + line[(delimiter + 1)..<close])
            next = close + 1
        } else {
            principals = Array(line[start..<delimiter])
            next = delimiter + 1
        }
        let whitespace: Set<UInt8> = [0x20, 0x09, 0x0d, 0x0a]
        while next < line.count && whitespace.contains(line[next]) { next += 1 }
        return .entry(principals: principals, body: body(Array(line[next...]), timeZone: timeZone))
    }

    /// Options and key after the principals: a key first, else options then a key.
    static func body(_ rest: [UInt8], timeZone: TimeZone) -> Body {
        if let key = readKey(rest[...]) { return .valid(Options(), key) }
        var end = 0
        var quoted = false
        while end < rest.count && (quoted || !isBlank(rest[end])) {
            if rest[end] == UInt8(ascii: "\\") && end + 1 < rest.count && rest[end + 1] == UInt8(ascii: "\"") {
                end += 1
            } else if rest[end] == UInt8(ascii: "\"") {
                quoted.toggle()
            }
            end += 1
        }
        if end == rest.count && quoted { return .invalid("invalid options: a quote is not closed") }
        if end == rest.count { return .invalid("missing key") }
        var keyStart = end + 1
        while keyStart < rest.count && isBlank(rest[keyStart]) { keyStart += 1 }
        guard let key = readKey(rest[keyStart...]) else { return .invalid("invalid key") }
        switch Options.parse(Array(rest[..<end]), timeZone: timeZone) {
        case .success(let options): return .valid(options, key)
        case .failure(let error): return .invalid("bad options: \(error)")
        }
    }

    /// `keytype base64 …` as OpenSSH's `sshkey_read` reads it; nil where it fails.
    static func readKey(_ text: ArraySlice<UInt8>) -> LineKey? {
        guard let typeEnd = text.firstIndex(where: isBlank) else { return nil }
        let type = String(decoding: text[text.startIndex..<typeEnd], as: UTF8.self)
        guard knownKeyTypes.contains(type) else { return nil }
        var blobStart = typeEnd
        while blobStart < text.endIndex && isBlank(text[blobStart]) { blobStart += 1 }
        guard blobStart < text.endIndex else { return nil }
        // Other key types cannot match an Ed25519 signature, whether or not their blob reads.
        guard type == "ssh-ed25519" else { return .other(type) }
        let blobEnd = text[blobStart...].firstIndex(where: isBlank) ?? text.endIndex
        guard let blob = SSHBase64.decode(text[blobStart..<blobEnd]),
            let key = try? SSHSignature.ed25519Key(fromBlob: blob)
        else { return nil }
        return .ed25519(key)
    }

    /// The key type names OpenSSH 9 knows (its `keyimpls`).
    static let knownKeyTypes: Set<String> = [
        "ssh-ed25519", "ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519@openssh.com",
        "sk-ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
        "ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
        "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "ssh-rsa", "ssh-rsa-cert-v01@openssh.com",
        "rsa-sha2-256-cert-v01@openssh.com", "rsa-sha2-512-cert-v01@openssh.com", "ssh-dss",
        "ssh-dss-cert-v01@openssh.com",
    ]
}
