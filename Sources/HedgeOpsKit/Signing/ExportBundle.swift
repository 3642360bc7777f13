import Foundation

/// The sign-off bundle: results, report, chart, samples, journal,
/// checklist, the executor log around every error and reconnect, a MANIFEST
/// of SHA-256 digests (`sha256sum -c MANIFEST` reads it), and signatures of
/// results.json and of the MANIFEST.
public enum ExportBundle {
    public struct Exported: Sendable {
        /// The bundle directory, or the archive's path when `archive` is set.
        public var directory: String
        public var archive: String?
        public var signer: String
    }

    /// Builds the bundle of the run in `folder` into `out` (a directory, or
    /// a `.tar.gz` path), signed with the key at `keyPath`. The secrets of
    /// `environment` (see `SecretRedactor`) never reach the bundle: the log
    /// excerpt is redacted, and a file that holds any form of a secret (a
    /// journal recorded before redaction existed) refuses the export, naming
    /// the file, before anything is signed. A `.tar.gz` is built in a
    /// private temporary directory that is removed on every way out.
    public static func export(
        folder: String, out: String, keyPath: String, environment: [String: String]
    ) throws(SigningError) -> Exported {
        let record = try RunRecord(folder: folder)
        guard record.verdict != "RUNNING" else {
            throw SigningError("the run \(record.runID) is still going: export it once it has a verdict")
        }
        let key = try OpenSSHKey.load(path: keyPath)
        let redactor = SecretRedactor(environment: environment, checklist: record.checklist)
        guard out.hasSuffix(".tar.gz") else {
            try ensureEmpty(out)
            let existed = FileManager.default.fileExists(atPath: out)
            do {
                try build(record, folder: folder, into: out, key: key, keyPath: keyPath, redactor: redactor)
            } catch {
                // Nothing half-built (or holding a secret) is left behind.
                removeContents(of: out, andDirectory: !existed)
                throw error
            }
            return Exported(directory: out, archive: nil, signer: key.fingerprint)
        }
        let scratch: ScratchDirectory
        do {
            scratch = try ScratchDirectory(prefix: "hedgeops-export-")
        } catch {
            throw SigningError(error.description)
        }
        defer { scratch.remove() }
        let name = URL(fileURLWithPath: out).lastPathComponent.replacingOccurrences(of: ".tar.gz", with: "")
        let directory = scratch.path + "/" + name
        try build(record, folder: folder, into: directory, key: key, keyPath: keyPath, redactor: redactor)
        let outcome = ProcessRunner.run(
            ["tar", "-czf", absolute(out), "-C", scratch.path, name],
            environment: ProcessInfo.processInfo.environment,
            workingDirectory: FileManager.default.currentDirectoryPath,
            timeout: 120)
        guard outcome.exitCode == 0 else {
            throw SigningError("tar could not write \(out): \(outcome.stderrText)\(outcome.launchError ?? "")")
        }
        return Exported(directory: out, archive: out, signer: key.fingerprint)
    }

    /// Writes, checks and signs the bundle's files in `directory`.
    private static func build(
        _ record: RunRecord, folder: String, into directory: String, key: OpenSSHKey, keyPath: String,
        redactor: SecretRedactor
    ) throws(SigningError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for name in ["results.json", "journal.jsonl", "samples.csv", "checklist.yaml"] {
                try FileManager.default.copyItem(atPath: folder + "/" + name, toPath: directory + "/" + name)
            }
            try Data(ReportRenderer.markdown(record, signer: key.fingerprint).utf8).write(
                to: URL(fileURLWithPath: directory + "/report.md"))
            let ratio = record.checklist?.monitoring.leakRatio ?? 1.5
            try Data(MemoryChart.svg(record, leakRatio: ratio).utf8).write(
                to: URL(fileURLWithPath: directory + "/memory.svg"))
            try Data(redactor.redact(logExcerpt(record)).utf8).write(
                to: URL(fileURLWithPath: directory + "/executor-log-excerpt.txt"))
        } catch {
            throw SigningError("cannot write the bundle in \(directory): \(error.localizedDescription)")
        }
        try refuseSecrets(in: directory, redactor: redactor)
        _ = try SignOff.sign(file: directory + "/results.json", keyPath: keyPath, role: "operator")
        try writeManifest(directory)
        _ = try SignOff.sign(file: directory + "/MANIFEST", keyPath: keyPath, role: "operator")
        // The final check, of every file the bundle holds.
        try refuseSecrets(in: directory, redactor: redactor)
    }

    /// Refuses the export when any file of `directory` holds any form of a secret.
    static func refuseSecrets(in directory: String, redactor: SecretRedactor) throws(SigningError) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        for name in names {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                throw SigningError("cannot read \(directory)/\(name) to check it for secrets")
            }
            let found = redactor.secretsFound(in: data)
            if !found.isEmpty {
                let hint =
                    name == "journal.jsonl"
                    ? "a journal cannot be redacted without breaking its hash chain: rotate the secret"
                    : "rotate the secret, or take it out of the run folder's \(name)"
                throw SigningError(
                    "\(name) holds the value of \(found.joined(separator: ", ")) (in some form): the bundle would "
                        + "reveal it, so nothing was exported (\(hint))")
            }
        }
    }

    /// Refuses an `out` directory that already holds something.
    private static func ensureEmpty(_ directory: String) throws(SigningError) {
        if FileManager.default.fileExists(atPath: directory),
            !((try? FileManager.default.contentsOfDirectory(atPath: directory))?.isEmpty ?? true)
        {
            throw SigningError("\(directory) exists and is not empty: choose another --out")
        }
    }

    private static func removeContents(of directory: String, andDirectory: Bool) {
        if andDirectory {
            try? FileManager.default.removeItem(atPath: directory)
            return
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            try? FileManager.default.removeItem(atPath: directory + "/" + name)
        }
    }

    /// Every file but the MANIFEST and its signature, in `sha256sum` format.
    static func writeManifest(_ directory: String) throws(SigningError) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0 != "MANIFEST" && $0 != "MANIFEST.sig" }.sorted()
        let lines = names.map { "\(Journal.fileSHA256(directory + "/" + $0) ?? "")  \($0)" }
        guard
            FileManager.default.createFile(
                atPath: directory + "/MANIFEST", contents: Data((lines.joined(separator: "\n") + "\n").utf8))
        else { throw SigningError("cannot write \(directory)/MANIFEST") }
    }

    /// The executor's log around every error, reconnect and ERROR_LOCK (±3 lines).
    static func logExcerpt(_ record: RunRecord) -> String {
        guard let path = record.results.logFile,
            let text = try? String(contentsOfFile: path, encoding: .utf8)
        else { return "(no executor log was found)\n" }
        let ids: Set = ["errors", "ws_reconnects", "ws_dropped", "error_lock"]
        let regexes = (record.checklist?.logPatterns ?? []).filter { ids.contains($0.id) }
            .compactMap { try? NSRegularExpression(pattern: $0.regex) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var keep = IndexSet()
        for (index, line) in lines.enumerated()
        where regexes.contains(where: { $0.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil })
        {
            keep.insert(integersIn: max(0, index - 3)...min(lines.count - 1, index + 3))
        }
        var out = ["# \(path): lines around every error, reconnect and ERROR_LOCK (line numbers from the log)"]
        var previous = -2
        for index in keep.prefix(5000) {
            if index != previous + 1 { out.append("--") }
            out.append("\(index + 1): \(lines[index])")
            previous = index
        }
        if keep.isEmpty { out.append("(none: no errors, reconnects or ERROR_LOCK in the log)") }
        return out.joined(separator: "\n") + "\n"
    }

    /// Checks a bundle and names the first thing that differs. A `.tar.gz`
    /// is unpacked (within a size limit) into a private temporary directory
    /// that is removed before this returns.
    public static func verify(_ target: String, signers: SignOff.Signers) -> SignOff.Report {
        guard target.hasSuffix(".tar.gz") else { return verify(directory: target, signers: signers) }
        var report = SignOff.Report()
        let scratch: ScratchDirectory
        do {
            scratch = try ScratchDirectory(prefix: "hedgeops-verify-")
        } catch {
            report.lines.append(.init(ok: false, text: error.description))
            return report
        }
        defer { scratch.remove() }
        if let problem = BundleArchive.extract(absolute(target), into: scratch.path) {
            report.lines.append(.init(ok: false, text: problem))
            return report
        }
        let inner = (try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []
        guard inner.count == 1, let name = inner.first else {
            report.lines.append(.init(ok: false, text: "\(target): not a hedgeops bundle (one folder expected inside)"))
            return report
        }
        return verify(directory: scratch.path + "/" + name, signers: signers)
    }

    /// Checks an unpacked bundle.
    static func verify(directory: String, signers: SignOff.Signers) -> SignOff.Report {
        var report = SignOff.Report()
        let manifestPath = directory + "/MANIFEST"
        guard let manifest = try? String(contentsOfFile: manifestPath, encoding: .utf8) else {
            if FileManager.default.fileExists(atPath: directory + "/journal.jsonl") {
                // A run folder: no MANIFEST, but its journal and results.json are checked all the same.
                report.lines += journalChecks(directory)
                report.lines += SignOff.verifySignatures(
                    of: directory + "/results.json", signers: signers, name: "results.json")
                report.lines = report.lines.filter { !$0.ok } + report.lines.filter(\.ok)
                return report
            }
            report.lines.append(.init(ok: false, text: "MANIFEST: missing; this is not a hedgeops bundle"))
            return report
        }
        report.lines += SignOff.verifySignatures(of: manifestPath, signers: signers, name: "MANIFEST")
        var listed = Set<String>()
        for line in manifest.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            let name = parts[1]
            listed.insert(name)
            guard let actual = Journal.fileSHA256(directory + "/" + name) else {
                report.lines.append(.init(ok: false, text: "\(name): listed in the MANIFEST but missing"))
                continue
            }
            report.lines.append(
                actual == parts[0]
                    ? .init(ok: true, text: "\(name): SHA-256 matches the MANIFEST")
                    : .init(ok: false, text: "\(name): SHA-256 differs from the MANIFEST (the file was changed)"))
        }
        let present = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in present.sorted() where !listed.contains(name) && name != "MANIFEST" && name != "MANIFEST.sig" {
            report.lines.append(.init(ok: false, text: "\(name): in the bundle but not in the MANIFEST"))
        }
        report.lines += journalChecks(directory)
        report.lines += SignOff.verifySignatures(
            of: directory + "/results.json", signers: signers, name: "results.json")
        // The first problem first: a reviewer reads the top line.
        report.lines = report.lines.filter { !$0.ok } + report.lines.filter(\.ok)
        return report
    }

    /// The journal's hash chain, and the journal against the digest results.json recorded of it.
    static func journalChecks(_ directory: String) -> [SignOff.Line] {
        var lines: [SignOff.Line] = []
        let path = directory + "/journal.jsonl"
        if let journal = try? JournalReader(path: path) {
            if let problem = journal.problem {
                lines.append(.init(ok: false, text: "journal.jsonl: \(problem)"))
            } else {
                lines.append(.init(ok: true, text: "journal.jsonl: hash chain intact (\(journal.events.count) lines)"))
            }
        }
        if FileManager.default.fileExists(atPath: directory + "/results.json"),
            JournalDigest(resultsPath: directory + "/results.json") == nil
        {
            lines.append(.init(ok: false, text: "results.json: records no journal_sha256 to check journal.jsonl by"))
        }
        if let digest = JournalDigest(resultsPath: directory + "/results.json") {
            if let problem = digest.problem(journalPath: path) {
                lines.append(.init(ok: false, text: "journal.jsonl: \(problem)"))
            } else {
                lines.append(.init(ok: true, text: "results.json: journal_sha256 matches journal.jsonl"))
            }
        }
        return lines
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// PUTs the archive to `url`, with retries; returns the server's answer.
    public static func upload(archive: String, to url: String) throws(SigningError) -> String {
        guard let data = FileManager.default.contents(atPath: archive) else {
            throw SigningError("cannot read \(archive)")
        }
        let request = HTTPRequest(
            method: "PUT", url: url, headers: [("Content-Type", "application/gzip")], body: data, connectTimeout: 10,
            timeout: 300)
        let (outcome, attempts) = RetryPolicy(attempts: 4, baseDelay: 0.5, maxDelay: 8).perform(request)
        switch outcome {
        case .failure(let failure):
            throw SigningError("upload to \(failure.host) failed after \(attempts) attempts: \(failure.reason)")
        case .success(let response) where (200..<300).contains(response.status):
            let body = String(decoding: response.body.prefix(300), as: UTF8.self)
            return
                "HTTP \(response.status) after \(attempts) attempt\(attempts == 1 ? "" : "s")\(body.isEmpty ? "" : ": \(body)")"
        case .success(let response):
            throw SigningError(
                "upload refused: HTTP \(response.status) after \(attempts) attempts: \(String(decoding: response.body.prefix(300), as: UTF8.self))"
            )
        }
    }
}
