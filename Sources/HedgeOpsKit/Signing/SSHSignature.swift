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

    /// Checks an armoured signature of `message` as `ssh-keygen -Y verify`
    /// does, byte for byte: the armour, every field of the SSHSIG blob with
    /// no byte left over, the namespace, the hash, the Ed25519 signature.
    /// Returns the signer's public key; who that is, allowed_signers says.
    public static func verify(_ armoured: Data, message: Data) throws(SigningError) -> Curve25519.Signing.PublicKey {
        var reader = SSHReader(try dearmor(armoured))
        guard reader.remaining >= 6, try reader.raw(6) == Data("SSHSIG".utf8) else {
            throw SigningError("not an SSHSIG signature: the blob does not start with the magic \"SSHSIG\"")
        }
        let version = try reader.uint32()
        // ssh-keygen refuses only versions above its own; the version is not part of what is signed.
        guard version <= 1 else {
            throw SigningError("SSHSIG version \(version): only version 1 is supported")
        }
        let publicKey = try ed25519PublicKey(fromBlob: try reader.string())
        guard let signedNamespace = try reader.cstring() else {
            throw SigningError("the signature's namespace holds a NUL byte")
        }
        _ = try reader.string()  // reserved: not part of what is signed
        guard let algorithm = try reader.cstring() else {
            throw SigningError("the signature's hash algorithm holds a NUL byte")
        }
        let inner = try reader.string()
        guard reader.atEnd else {
            throw SigningError("\(reader.remaining) trailing bytes after the signature in the SSHSIG blob")
        }
        let digest: Data
        switch algorithm {
        case "sha512": digest = Data(SHA512.hash(data: message))
        case "sha256": digest = Data(SHA256.hash(data: message))
        default: throw SigningError("unsupported hash algorithm \"\(algorithm)\" (sha256 or sha512)")
        }
        guard signedNamespace == namespace else {
            throw SigningError("signed for namespace \"\(signedNamespace)\", not \"\(namespace)\"")
        }
        guard !inner.isEmpty else { throw SigningError("the signature is empty") }
        var innerReader = SSHReader(inner)
        guard let type = try innerReader.cstring(), type == "ssh-ed25519" else {
            throw SigningError("not an Ed25519 signature")
        }
        let signature = try innerReader.string()
        guard innerReader.atEnd else {
            throw SigningError("\(innerReader.remaining) trailing bytes after the Ed25519 signature")
        }
        guard signature.count == 64 else {
            throw SigningError("the Ed25519 signature is \(signature.count) bytes, not 64")
        }
        let signed = signedData(namespace: namespace, hashAlgorithm: algorithm, digest: digest)
        guard publicKey.isValidSignature(signature, for: signed) else {
            throw SigningError("BAD signature: the file differs from what was signed")
        }
        return publicKey
    }

    /// The armour exactly as ssh-keygen reads it (sshsig.c): the file starts
    /// with `-----BEGIN SSH SIGNATURE-----` and a newline, the base64 runs
    /// to the first `-----END SSH SIGNATURE-----` line; whitespace inside
    /// the base64 is skipped, so line length does not matter.
    static func dearmor(_ file: Data) throws(SigningError) -> Data {
        let bytes = [UInt8](file)
        let begin = Array("-----BEGIN SSH SIGNATURE-----\n".utf8)
        guard bytes.starts(with: begin) else {
            if let found = bytes.firstRange(of: Array("-----BEGIN SSH SIGNATURE-----".utf8)) {
                throw SigningError(
                    "\(found.lowerBound) bytes before -----BEGIN SSH SIGNATURE-----: the file must start with it")
            }
            throw SigningError("not an SSH signature: no -----BEGIN SSH SIGNATURE----- line")
        }
        let rest = bytes[begin.count...]
        guard let end = rest.firstRange(of: Array("\n-----END SSH SIGNATURE-----".utf8)) else {
            throw SigningError("the signature has no -----END SSH SIGNATURE----- line")
        }
        var body = rest[..<end.lowerBound]
        if let nul = body.firstIndex(of: 0) {
            guard nul == body.index(before: body.endIndex) else {
                throw SigningError("the signature's armour holds a NUL byte")
            }
            body = body.dropLast()
        }
        guard let blob = SSHBase64.decode(body) else {
            throw SigningError("the signature's base64 is invalid")
        }
        return blob
    }

    /// The Ed25519 key of an SSH public-key blob (`string "ssh-ed25519" || string pk`), nothing after it.
    static func ed25519PublicKey(fromBlob blob: Data) throws(SigningError) -> Curve25519.Signing.PublicKey {
        let material = try ed25519Key(fromBlob: blob)
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: material) else {
            throw SigningError("the signing key is not a valid Ed25519 key")
        }
        return key
    }

    /// The 32 bytes of an Ed25519 public-key blob, as OpenSSH's
    /// `sshkey_from_blob` accepts it: type `ssh-ed25519` (or its short name
    /// `ED25519`, any case), a 32-byte key, no trailing bytes.
    static func ed25519Key(fromBlob blob: Data) throws(SigningError) -> Data {
        var reader = SSHReader(blob)
        guard let type = try reader.cstring() else { throw SigningError("the key type holds a NUL byte") }
        guard type == "ssh-ed25519" || type.lowercased() == "ed25519" else {
            throw SigningError("the signing key is a \(type) key; hedgeops checks Ed25519 signatures only")
        }
        let material = try reader.string()
        guard material.count == 32 else {
            throw SigningError("the Ed25519 key is \(material.count) bytes, not 32")
        }
        guard reader.atEnd else {
            throw SigningError("\(reader.remaining) trailing bytes after the public key inside the signature")
        }
        return material
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
