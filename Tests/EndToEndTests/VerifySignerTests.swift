import Crypto
import Foundation
import Testing

@testable import HedgeOpsKit

/// What `hedgeops verify` says about who signed, tried as a reviewer would:
/// the real binary, real files, and ssh-keygen's answer beside it.
struct VerifySignerTests {
    static let hasSSHKeygen = FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen")

    /// A workspace with `results.json` signed by a fresh key, and that key's allowed_signers fields.
    struct Signed {
        let workspace: Workspace
        let key: OpenSSHKey
        var keyField: String { "ssh-ed25519 " + OpenSSHKey.publicBlob(key.publicKey).base64EncodedString() }

        init() throws {
            workspace = try Workspace()
            key = OpenSSHKey(comment: "op@example.com")
            try workspace.write("results.json", #"{"verdict":"PASS"}"# + "\n")
            try workspace.write(
                "results.json.sig", try SSHSignature.sign(Data(#"{"verdict":"PASS"}"#.utf8 + [10]), with: key))
        }

        func allowedSigners(_ text: String) throws { try workspace.write("allowed_signers", text) }

        func verify(_ extra: [String] = []) throws -> Binary.Result {
            try Binary.run(["verify", "results.json"] + extra, in: workspace.path)
        }

        /// `ssh-keygen -Y verify … -I identity`: true when it accepts.
        func sshKeygen(identity: String) throws -> Bool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-keygen")
            process.arguments = [
                "-Y", "verify", "-f", "allowed_signers", "-I", identity, "-n", "hedgeops", "-s", "results.json.sig",
            ]
            process.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
            process.standardInput = try FileHandle(
                forReadingFrom: URL(fileURLWithPath: workspace.path + "/results.json"))
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        }
    }

    @Test func withoutAllowedSignersAnyKeysSignatureIsNotVerifiedAndExitsOne() throws {
        // A file re-signed with a fresh key: the signature is valid, its signer is nobody we know.
        let signed = try Signed()
        let result = try signed.verify()
        #expect(result.exitCode == 1, "\(result.all)")
        #expect(result.all.contains("signature valid, signer NOT verified"))
        #expect(!result.stdout.contains("verified\n") || result.stdout.contains("NOT verified"))
        let quick = try signed.verify(["--allow-any-signer"])
        #expect(quick.exitCode == 0, "\(quick.all)")
        #expect(quick.stdout.contains("signer NOT verified (--allow-any-signer"))
    }

    @Test func aBundlesOwnAllowedSignersNeverCounts() throws {
        let signed = try Signed()
        try signed.allowedSigners("op@example.com \(signed.keyField)\n")
        let result = try signed.verify()
        #expect(result.exitCode == 1, "\(result.all)")
        #expect(result.all.contains("signer NOT verified"))
    }

    @Test(.enabled(if: hasSSHKeygen)) func linesSSHKeygenRejectsAreRejectedWithTheReason() throws {
        let signed = try Signed()
        let field = signed.keyField
        let refused: [(line: String, reason: String)] = [
            ("op@example.com namespaces=\"other\" \(field)", "not permitted for namespace \"hedgeops\""),
            ("op@example.com valid-before=\"20200101\" \(field)", "has expired"),
            ("op@example.com valid-after=\"20990101\" \(field)", "not yet valid"),
            ("op@example.com cert-authority \(field)", "cert-authority"),
            ("op@example.com no-touch-required \(field)", "unknown key option"),
            ("op@example.com namespaces=hedgeops \(field)", "missing start quote"),
            ("\(field) op@example.com", "invalid key"),
        ]
        for (line, reason) in refused {
            try signed.allowedSigners(line + "\n")
            #expect(try signed.sshKeygen(identity: "op@example.com") == false, "ssh-keygen accepts \(line)")
            let result = try signed.verify(["--allowed-signers", "allowed_signers"])
            #expect(result.exitCode == 1, "\(line): \(result.all)")
            #expect(result.all.contains(reason), "\(line): \(result.all)")
        }
    }

    @Test(.enabled(if: hasSSHKeygen)) func principalsAreMatchedAsPatternsAndTheRightLineIsNamed() throws {
        let signed = try Signed()
        let field = signed.keyField
        // A tab between fields, a quoted principal: read as OpenSSH reads them.
        try signed.allowedSigners("\"op@example.com\"\tnamespaces=\"hedgeops\"\t\(field)\n")
        #expect(try signed.sshKeygen(identity: "op@example.com"))
        let tabbed = try signed.verify(["--allowed-signers", "allowed_signers"])
        #expect(tabbed.exitCode == 0, "\(tabbed.all)")
        #expect(tabbed.stdout.contains("good operator signature by op@example.com (allowed_signers:1)"))

        // Two lines for the same key: the one that allows the signature is named.
        try signed.allowedSigners(
            "old@example.com namespaces=\"git\" \(field)\n# the reviewer's\nop@example.com \(field)\n")
        let two = try signed.verify(["--allowed-signers", "allowed_signers"])
        #expect(two.exitCode == 0, "\(two.all)")
        #expect(two.stdout.contains("by op@example.com (allowed_signers:3)"), "\(two.stdout)")

        let cases: [(principals: String, identity: String, accepted: Bool)] = [
            ("alice@x,bob@y", "bob@y", true),
            ("alice@x,bob@y", "carol@z", false),
            ("*@example.com", "op@example.com", true),
            ("*@example.com", "op@example.org", false),
            ("!op@example.com,*@example.com", "op@example.com", false),
            ("!alice@example.com,*@example.com", "op@example.com", true),
            ("op@example.co?", "op@example.com", true),
        ]
        for (principals, identity, accepted) in cases {
            try signed.allowedSigners("\(principals) \(field)\n")
            #expect(try signed.sshKeygen(identity: identity) == accepted, "ssh-keygen: \(principals) for \(identity)")
            let result = try signed.verify(["--allowed-signers", "allowed_signers", "--identity", identity])
            #expect(result.exitCode == (accepted ? 0 : 1), "\(principals) for \(identity): \(result.all)")
            if accepted { #expect(result.stdout.contains("good operator signature by \(identity) ")) }
        }

        // Without --identity a pattern is not presented as a signer's name.
        try signed.allowedSigners("alice@x,*@example.com \(field)\n")
        let unnamed = try signed.verify(["--allowed-signers", "allowed_signers"])
        #expect(unnamed.exitCode == 0, "\(unnamed.all)")
        #expect(unnamed.stdout.contains(#"by a key allowed for "alice@x,*@example.com" (--identity names the signer)"#))
    }

    @Test func theReviewersCountersignatureIsCheckedForItsOwnIdentity() throws {
        let signed = try Signed()
        let reviewer = OpenSSHKey(comment: "rev@example.com")
        let message = Data(#"{"verdict":"PASS"}"#.utf8 + [10])
        try signed.workspace.write("results.json.reviewer.sig", try SSHSignature.sign(message, with: reviewer))
        let reviewerField = "ssh-ed25519 " + OpenSSHKey.publicBlob(reviewer.publicKey).base64EncodedString()
        try signed.allowedSigners("op@example.com \(signed.keyField)\n*@review.example.com \(reviewerField)\n")
        let base = ["--allowed-signers", "allowed_signers", "--identity", "op@example.com"]
        let good = try signed.verify(base + ["--reviewer-identity", "rev@review.example.com"])
        #expect(good.exitCode == 0, "\(good.all)")
        #expect(good.stdout.contains("good reviewer signature by rev@review.example.com (allowed_signers:2)"))
        // The operator's key may not stand in for the reviewer, nor the reviewer's for the operator.
        let swapped = try signed.verify(
            ["--allowed-signers", "allowed_signers", "--identity", "rev@review.example.com"])
        #expect(swapped.exitCode == 1, "\(swapped.all)")
        #expect(swapped.stderr.contains("FAILED: results.json: operator signature by"))
        let wrong = try signed.verify(base + ["--reviewer-identity", "op@example.com"])
        #expect(wrong.exitCode == 1, "\(wrong.all)")
        #expect(wrong.stdout.contains("reviewer signature by"))
    }

    /// A signature blob built field by field, to put bytes where they do not belong.
    static func envelope(_ message: Data, key: OpenSSHKey, keyTrailing: Data = Data(), trailing: Data = Data())
        -> Data
    {
        let signed = SSHSignature.signedData(
            namespace: "hedgeops", hashAlgorithm: "sha512", digest: Data(SHA512.hash(data: message)))
        var inner = SSHWriter()
        inner.string("ssh-ed25519")
        inner.string((try? key.privateKey.signature(for: signed)) ?? Data())
        var blob = SSHWriter()
        blob.raw("SSHSIG")
        blob.uint32(1)
        blob.string(OpenSSHKey.publicBlob(key.publicKey) + keyTrailing)
        blob.string("hedgeops")
        blob.string("")
        blob.string("sha512")
        blob.string(inner.data)
        blob.raw(trailing)
        return blob.data
    }

    @Test(.enabled(if: hasSSHKeygen)) func envelopesSSHKeygenRejectsAreRejectedAndNamed() throws {
        let signed = try Signed()
        try signed.allowedSigners("op@example.com \(signed.keyField)\n")
        let message = Data(#"{"verdict":"PASS"}"#.utf8 + [10])
        let good = Self.envelope(message, key: signed.key)
        let armoured = { (blob: Data) in Armour.wrap(blob, label: "SSH SIGNATURE") }
        let cases: [(signature: String, accepted: Bool, named: String)] = [
            (
                armoured(Self.envelope(message, key: signed.key, trailing: Data([0, 1]))), false,
                "trailing bytes after the signature"
            ),
            (
                armoured(Self.envelope(message, key: signed.key, keyTrailing: Data([0]))), false,
                "trailing bytes after the public key"
            ),
            ("junk\n" + armoured(good), false, "bytes before -----BEGIN SSH SIGNATURE-----"),
            (
                "-----BEGIN SSH SIGNATURE-----\n\(good.base64EncodedString())\n-----END SSH SIGNATURE-----\n", true,
                "good operator signature"
            ),
            (armoured(Data("SSHSIH".utf8) + good.dropFirst(6)), false, "magic"),
            (armoured(good.prefix(6) + Data([0, 0, 0, 2]) + good.dropFirst(10)), false, "version 2"),
        ]
        for (signature, accepted, named) in cases {
            try signed.workspace.write("results.json.sig", signature)
            #expect(try signed.sshKeygen(identity: "op@example.com") == accepted, "ssh-keygen: \(named)")
            let result = try signed.verify(["--allowed-signers", "allowed_signers"])
            #expect(result.exitCode == (accepted ? 0 : 1), "\(named): \(result.all)")
            #expect(result.all.contains(named), "\(named): \(result.all)")
        }
    }

    @Test func aKeyOthersCanReadIsRefusedForSignAndExport() throws {
        let workspace = try Workspace()
        #expect(try Binary.run(["keygen", "--out", "op"], in: workspace.path).exitCode == 0)
        try workspace.write("f.txt", "x\n")
        chmod(workspace.path + "/op", 0o644)
        let sign = try Binary.run(["sign", "f.txt", "--key", "op"], in: workspace.path)
        #expect(sign.exitCode == 1, "\(sign.all)")
        #expect(sign.stderr.contains("permissions 0644 for 'op' are too open"), "\(sign.stderr)")
        #expect(!workspace.exists("f.txt.sig"))
        let (_, folder) = try #require(SignOffTests.passRun)
        chmod(workspace.path + "/op", 0o640)
        let export = try Binary.run(["export", folder, "--key", "op", "--out", "bundle"], in: workspace.path)
        #expect(export.exitCode == 1, "\(export.all)")
        #expect(export.stderr.contains("permissions 0640 for 'op' are too open"), "\(export.stderr)")
        #expect(!workspace.exists("bundle/results.json.sig"))
        chmod(workspace.path + "/op", 0o600)
        #expect(try Binary.run(["sign", "f.txt", "--key", "op"], in: workspace.path).exitCode == 0)
    }
}
