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
        let recorded: RunReader
        do throws(RunReadError) {
            recorded = try RunReader(folder: folder)
        } catch {
            throw ResumeRefusal(description: "\(error)", exitCode: ExitCode.usage)
        }
        if let problem = recorded.journalProblem {
            throw ResumeRefusal(
                description: "\(path): \(problem): the journal was changed; it cannot be resumed",
                exitCode: ExitCode.failed)
        }
        // A journal cut back to before its verdict must not be resumed as a live run.
        if let problem = recorded.results.flatMap(JournalDigest.init(results:))?.problem(journalPath: path) {
            throw ResumeRefusal(
                description: "\(path): \(problem): the journal does not match results.json; it cannot be resumed",
                exitCode: ExitCode.failed)
        }
        if let verdict = recorded.verdict {
            throw ResumeRefusal(
                description: "the run has finished: \(verdict.verdict); see \(folder)/results.json",
                exitCode: ExitCode.usage)
        }
        // The data directory's lock keeps a second supervisor out; this also
        // catches a run folder named from outside the locked data directory.
        if let owner = recorded.supervisor, owner.hedgeopsPID != getpid(),
            AdoptedProcess(pid: owner.hedgeopsPID, startTime: owner.hedgeopsStartTime) != nil
        {
            throw ResumeRefusal(
                description: "the run is supervised by a live hedgeops (pid \(owner.hedgeopsPID)): follow it with "
                    + "hedgeops status; resume is for a run whose hedgeops died",
                exitCode: ExitCode.usage)
        }
        guard let session = recorded.session, let (launch, launchAt) = recorded.launch else {
            throw ResumeRefusal(description: "\(path): the run was never launched", exitCode: ExitCode.usage)
        }
        let pid = launch.pid
        let startTime = launch.startTime
        var notes: [String] = []
        let launchedSHA = session.checklistSHA256
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
        // The torn tail and the chain's end, to continue the journal.
        let reader: JournalReader
        do {
            reader = try JournalReader(path: path)
        } catch {
            throw ResumeRefusal(description: "\(error)", exitCode: ExitCode.usage)
        }

        // Set a torn last line aside, where a reviewer can still read it.
        var tornNote: JournalEvent.TornLine?
        if let torn = reader.tornTail {
            let aside = folder + "/journal.torn-line-\(torn.line).txt"
            _ = FileManager.default.createFile(atPath: aside, contents: Data(torn.text.utf8))
            truncate(path, off_t(reader.validByteCount))
            tornNote = .init(
                line: torn.line, setAsideIn: aside, bytes: torn.text.utf8.count,
                sha256: Journal.sha256Hex(Data(torn.text.utf8)))
            notes.append("a torn last line (\(torn.line)) from the crash was set aside in \(aside)")
        }
        do {
            journal = try Journal(
                continuing: path, lastLineHash: reader.lastLineHash, lastSequence: reader.lastSequence)
            journal?.redactor = redactor
        } catch {
            throw ResumeRefusal(description: "\(error)", exitCode: ExitCode.failed)
        }
        if let tornNote { appendEvent(.tornLine(tornNote), durable: true) }

        // Rebuild the state from the journal.
        self.folder = folder
        runID = session.runID
        options.timeScale = session.timeScale
        if let values = recorded.parameters { options.context.parameterOverrides = values }
        if let directory = session.workingDirectory { options.context.workingDirectory = directory }
        // The run's own time scale, so the median window is the one it was launched with.
        core = RunCore(plan: .init(checklist: options.checklist, timeScale: scale), launch: launch.monotonic)
        launchWall = Self.date(launchAt) ?? Date()
        childPID = pid
        childStart = startTime
        follower = newFollower()
        // Checkpoints first: hour 0's window tells the replay where the warm-up ended.
        core.restore(checkpoints: recorded.checkpoints, silences: recorded.silences)
        var lastAt: Date?
        for (sample, at) in recorded.timedSamples {
            core.replay(
                hour: sample.hour, mb: sample.rssMB, threads: sample.threads, openFiles: sample.openFiles,
                cpuPercent: sample.cpuPercent)
            lastAt = Self.date(at) ?? lastAt
        }
        if let last = recorded.lastSample, let file = last.logFile {
            follower?.resume(file: file, offset: last.logOffset ?? 0, counts: last.counts)
        } else {
            follower?.forgetFilesBeforeLaunch()
        }
        let answered = Set(recorded.hourly.map(\.hour))
        reviewLock.withLock { review.replay(core.records, answeredHours: answered) }
        do {
            samplesFile = try SamplesFile(continuing: folder + "/samples.csv")
        } catch {
            notes.append("\(error): samples are recorded in the journal only")
        }

        startNotifier()
        let gap = lastAt.map { Date().timeIntervalSince($0) } ?? 0
        let adopted = launcher.adopt(pid: pid, startTime: startTime)
        child = adopted?.process
        sampler = adopted?.sampler
        if adopted == nil { notes.append("the executor (pid \(pid)) is gone: it ended while unsupervised") }
        let me = JournalEvent.Supervisor.current
        appendEvent(
            .resume(
                .init(
                    hedgeopsPID: me.hedgeopsPID, hedgeopsStartTime: me.hedgeopsStartTime, gapSeconds: gap,
                    executorAlive: adopted != nil, forced: force, notes: notes)),
            durable: true)
        notes.insert(String(format: "unsupervised for %.1f s", gap), at: 0)
        fillGap()
        // Clients are served once the adoption is on record (they read its notes from the journal).
        startControl()
        do {
            try startMetrics()
        } catch {
            emit(.warning("no metrics for Prometheus: \(error)"))
        }
        return notes.joined(separator: "; ")
    }

    /// Checkpoints that fell due while nobody watched are marked missed,
    /// carrying the nearest later sample (taken now), never a made-up value.
    func fillGap() {
        let now = clock.now()
        let due = core.gapCheckpoints(now)
        guard !due.isEmpty else { return }
        takeSample(now)
        let outcomes = core.fillGap(
            due, at: now, wallTime: Timestamp.rfc3339(Date()), log: logState, executorAlive: child?.poll() == nil)
        for outcome in outcomes { record(outcome) }
    }

    static func date(_ text: String?) -> Date? {
        guard let text else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
