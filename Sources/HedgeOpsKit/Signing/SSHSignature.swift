public import Crypto
public import Foundation

/// OpenSSH's SSHSIG signatures (PROTOCOL.sshsig), namespace `hedgeops`, so a
/// reviewer checks a result with `ssh-keygen -Y verify`, no hedgeops needed.
public enum SSHSignature {
    public static let namespace = "hedgeops"

    /// The armoured signature of `message`.
    public static func sign(_ message: Data, with key: OpenSSHKey) throws(SigningError) -> String {
        let digest = Data(SHA512.hash(data: message))
        let signed = signedData(namespace: namespace, hashAlgorithm: "sha512", digest: digest)
        let signature: Data
        do {
            signature = try key.privateKey.signature(for: signed)
        } catch {
            throw SigningError("signing failed: \(error)")
        }
        var inner = SSHWriter()
        inner.string("ssh-ed25519")
        inner.string(signature)
        var blob = SSHWriter()
        blob.raw("SSHSIG")
        blob.uint32(1)
        blob.string(OpenSSHKey.publicBlob(key.publicKey))
        blob.string(namespace)
        blob.string("")
        blob.string("sha512")
        blob.string(inner.data)
        return Armour.wrap(blob.data, label: "SSH SIGNATURE")
    }

    /// Checks an armoured signature of `message`; returns the signer's public key.
    public static func verify(_ armoured: String, message: Data) throws(SigningError) -> Curve25519.Signing.PublicKey {
        var reader = SSHReader(try Armour.unwrap(armoured, label: "SSH SIGNATURE"))
        guard try reader.raw(6) == Data("SSHSIG".utf8), try reader.uint32() == 1 else {
            throw SigningError("not an SSHSIG version 1 signature")
        }
        var keyBlob = SSHReader(try reader.string())
        guard try keyBlob.text() == "ssh-ed25519",
            let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: try keyBlob.string())
        else { throw SigningError("the signing key is not Ed25519") }
        let signedNamespace = try reader.text()
        guard signedNamespace == namespace else {
            throw SigningError("signed for namespace '\(signedNamespace)', not '\(namespace)'")
        }
        _ = try reader.string()
        let algorithm = try reader.text()
        var inner = SSHReader(try reader.string())
        guard reader.atEnd else { throw SigningError("trailing bytes after the signature") }
        guard try inner.text() == "ssh-ed25519" else { throw SigningError("not an Ed25519 signature") }
        let signature = try inner.string()
        let digest: Data
        switch algorithm {
        case "sha512": digest = Data(SHA512.hash(data: message))
        case "sha256": digest = Data(SHA256.hash(data: message))
        default: throw SigningError("unsupported hash algorithm '\(algorithm)'")
        }
        let signed = signedData(namespace: signedNamespace, hashAlgorithm: algorithm, digest: digest)
        guard publicKey.isValidSignature(signature, for: signed) else {
            throw SigningError("BAD signature: the file differs from what was signed")
        }
        return publicKey
    }

    static func signedData(namespace: String, hashAlgorithm: String, digest: Data) -> Data {
        var writer = SSHWriter()
        writer.raw("SSHSIG")
        writer.string(namespace)
        writer.string("")
        writer.string(hashAlgorithm)
        writer.string(digest)
        return writer.data
    }
}

/// `allowed_signers` (ssh-keygen(1)): `principals [options] keytype base64key [comment]`.
public struct AllowedSigners: Sendable {
    public var entries: [(principal: String, key: Data)]

    public init(text: String) {
        entries = text.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), let key = OpenSSHKey.parse(publicLine: trimmed),
                let principal = trimmed.split(separator: " ").first
            else { return nil }
            return (String(principal), key.rawRepresentation)
        }
    }

    public func principal(for key: Curve25519.Signing.PublicKey) -> String? {
        entries.first { $0.key == key.rawRepresentation }?.principal
    }
}
