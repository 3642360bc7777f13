import Foundation

/// Why a run cannot be resumed, in words an operator can act on.
public struct ResumeRefusal: Error, CustomStringConvertible {
    public var description: String
    public var exitCode: Int32
}

extension RunSupervisor {
    /// Re-attaches to the run recorded in `folder` whose hedgeops died: the
    /// journal is checked (a torn last line is set aside, not dropped), the
    /// checklist must be the one launched (unless `force`), the executor is
    /// found by PID and start time, and the gap is recorded.
    public func adopt(folder: String, force: Bool) throws(ResumeRefusal) -> String {
        let path = folder + "/journal.jsonl"
        let reader: JournalReader
        do {
            reader = try JournalReader(path: path)
        } catch {
            throw ResumeRefusal(description: "\(error)", exitCode: ExitCode.usage)
        }
        if let problem = reader.problem {
            throw ResumeRefusal(
                description: "\(path): \(problem): the journal was changed; it cannot be resumed",
                exitCode: ExitCode.failed)
        }
        // A journal cut back to before its verdict must not be resumed as a live run.
        if let problem = JournalDigest(resultsPath: folder + "/results.json")?.problem(journalPath: path) {
            throw ResumeRefusal(
                description: "\(path): \(problem): the journal does not match results.json; it cannot be resumed",
                exitCode: ExitCode.failed)
        }
        func events(_ type: String) -> [[String: Any]] { reader.events.filter { $0["type"] as? String == type } }
        if let verdict = events("verdict").last {
            throw ResumeRefusal(
                description:
                    "the run has finished: \(verdict["verdict"] as? String ?? "?"); see \(folder)/results.json",
                exitCode: ExitCode.usage)
        }
        // The data directory's lock keeps a second supervisor out; this also
        // catches a run folder named from outside the locked data directory.
        let owner = reader.supervisorEvent
        if let ownerPID = owner?["hedgeops_pid"] as? Int, let ownerStart = owner?["hedgeops_start_time"] as? Int,
            Int32(ownerPID) != getpid(), AdoptedProcess(pid: Int32(ownerPID), startTime: UInt64(ownerStart)) != nil
        {
            throw ResumeRefusal(
                description: "the run is supervised by a live hedgeops (pid \(ownerPID)): follow it with "
                    + "hedgeops status; resume is for a run whose hedgeops died",
                exitCode: ExitCode.usage)
        }
        guard let session = events("session").first, let launch = events("launch").first,
            let pid = (launch["pid"] as? Int).flatMap(Int32.init(exactly:)),
            let startTime = (launch["start_time"] as? Int).flatMap(UInt64.init(exactly:)),
            let monotonic = launch["monotonic"] as? Double
        else {
            throw ResumeRefusal(description: "\(path): the run was never launched", exitCode: ExitCode.usage)
        }
        var notes: [String] = []
        let launchedSHA = session["checklist_sha256"] as? String ?? ""
        if launchedSHA != options.checklist.sha256 {
            guard force else {
                throw ResumeRefusal(
                    description: "the checklist \(options.checklist.file) changed since launch "
                        + "(sha256 \(launchedSHA.prefix(12))… then, \(options.checklist.sha256.prefix(12))… now); "
                        + "resume with the checklist it was launched with, or pass --force (recorded)",
                    exitCode: ExitCode.usage)
            }
            notes.append("checklist changed since launch; resumed with --force")
        }

        // Set a torn last line aside, where a reviewer can still read it.
        var tornNote: [String: JSONValue]?
        if let torn = reader.tornTail {
            let aside = folder + "/journal.torn-line-\(torn.line).txt"
            _ = FileManager.default.createFile(atPath: aside, contents: Data(torn.text.utf8))
            truncate(path, off_t(reader.validByteCount))
            tornNote = [
                "line": .int(torn.line), "set_aside_in": .string(aside), "bytes": .int(torn.text.utf8.count),
                "sha256": .string(Journal.sha256Hex(Data(torn.text.utf8))),
            ]
            notes.append("a torn last line (\(torn.line)) from the crash was set aside in \(aside)")
        }
        do {
            journal = try Journal(
                continuing: path, lastLineHash: reader.lastLineHash, lastSequence: reader.lastSequence)
            journal?.redactor = redactor
        } catch {
            throw ResumeRefusal(description: "\(error)", exitCode: ExitCode.failed)
        }
        if let tornNote { appendEvent("torn_line", tornNote, durable: true) }

        // Rebuild the state from the journal.
        self.folder = folder
        runID = session["run_id"] as? String ?? URL(fileURLWithPath: folder).lastPathComponent
        options.timeScale = session["time_scale"] as? Double ?? (session["time_scale"] as? Int).map(Double.init) ?? 1
        if let values = events("parameters").last?["values"] as? [String: String] {
            options.context.parameterOverrides = values
        }
        if let directory = session["working_directory"] as? String { options.context.workingDirectory = directory }
        launchMonotonic = monotonic
        launchWall = Self.date(launch["at"] as? String) ?? Date()
        childPID = pid
        childStart = startTime
        follower = LogFollower(
            glob: run.logGlob, workingDirectory: options.context.workingDirectory, notBefore: launchWall,
            patterns: options.checklist.logPatterns)
        var lastAt: Date?
        for sample in events("sample") {
            let hour = sample["hour"] as? Double ?? 0
            let rss = sample["rss_mb"] as? Double ?? (sample["rss_mb"] as? Int).map(Double.init) ?? 0
            let afterWarmup = hour * 3600 >= warmup
            series.add(hour: hour, mb: rss, afterWarmup: afterWarmup)
            if afterWarmup {
                if let threads = sample["threads"] as? Int { threadFit.add(hour, Double(threads)) }
                if let files = sample["open_files"] as? Int { fileFit.add(hour, Double(files)) }
            }
            if afterWarmup, let cpu = sample["cpu_pct"] as? Double ?? (sample["cpu_pct"] as? Int).map(Double.init) {
                cpuSum += cpu
                cpuCount += 1
            }
            lastAt = Self.date(sample["at"] as? String) ?? lastAt
        }
        if let last = events("sample").last, let file = last["log_file"] as? String {
            follower?.resume(
                file: file, offset: UInt64(clamping: last["log_offset"] as? Int ?? 0),
                counts: last["counts"] as? [String: Int] ?? [:])
        }
        for event in events("checkpoint") {
            if let object = event["checkpoint"] as? [String: Any], let record = CheckpointRecord(journal: object) {
                checkpoints[record.hour] = record
            }
        }
        silences = events("silence").count
        let answered = Set(
            events("hourly").compactMap { $0["hour"] as? Double ?? ($0["hour"] as? Int).map(Double.init) })
        reviewLock.withLock { review.replay(Array(checkpoints.values), answeredHours: answered) }
        do {
            samplesFile = try SamplesFile(continuing: folder + "/samples.csv")
        } catch {
            notes.append("\(error): samples are recorded in the journal only")
        }

        startNotifier()
        let gap = lastAt.map { Date().timeIntervalSince($0) } ?? 0
        let adopted = AdoptedProcess(pid: pid, startTime: startTime)
        child = adopted
        if let adopted { sampler = ProcessSampler(rootPID: adopted.pid) }
        if adopted == nil { notes.append("the executor (pid \(pid)) is gone: it ended while unsupervised") }
        appendEvent(
            "resume",
            [
                "hedgeops_pid": .int(Int(getpid())),
                "hedgeops_start_time": .int(Int(ProcessSampler.startTime(of: getpid()) ?? 0)), "gap_s": .double(gap),
                "executor_alive": .bool(adopted != nil),
                "forced": .bool(force), "notes": .array(notes.map { .string($0) }),
            ], durable: true)
        notes.insert(String(format: "unsupervised for %.1f s", gap), at: 0)
        fillGap()
        // Clients are served once the adoption is on record (they read its notes from the journal).
        startControl()
        return notes.joined(separator: "; ")
    }

    /// Checkpoints that fell due while nobody watched are marked missed,
    /// carrying the nearest later sample (taken now), never a made-up value.
    private func fillGap() {
        let now = RunClock.monotonic()
        let dueNow = options.checklist.monitoring.checkpoints.filter { checkpoint in
            checkpoints[checkpoint.hour] == nil
                && launchMonotonic + dueOffset(checkpoint) / scale <= now
        }
        guard !dueNow.isEmpty else { return }
        takeSample(now)
        let alive = child?.poll() == nil
        let hour = (now - launchMonotonic) * scale / 3600
        for checkpoint in dueNow {
            let value = alive ? lastSample?.rssMB : nil
            let note =
                value == nil
                ? "fell in the gap while hedgeops was not running"
                : String(
                    format:
                        "fell in the gap while hedgeops was not running; value is the nearest later sample, at hour %.2f",
                    hour)
            recordCheckpoint(checkpoint, missed: true, note: note, gapValue: value)
        }
    }

    static func date(_ text: String?) -> Date? {
        guard let text else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
