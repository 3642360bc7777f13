import Crypto
import Foundation
import Testing

@testable import HedgeOpsKit

/// `hedgeops verify` decides as `ssh-keygen -Y verify` does. Generated
/// cases (seeded, so a failure reproduces) of allowed_signers lines with
/// every option, principal pattern, quoting and whitespace, identities, and
/// signatures with mutated envelopes are checked by both; the decisions
/// must be equal in every case. The library makes the decision for all of
/// them, and the real binary for every eighth.
struct SSHKeygenDifferentialTests {
    static let sshKeygen = "/usr/bin/ssh-keygen"
    static let hasSSHKeygen = FileManager.default.isExecutableFile(atPath: sshKeygen)
    static let seed: UInt64 = 0x5EED_2026_1129
    static let count = 640

    struct Case: Sendable, CustomStringConvertible {
        var index: Int
        var message: Data
        var checkedMessage: Data
        var signature: Data
        var allowedSigners: String
        var identity: String
        var mutation: String

        var description: String {
            """
            case \(index) (seed \(String(seed, radix: 16))): \(mutation), identity \(identity.debugDescription)
            allowed_signers:
            \(allowedSigners)
            signature:
            \(String(decoding: signature, as: UTF8.self).debugDescription)
            """
        }
    }

    @Test(
        .enabled(
            if: hasSSHKeygen, "skipped: ssh-keygen is not installed at /usr/bin/ssh-keygen, nothing to compare with"))
    func everyDecisionEqualsSSHKeygens() throws {
        var generator = CaseGenerator(seed: Self.seed)
        let cases = (0..<Self.count).map { generator.next(index: $0) }
        let workspace = try Workspace()
        let results = Locked<[Int: (ssh: Bool, ours: Bool, binary: Bool?)]>([:])
        let failures = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: cases.count) { index in
            let item = cases[index]
            let directory = workspace.path + "/\(index)"
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try item.checkedMessage.write(to: URL(fileURLWithPath: directory + "/m"))
                try item.signature.write(to: URL(fileURLWithPath: directory + "/m.sig"))
                try Data(item.allowedSigners.utf8).write(to: URL(fileURLWithPath: directory + "/allowed_signers"))
                let ssh = try Self.sshKeygenAccepts(directory: directory, identity: item.identity)
                let ours = Self.hedgeopsAccepts(item)
                var binary: Bool?
                if index % 8 == 0 {
                    let run = try Binary.run(
                        ["verify", "m", "--allowed-signers", "allowed_signers", "--identity", item.identity],
                        in: directory)
                    binary = run.exitCode == 0
                    if run.exitCode > 1 { failures.withLock { $0.append("\(item): hedgeops exit \(run.exitCode)") } }
                }
                results.withLock { $0[index] = (ssh, ours, binary) }
            } catch {
                failures.withLock { $0.append("\(item): \(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 }.joined(separator: "\n\n"))")
        let decided = results.withLock { $0 }
        #expect(decided.count == cases.count)
        var accepted = 0
        for item in cases {
            guard let result = decided[item.index] else { continue }
            if result.ssh { accepted += 1 }
            #expect(result.ours == result.ssh, "ssh-keygen \(result.ssh ? "accepts" : "rejects"): \(item)")
            if let binary = result.binary {
                #expect(binary == result.ssh, "binary: ssh-keygen \(result.ssh ? "accepts" : "rejects"): \(item)")
            }
        }
        // Both answers must be well represented, or the comparison proves little.
        #expect(accepted > cases.count / 5 && accepted < cases.count * 4 / 5, "\(accepted) of \(cases.count) accepted")
    }

    static func sshKeygenAccepts(directory: String, identity: String) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sshKeygen)
        process.arguments = [
            "-Y", "verify", "-f", "allowed_signers", "-I", identity, "-n", "hedgeops", "-s", "m.sig",
        ]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = Binary.baseEnvironment
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: directory + "/m"))
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    static func hedgeopsAccepts(_ item: Case) -> Bool {
        guard let key = try? SSHSignature.verify(item.signature, message: item.checkedMessage) else { return false }
        let allowed = AllowedSigners(data: Data(item.allowedSigners.utf8), path: "allowed_signers")
        if case .allowed = allowed.authorize(key, identity: item.identity, namespace: "hedgeops", at: Date()) {
            return true
        }
        return false
    }
}

/// Builds the cases: mostly plausible files a reviewer writes, with one or two things wrong.
struct CaseGenerator {
    var random: ReproducibleRandom
    let keys: [Curve25519.Signing.PrivateKey]

    init(seed: UInt64) {
        var random = ReproducibleRandom(randomStart: seed)
        var keys: [Curve25519.Signing.PrivateKey] = []
        for _ in 0..<3 {
            var bytes: [UInt8] = []
            for _ in 0..<32 { bytes.append(UInt8.random(in: 0...255, using: &random)) }
            if let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes) { keys.append(key) }
        }
        self.random = random
        self.keys = keys
    }

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }
    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }

    static let principals = [
        "op@example.com", "op@example.com", "alice@x,bob@y", "*@example.com", "!op@example.com,*@example.com",
        "op@example.co?", "\"op@example.com\"", "\"op@example.com,alice@x\"", "OP@example.com", "o*@*",
        "bob@y,op@example.com", "\"op@example.com", "op\"@example.com\"", "!alice@x",
    ]
    static let identities = [
        "op@example.com", "op@example.com", "alice@x", "bob@y", "x@example.com", "OP@example.com",
        "ssh-ed25519", "op@example.co",
    ]
    static let options = [
        "namespaces=\"hedgeops\"", "namespaces=\"hedgeops\"", "namespaces=\"other\"", "namespaces=\"hedge*\"",
        "namespaces=\"!hedgeops,*\"", "namespaces=\"other,hedgeops\"", "NAMESPACES=\"hedgeops\"",
        "namespaces=hedgeops", "namespaces=\"hedgeops", "cert-authority", "Cert-Authority", "valid-after=\"20200101\"",
        "valid-after=\"20990101\"", "valid-before=\"20200101\"", "valid-before=\"20990101Z\"",
        "valid-before=\"209901011200\"", "valid-after=\"20200101000000UTC\"", "valid-after=\"20200231\"",
        "valid-after=\"19700101Z\"", "valid-after=\"2020-01-01\"", "valid-before=\"20991332\"",
        "valid-before=\"20200101z\"", "valid-after=\"202001010000Z\"", "valid-before=\"20990101235960\"",
        "valid-after=\"2099 1 1\"", "no-touch-required", "foo", "namespaces=\"a b,hedgeops\"",
        "namespaces=\"hedge\\\"ops\"",
    ]

    mutating func keyField(for key: Curve25519.Signing.PrivateKey) -> String {
        var blob = OpenSSHKey.publicBlob(key.publicKey)
        switch Int.random(in: 0..<20, using: &random) {
        case 0:
            blob.append(contentsOf: [0, 1])
            return "ssh-ed25519 " + blob.base64EncodedString()
        case 1:
            var writer = SSHWriter()
            writer.string("ED25519")
            writer.string(key.publicKey.rawRepresentation)
            return "ssh-ed25519 " + writer.data.base64EncodedString()
        case 2:
            return "ssh-ed25519 " + String(blob.base64EncodedString().dropLast(4))
        case 3:
            return "ssh-rsa " + blob.base64EncodedString()
        case 4:
            return "ssh-ed25519\t" + blob.base64EncodedString()
        default:
            return "ssh-ed25519 " + blob.base64EncodedString()
        }
    }

    mutating func line(signer: Curve25519.Signing.PrivateKey) -> String {
        if chance(6) { return pick(["# a comment", "", "   ", "\t# indented comment"]) }
        let key = chance(85) ? signer : pick(keys)
        let keyText = keyField(for: key)
        if chance(5) { return keyText + " op@example.com" }  // a bare .pub line
        var fields: [String] = [pick(Self.principals)]
        if chance(45) {
            var chosen: [String] = []
            for _ in 0..<Int.random(in: 1...2, using: &random) { chosen.append(pick(Self.options)) }
            fields.append(chosen.joined(separator: chance(90) ? "," : ",,"))
        }
        if chance(40) { fields[0] = "op@example.com" }
        fields.append(keyText)
        if chance(30) { fields.append(pick(["op@laptop", "comment with spaces"])) }
        let separator = pick([" ", " ", "\t", " \t ", "  "])
        let lead = chance(10) ? pick([" ", "\t"]) : ""
        return lead + fields.joined(separator: separator)
    }

    /// An SSHSIG blob with its fields chosen, signed over what ssh-keygen checks.
    mutating func signatureBlob(
        message: Data, signer: Curve25519.Signing.PrivateKey
    ) -> (blob: Data, mutation: String) {
        var mutation: [String] = []
        var magic = "SSHSIG", version: UInt32 = 1, keyType = "ssh-ed25519", namespace = "hedgeops"
        var signedNamespace = "hedgeops", reserved = "", hash = "sha512", innerType = "ssh-ed25519"
        var keyTrailing = Data(), innerTrailing = Data(), trailing = Data()
        var signingKey = signer
        switch chance(35) ? Int.random(in: 0..<17, using: &random) : -1 {
        case 0: (magic, mutation) = ("SSHSIH", ["wrong magic"])
        case 1: (version, mutation) = (2, ["version 2"])
        case 2: (version, mutation) = (0, ["version 0"])
        case 3: (keyType, mutation) = ("ED25519", ["key type ED25519"])
        case 4: (keyType, mutation) = ("ssh-rsa", ["key type ssh-rsa"])
        case 5: (namespace, signedNamespace, mutation) = ("other", "other", ["namespace other"])
        case 6: (namespace, mutation) = ("hedgeops\0", ["namespace with a NUL"])
        case 7: (reserved, mutation) = ("x", ["reserved x"])
        case 8: (hash, mutation) = ("sha256", ["sha256"])
        case 9: (hash, mutation) = ("sha384", ["sha384"])
        case 10: (hash, mutation) = ("SHA512", ["SHA512"])
        case 11: (innerType, mutation) = ("ED25519", ["signature type ED25519"])
        case 12: (keyTrailing, mutation) = (Data([0]), ["trailing byte in the public key"])
        case 13: (innerTrailing, mutation) = (Data([0, 0]), ["trailing bytes in the Ed25519 signature"])
        case 14: (trailing, mutation) = (Data([1, 2, 3]), ["trailing bytes in the signature blob"])
        case 15: (signedNamespace, mutation) = ("other", ["signed for another namespace"])
        case 16: (signingKey, mutation) = (pick(keys), ["signed by a key other than the embedded one"])
        default: break
        }
        let digest =
            hash == "sha256" ? Data(SHA256.hash(data: message)) : Data(SHA512.hash(data: message))
        let signed = SSHSignature.signedData(namespace: signedNamespace, hashAlgorithm: hash, digest: digest)
        let raw = (try? signingKey.signature(for: signed)) ?? Data()
        var inner = SSHWriter()
        inner.string(innerType)
        inner.string(raw)
        inner.raw(innerTrailing)
        var keyBlob = SSHWriter()
        keyBlob.string(keyType)
        keyBlob.string(signer.publicKey.rawRepresentation)
        keyBlob.raw(keyTrailing)
        var blob = SSHWriter()
        blob.raw(magic)
        blob.uint32(version)
        blob.string(keyBlob.data)
        blob.string(namespace)
        blob.string(reserved)
        blob.string(hash)
        blob.string(inner.data)
        blob.raw(trailing)
        var data = blob.data
        if chance(4) {
            data = data.prefix(Int.random(in: 1..<data.count, using: &random))
            mutation.append("blob truncated")
        }
        return (data, mutation.isEmpty ? "well-formed" : mutation.joined(separator: ", "))
    }

    mutating func armour(_ blob: Data) -> (Data, String) {
        let base64 = blob.base64EncodedString()
        func wrapped(_ width: Int, _ newline: String = "\n") -> String {
            var lines: [String] = []
            var index = base64.startIndex
            while index < base64.endIndex {
                let end = base64.index(index, offsetBy: width, limitedBy: base64.endIndex) ?? base64.endIndex
                lines.append(String(base64[index..<end]))
                index = end
            }
            return lines.joined(separator: newline)
        }
        let begin = "-----BEGIN SSH SIGNATURE-----", end = "-----END SSH SIGNATURE-----"
        var text = begin + "\n" + wrapped(70) + "\n" + end + "\n"
        var mutation = ""
        switch chance(35) ? Int.random(in: 0..<14, using: &random) : -1 {
        case 0: (text, mutation) = ("junk\n" + text, "junk before BEGIN")
        case 1: (text, mutation) = ("\n" + text, "blank line before BEGIN")
        case 2: (text, mutation) = (begin + "\n" + base64 + "\n" + end + "\n", "armour not wrapped")
        case 3: (text, mutation) = (begin + "\n" + wrapped(64) + "\n" + end + "\n", "wrapped at 64")
        case 4: (text, mutation) = (begin + "\r\n" + wrapped(70, "\r\n") + "\r\n" + end + "\r\n", "CRLF")
        case 5: (text, mutation) = (begin + "\n" + wrapped(70) + "\n" + end, "no final newline")
        case 6: (text, mutation) = (text + "trailing text\n", "text after END")
        case 7: (text, mutation) = (begin + "\n" + wrapped(70) + end + "\n", "END not on its own line")
        case 8: (text, mutation) = (begin + "\n" + wrapped(70) + "\n", "no END")
        case 9: (text, mutation) = (begin + " \n" + wrapped(70) + "\n" + end + "\n", "space after BEGIN")
        case 10: (text, mutation) = (begin + "\n" + wrapped(70) + "\n\n" + end + "\n", "blank line before END")
        case 11:
            (text, mutation) = (
                begin + "\n" + base64.replacingOccurrences(of: "=", with: "") + "\n" + end + "\n", "padding removed"
            )
        case 12: (text, mutation) = (begin + "\n" + wrapped(70) + "=\n" + end + "\n", "extra padding")
        case 13: (text, mutation) = (begin + "\n" + wrapped(70) + "\n" + end + "\n" + begin + "\n", "two BEGINs")
        default: break
        }
        var bytes = Data(text.utf8)
        if chance(5) {
            let index = Int.random(in: 0..<bytes.count, using: &random)
            bytes[index] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            mutation += (mutation.isEmpty ? "" : ", ") + "bit flipped at byte \(index)"
        }
        return (bytes, mutation)
    }

    mutating func next(index: Int) -> SSHKeygenDifferentialTests.Case {
        let signer = pick(keys)
        let message = Data("{\"verdict\":\"PASS\",\"case\":\(index)}\n".utf8)
        let (blob, blobMutation) = signatureBlob(message: message, signer: signer)
        let (signature, armourMutation) = armour(blob)
        var checked = message
        var mutations = [blobMutation]
        if !armourMutation.isEmpty { mutations.append(armourMutation) }
        if chance(5) {
            checked = Data("{\"verdict\":\"FAIL\",\"case\":\(index)}\n".utf8)
            mutations.append("the file was changed")
        }
        var lines: [String] = []
        for _ in 0..<Int.random(in: 1...5, using: &random) { lines.append(line(signer: signer)) }
        let newline = chance(5) ? "\r\n" : "\n"
        return SSHKeygenDifferentialTests.Case(
            index: index, message: message, checkedMessage: checked, signature: signature,
            allowedSigners: lines.joined(separator: newline) + (chance(90) ? newline : ""),
            identity: chance(50) ? "op@example.com" : pick(Self.identities), mutation: mutations.joined(separator: ", ")
        )
    }
}
