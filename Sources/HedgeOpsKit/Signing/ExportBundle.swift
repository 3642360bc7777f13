import Foundation

/// The sign-off bundle (SPEC §7): results, report, chart, samples, journal,
/// checklist, the executor log around every error and reconnect, a MANIFEST
/// of SHA-256 digests (`sha256sum -c MANIFEST` reads it), and signatures of
/// results.json and of the MANIFEST.
public enum ExportBundle {
    public struct Exported: Sendable {
        public var directory: String
        public var archive: String?
        public var signer: String
    }

    /// Builds the bundle of the run in `folder` into `out` (a directory, or
    /// a `.tar.gz` path), signed with the key at `keyPath`.
    public static func export(folder: String, out: String, keyPath: String) throws(SigningError) -> Exported {
        let record = try RunRecord(folder: folder)
        guard record.verdict != "RUNNING" else {
            throw SigningError("the run \(record.runID) is still going: export it once it has a verdict")
        }
        let key = try OpenSSHKey.load(path: keyPath)
        let archive = out.hasSuffix(".tar.gz") ? out : nil
        let directory: String
        if let archive {
            let parent = FileManager.default.temporaryDirectory.appendingPathComponent(
                "hedgeops-export-\(UUID().uuidString)"
            ).path
            directory =
                parent + "/"
                + URL(fileURLWithPath: archive).lastPathComponent.replacingOccurrences(of: ".tar.gz", with: "")
        } else {
            directory = out
        }
        if FileManager.default.fileExists(atPath: directory),
            !((try? FileManager.default.contentsOfDirectory(atPath: directory))?.isEmpty ?? true)
        {
            throw SigningError("\(directory) exists and is not empty: choose another --out")
        }
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
            try Data(logExcerpt(record).utf8).write(to: URL(fileURLWithPath: directory + "/executor-log-excerpt.txt"))
        } catch {
            throw SigningError("cannot write the bundle in \(directory): \(error.localizedDescription)")
        }
        _ = try SignOff.sign(file: directory + "/results.json", keyPath: keyPath, role: "operator")
        try writeManifest(directory)
        _ = try SignOff.sign(file: directory + "/MANIFEST", keyPath: keyPath, role: "operator")
        if let archive {
            let parent = (directory as NSString).deletingLastPathComponent
            let outcome = ProcessRunner.run(
                ["tar", "-czf", absolute(archive), "-C", parent, URL(fileURLWithPath: directory).lastPathComponent],
                environment: ProcessInfo.processInfo.environment,
                workingDirectory: FileManager.default.currentDirectoryPath,
                timeout: 120)
            guard outcome.exitCode == 0 else {
                throw SigningError("tar could not write \(archive): \(outcome.stderrText)\(outcome.launchError ?? "")")
            }
        }
        return Exported(directory: directory, archive: archive, signer: key.fingerprint)
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
        guard let path = record.results["log_file"] as? String,
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

    /// Checks a bundle and names the first thing that differs.
    public static func verify(_ target: String, signers: SignOff.Signers) -> SignOff.Report {
        var report = SignOff.Report()
        var directory = target
        if target.hasSuffix(".tar.gz") {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
                "hedgeops-verify-\(UUID().uuidString)"
            ).path
            try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            let outcome = ProcessRunner.run(
                ["tar", "-xzf", absolute(target), "-C", scratch], environment: ProcessInfo.processInfo.environment,
                workingDirectory: scratch, timeout: 120)
            let inner = (try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? []
            guard outcome.exitCode == 0, inner.count == 1, let name = inner.first else {
                report.lines.append(
                    .init(ok: false, text: "\(target): not a hedgeops bundle (tar: \(outcome.stderrText.prefix(200)))"))
                return report
            }
            directory = scratch + "/" + name
        }
        let manifestPath = directory + "/MANIFEST"
        guard let manifest = try? String(contentsOfFile: manifestPath, encoding: .utf8) else {
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
        if let journal = try? JournalReader(path: directory + "/journal.jsonl") {
            if let problem = journal.problem {
                report.lines.append(.init(ok: false, text: "journal.jsonl: \(problem)"))
            } else {
                report.lines.append(
                    .init(ok: true, text: "journal.jsonl: hash chain intact (\(journal.events.count) lines)"))
            }
        }
        if let data = FileManager.default.contents(atPath: directory + "/results.json"),
            let results = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            let recorded = results["journal_sha256"] as? String
            let actual = Journal.fileSHA256(directory + "/journal.jsonl")
            report.lines.append(
                recorded == actual
                    ? .init(ok: true, text: "results.json: journal_sha256 matches journal.jsonl")
                    : .init(ok: false, text: "results.json: journal_sha256 does not match journal.jsonl"))
        }
        report.lines += SignOff.verifySignatures(
            of: directory + "/results.json", signers: signers, name: "results.json")
        // The first problem first: a reviewer reads the top line.
        report.lines = report.lines.filter { !$0.ok } + report.lines.filter(\.ok)
        return report
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
