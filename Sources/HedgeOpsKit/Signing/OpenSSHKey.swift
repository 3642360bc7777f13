public import Crypto
public import Foundation

/// An Ed25519 key in OpenSSH's formats (PROTOCOL.key): the private key file
/// `ssh-keygen -t ed25519 -N ''` writes, and the one-line public key.
public struct OpenSSHKey: Sendable {
    public let privateKey: Curve25519.Signing.PrivateKey
    public var comment: String

    public var publicKey: Curve25519.Signing.PublicKey { privateKey.publicKey }

    public init(comment: String) {
        privateKey = Curve25519.Signing.PrivateKey()
        self.comment = comment
    }

    init(privateKey: Curve25519.Signing.PrivateKey, comment: String) {
        self.privateKey = privateKey
        self.comment = comment
    }

    /// `string "ssh-ed25519" || string pk`.
    public static func publicBlob(_ key: Curve25519.Signing.PublicKey) -> Data {
        var writer = SSHWriter()
        writer.string("ssh-ed25519")
        writer.string(key.rawRepresentation)
        return writer.data
    }

    /// `SHA256:…` as ssh-keygen prints it.
    public static func fingerprint(_ key: Curve25519.Signing.PublicKey) -> String {
        let digest = Data(SHA256.hash(data: publicBlob(key)))
        return "SHA256:" + digest.base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    public var fingerprint: String { Self.fingerprint(publicKey) }

    /// `ssh-ed25519 AAAA… comment`.
    public var publicLine: String {
        "ssh-ed25519 \(Self.publicBlob(publicKey).base64EncodedString()) \(comment)"
    }

    /// The `allowed_signers` line for `ssh-keygen -Y verify`.
    public var allowedSignersLine: String {
        "\(comment.isEmpty ? "operator@example.com" : comment) namespaces=\"hedgeops\" ssh-ed25519 \(Self.publicBlob(publicKey).base64EncodedString())"
    }

    /// The unencrypted openssh-key-v1 file.
    public var privateFile: String {
        let pk = publicKey.rawRepresentation
        var secret = SSHWriter()
        let check = UInt32.random(in: 0...UInt32.max)
        secret.uint32(check)
        secret.uint32(check)
        secret.string("ssh-ed25519")
        secret.string(pk)
        secret.string(privateKey.rawRepresentation + pk)
        secret.string(comment)
        var padding: UInt8 = 1
        while secret.data.count % 8 != 0 {
            secret.raw(Data([padding]))
            padding += 1
        }
        var file = SSHWriter()
        file.raw("openssh-key-v1\0")
        file.string("none")
        file.string("none")
        file.string("")
        file.uint32(1)
        file.string(Self.publicBlob(publicKey))
        file.string(secret.data)
        return Armour.wrap(file.data, label: "OPENSSH PRIVATE KEY")
    }

    /// Reads the private key at `path`, refused as ssh refuses it when
    /// group or others may read, write or run it (mode & 077): a key
    /// others can read is no proof of who signed.
    public static func load(path: String) throws(SigningError) -> OpenSSHKey {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SigningError("cannot read the key \(path): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        // The mode of the file opened, not of whatever the path names a moment later.
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw SigningError("cannot read the key \(path): \(String(cString: strerror(errno)))")
        }
        let mode = status.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw SigningError(
                "permissions \(String(format: "0%03o", mode)) for '\(path)' are too open: a private key must be "
                    + "readable by its owner only (chmod 600 \(path))")
        }
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw SigningError("cannot read the key \(path): \(error.localizedDescription)")
        }
        return try parse(privateFile: String(decoding: data, as: UTF8.self), path: path)
    }

    /// Reads an unencrypted Ed25519 private key file; an encrypted one gets a clear error.
    public static func parse(privateFile text: String, path: String) throws(SigningError) -> OpenSSHKey {
        let data = try Armour.unwrap(text, label: "OPENSSH PRIVATE KEY")
        var reader = SSHReader(data)
        guard try reader.raw(15) == Data("openssh-key-v1\0".utf8) else {
            throw SigningError("\(path): not an OpenSSH private key")
        }
        let cipher = try reader.text()
        _ = try reader.text()
        _ = try reader.string()
        guard cipher == "none" else {
            throw SigningError(
                "\(path) is encrypted (\(cipher)): sign with `ssh-keygen -Y sign -n hedgeops -f \(path) FILE`, "
                    + "or use an unencrypted key (hedgeops keygen)")
        }
        guard try reader.uint32() == 1 else { throw SigningError("\(path): more than one key in the file") }
        _ = try reader.string()
        var secret = SSHReader(try reader.string())
        guard try secret.uint32() == (try secret.uint32()) else {
            throw SigningError("\(path): the key's check bytes differ (a wrong or corrupt file)")
        }
        let type = try secret.text()
        guard type == "ssh-ed25519" else {
            throw SigningError("\(path): a \(type) key; hedgeops signs with Ed25519 keys")
        }
        _ = try secret.string()
        let pair = try secret.string()
        let comment = try secret.text()
        guard pair.count == 64, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: pair.prefix(32)) else {
            throw SigningError("\(path): the Ed25519 key material is malformed")
        }
        return OpenSSHKey(privateKey: key, comment: comment)
    }

    /// Reads `ssh-ed25519 AAAA… [comment]`.
    public static func parse(publicLine: String) -> Curve25519.Signing.PublicKey? {
        let fields = publicLine.split(separator: " ")
        guard let index = fields.firstIndex(of: "ssh-ed25519"), index + 1 < fields.count,
            let blob = Data(base64Encoded: String(fields[index + 1]))
        else { return nil }
        var reader = SSHReader(blob)
        guard (try? reader.text()) == "ssh-ed25519", let pk = try? reader.string() else { return nil }
        return try? Curve25519.Signing.PublicKey(rawRepresentation: pk)
    }
}
