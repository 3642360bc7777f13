import Crypto
import Foundation

/// How hedgeops speaks of a secret without revealing it (see `SecretRedactor`
/// for how its value is kept out of everything written).
public enum Secrets {
    /// Names that are treated as secret even if the checklist forgets to say so.
    public static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["SECRET", "KEY", "TOKEN", "PASSWORD", "PASSPHRASE"].contains { upper.contains($0) }
    }

    /// `set, 64 chars, hmac:1a2b3c4d`: enough to tell two values apart on
    /// this machine, never the value. The fingerprint is keyed with this
    /// install's key, so it cannot confirm a guessed secret (a plain SHA-256
    /// prefix could) nor link bundles from two installs.
    public static func describe(_ value: String, key: FingerprintKey) -> String {
        "set, \(value.count) chars, \(key.fingerprint(value))"
    }
}

/// The per-install key of secret fingerprints: 32 random bytes made on first
/// use in `fingerprint.key` (mode 0600, in a 0700 directory) under
/// `$HEDGEOPS_CONFIG_DIR`, else `$XDG_CONFIG_HOME/hedgeops`, else
/// `~/.config/hedgeops`.
public struct FingerprintKey: Sendable {
    /// What went wrong with the key file, said to the operator.
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    let key: SymmetricKey?
    let problem: String?

    /// A key made of these bytes (tests).
    public init(bytes: [UInt8]) {
        key = SymmetricKey(data: bytes)
        problem = nil
    }

    /// This install's key, created if missing. When it cannot be read or
    /// made, fingerprints say why instead of falling back to an unkeyed digest.
    public init(environment: [String: String]) {
        do {
            key = try SymmetricKey(data: Self.loadOrCreate(path: Self.path(environment: environment)))
            problem = nil
        } catch {
            key = nil
            problem = error.description
        }
    }

    /// `hmac:` and the first 8 hex digits of HMAC-SHA256(key, value).
    public func fingerprint(_ value: String) -> String {
        guard let key else { return "no fingerprint (\(problem ?? "no key"))" }
        let code = HMAC<SHA256>.authenticationCode(for: Data(value.utf8), using: key)
        return "hmac:" + code.prefix(4).map { String(format: "%02x", $0) }.joined()
    }

    /// Where the key lives for this environment.
    public static func path(environment: [String: String]) -> String {
        func nonEmpty(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let directory =
            nonEmpty("HEDGEOPS_CONFIG_DIR")
            ?? nonEmpty("XDG_CONFIG_HOME").map { $0 + "/hedgeops" }
            ?? (nonEmpty("HOME") ?? NSHomeDirectory()) + "/.config/hedgeops"
        return directory + "/fingerprint.key"
    }

    /// The key's 32 bytes; made (atomically, so two processes agree) when missing.
    static func loadOrCreate(path: String) throws(Problem) -> Data {
        if let data = try read(path) { return data }
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw Problem(description: "cannot create \(directory): \(error.localizedDescription)")
        }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for index in bytes.indices { bytes[index] = generator.next() }
        let temporary = path + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Problem(description: "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        defer { unlink(temporary) }
        guard written == bytes.count && synced else {
            throw Problem(description: "cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        // link() fails if another process made the key first: then use theirs.
        if link(temporary, path) != 0 && errno != EEXIST {
            throw Problem(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        guard let data = try read(path) else { throw Problem(description: "cannot read \(path)") }
        return data
    }

    /// The key file's bytes, nil when it does not exist.
    private static func read(_ path: String) throws(Problem) -> Data? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path), data.count == 32 else {
            throw Problem(
                description: "\(path) is not a 32-byte key: remove it and hedgeops makes a new one")
        }
        return data
    }
}
