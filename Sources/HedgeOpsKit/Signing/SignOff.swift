import Crypto
public import Foundation

/// Signing files and checking signatures as the operator and reviewer do it.
public enum SignOff {
    /// One finding of `verify`.
    public struct Line: Sendable {
        public var ok: Bool
        public var text: String
        /// A good signature whose signer nobody checked (no allowed_signers given).
        public var signerUnverified = false
    }

    public struct Report: Sendable {
        public var lines: [Line] = []
        /// The first thing that differs, named.
        public var firstProblem: String? { lines.first { !$0.ok }?.text }
        /// Some signature is valid but its signer was not checked against an allowed_signers file.
        public var signerUnverified: Bool { lines.contains { $0.signerUnverified } }
    }

    /// Who may have signed. Only the reviewer's own allowed_signers file
    /// counts (never one that travels in a bundle): without it a valid
    /// signature proves only that some key signed.
    public struct Signers: Sendable {
        public var allowed: AllowedSigners?
        /// The principal the operator's signatures must be made for, as `ssh-keygen -Y verify -I`.
        public var operatorIdentity: String?
        /// The principal the reviewer's countersignatures must be made for.
        public var reviewerIdentity: String?
        /// The time keys are checked at (`valid-after`, `valid-before`): now, as ssh-keygen does.
        public var time: Date
        public var timeZone: TimeZone

        public init(
            allowed: AllowedSigners?, operatorIdentity: String? = nil, reviewerIdentity: String? = nil,
            time: Date = Date(), timeZone: TimeZone = .current
        ) {
            self.allowed = allowed
            self.operatorIdentity = operatorIdentity
            self.reviewerIdentity = reviewerIdentity
            self.time = time
            self.timeZone = timeZone
        }

        /// The identity required of `role`'s signatures.
        func identity(for role: String) -> String? { role == "reviewer" ? reviewerIdentity : operatorIdentity }
    }

    /// The signature file for `role`: FILE.sig or FILE.reviewer.sig.
    public static func signaturePath(for file: String, role: String) -> String {
        role == "reviewer" ? file + ".reviewer.sig" : file + ".sig"
    }

    /// Signs `file` with the key at `keyPath`; returns the signature's path.
    public static func sign(file: String, keyPath: String, role: String) throws(SigningError) -> String {
        let key = try OpenSSHKey.load(path: keyPath)
        guard let message = FileManager.default.contents(atPath: file) else {
            throw SigningError("cannot read \(file)")
        }
        let armoured = try SSHSignature.sign(message, with: key)
        let path = signaturePath(for: file, role: role)
        guard FileManager.default.createFile(atPath: path, contents: Data(armoured.utf8)) else {
            throw SigningError("cannot write \(path)")
        }
        return path
    }

    /// Checks the signatures beside `file`; every one must be good, and at
    /// least the operator's must be there.
    public static func verifySignatures(of file: String, signers: Signers, name: String? = nil) -> [Line] {
        let shown = name ?? file
        guard let message = FileManager.default.contents(atPath: file) else {
            return [Line(ok: false, text: "\(shown): cannot be read")]
        }
        var lines: [Line] = []
        for role in ["operator", "reviewer"] {
            let path = signaturePath(for: file, role: role)
            guard let armoured = FileManager.default.contents(atPath: path) else {
                if role == "operator" {
                    lines.append(Line(ok: false, text: "\(shown): no operator signature (\(shown).sig)"))
                }
                continue
            }
            let key: Curve25519.Signing.PublicKey
            do {
                key = try SSHSignature.verify(armoured, message: message)
            } catch {
                // The signature file as the operator knows it: beside the file as shown.
                let signature = shown + path.dropFirst(file.count)
                lines.append(Line(ok: false, text: "\(shown): \(role) signature \(signature): \(error)"))
                continue
            }
            let fingerprint = OpenSSHKey.fingerprint(key)
            let modified =
                (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
                .flatMap { $0 }.map { " (signature written \(Timestamp.rfc3339($0)))" } ?? ""
            guard let allowed = signers.allowed else {
                lines.append(
                    Line(
                        ok: true,
                        text: "\(shown): \(role) signature valid, signer NOT verified: key \(fingerprint)\(modified)",
                        signerUnverified: true))
                continue
            }
            let identity = signers.identity(for: role)
            switch allowed.authorize(
                key, identity: identity, namespace: SSHSignature.namespace, at: signers.time,
                timeZone: signers.timeZone)
            {
            case .allowed(let match):
                // A pattern or a list names no one: say which line allowed the key, and how to name the signer.
                let who =
                    identity
                    ?? (match.principals.contains(where: { "*?,!".contains($0) })
                        ? "a key allowed for \"\(match.principals)\" (--identity names the signer)" : match.principals)
                lines.append(
                    Line(
                        ok: true,
                        text:
                            "\(shown): good \(role) signature by \(who) (\(allowed.path):\(match.line)), \(fingerprint)\(modified)"
                    ))
            case .refused(let reasons):
                let wanted = identity.map { " for \($0)" } ?? ""
                let why = reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; ")
                lines.append(
                    Line(
                        ok: false,
                        text:
                            "\(shown): \(role) signature by \(fingerprint): no line of \(allowed.path) allows this key\(wanted)\(why)"
                    ))
            }
        }
        return lines
    }

    /// A signed file, or a bundle (directory or .tar.gz).
    public static func verify(target: String, signers: Signers) -> Report {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory)
        if isDirectory.boolValue || target.hasSuffix(".tar.gz") {
            return ExportBundle.verify(target, signers: signers)
        }
        var lines = verifySignatures(of: target, signers: signers)
        // results.json in a run folder: its journal is checked against the digest it records.
        // (Foundation's NSString path methods trap on a bare file name here: split by hand.)
        let slash = target.lastIndex(of: "/")
        let directory = slash.map { target[..<$0].isEmpty ? "/" : String(target[..<$0]) } ?? "."
        let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
        if name == "results.json", FileManager.default.fileExists(atPath: directory + "/journal.jsonl") {
            lines += ExportBundle.journalChecks(directory)
        }
        return Report(lines: lines.filter { !$0.ok } + lines.filter(\.ok))
    }
}
