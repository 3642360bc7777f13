import Foundation

/// Signing files and checking signatures as the operator and reviewer do it.
public enum SignOff {
    /// One finding of `verify`.
    public struct Line: Sendable {
        public var ok: Bool
        public var text: String
    }

    public struct Report: Sendable {
        public var lines: [Line] = []
        /// The first thing that differs, named.
        public var firstProblem: String? { lines.first { !$0.ok }?.text }
    }

    /// The signature file for `role`: FILE.sig or FILE.reviewer.sig.
    public static func signaturePath(for file: String, role: String) -> String {
        role == "reviewer" ? file + ".reviewer.sig" : file + ".sig"
    }

    /// Signs `file` with the key at `keyPath`; returns the signature's path.
    public static func sign(file: String, keyPath: String, role: String) throws(SigningError) -> String {
        guard let keyText = try? String(contentsOfFile: keyPath, encoding: .utf8) else {
            throw SigningError("cannot read the key \(keyPath)")
        }
        let key = try OpenSSHKey.parse(privateFile: keyText, path: keyPath)
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
    public static func verifySignatures(of file: String, allowed: AllowedSigners?, name: String? = nil) -> [Line] {
        let shown = name ?? file
        guard let message = FileManager.default.contents(atPath: file) else {
            return [Line(ok: false, text: "\(shown): cannot be read")]
        }
        var lines: [Line] = []
        for role in ["operator", "reviewer"] {
            let path = signaturePath(for: file, role: role)
            guard let armoured = try? String(contentsOfFile: path, encoding: .utf8) else {
                if role == "operator" {
                    lines.append(Line(ok: false, text: "\(shown): no operator signature (\(shown).sig)"))
                }
                continue
            }
            do {
                let key = try SSHSignature.verify(armoured, message: message)
                let fingerprint = OpenSSHKey.fingerprint(key)
                let modified =
                    (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
                    .flatMap { $0 }.map { " (signature written \(Timestamp.rfc3339($0)))" } ?? ""
                if let allowed {
                    guard let principal = allowed.principal(for: key) else {
                        lines.append(
                            Line(
                                ok: false,
                                text: "\(shown): \(role) signature by \(fingerprint), a key not in allowed_signers"))
                        continue
                    }
                    lines.append(
                        Line(
                            ok: true,
                            text: "\(shown): good \(role) signature by \(principal), \(fingerprint)\(modified)"))
                } else {
                    lines.append(
                        Line(
                            ok: true,
                            text:
                                "\(shown): good \(role) signature by key \(fingerprint)\(modified) (no allowed_signers given: signer not checked)"
                        ))
                }
            } catch {
                lines.append(Line(ok: false, text: "\(shown): \(role) signature: \(error)"))
            }
        }
        return lines
    }

    /// A signed file, or a bundle (directory or .tar.gz).
    public static func verify(target: String, allowed: AllowedSigners?) -> Report {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory)
        if isDirectory.boolValue || target.hasSuffix(".tar.gz") {
            return ExportBundle.verify(target, allowed: allowed)
        }
        var lines = verifySignatures(of: target, allowed: allowed)
        // results.json in a run folder: its journal is checked against the digest it records.
        let directory = (target as NSString).deletingLastPathComponent
        if (target as NSString).lastPathComponent == "results.json",
            FileManager.default.fileExists(atPath: (directory.isEmpty ? "." : directory) + "/journal.jsonl")
        {
            lines += ExportBundle.journalChecks(directory.isEmpty ? "." : directory)
        }
        return Report(lines: lines.filter { !$0.ok } + lines.filter(\.ok))
    }
}
