import Foundation
import HedgeOpsKit

/// The session while the run goes and after its verdict.
extension GuidedSession {
    /// The presenter the session's screen goes through.
    func eventHandler(_ presenter: RunPresenter) -> @Sendable (RunEvent) -> Void {
        self.presenter = presenter
        return { event in presenter.show(event) }
    }

    /// Hands the prepared run (or, with `.adopt`, a run whose supervisor
    /// died) to a supervisor process of its own, with the data directory's
    /// lock, then follows it as a client. From here on the session can be
    /// detached, closed or killed: the supervisor goes on sampling.
    func handOver(
        folder: String, lock: RunLock, mode: SupervisorLauncher.Mode, parameters: [String: String],
        checklistPath: String? = nil
    ) -> Int32 {
        supervisor?.handOver()
        let resumesBefore = Self.resumeCount(folder)
        let process: ChildProcess
        do {
            process = try SupervisorLauncher.start(
                mode, folder: folder, lock: lock, checklistPath: checklistPath ?? checklist.file, timeScale: timeScale,
                parameters: parameters, proxy: context.proxy, environment: context.environment,
                extra: supervisorArguments)
        } catch {
            terminal.error("error: could not start the supervisor: \(error)")
            return ExitCode.failed
        }
        // The supervisor holds the lock now (the same open file): this copy can go.
        lock.release()
        switch SupervisorLauncher.connect(folder: folder, process: process) {
        case .failure(let failure):
            // A run adopted and ended at once (its executor was found gone) has its verdict already;
            // a refused adoption recorded nothing, and its reason is the error.
            if case .adopt = mode, Self.resumeCount(folder) > resumesBefore, let verdict = catchUp(folder) {
                if let notes = Self.resumeNotes(folder) { terminal.out(notes) }
                terminal.out(verdict.lines)
                return verdict.code
            }
            terminal.error("error: \(failure.description)")
            return failure.exitCode
        case .success(let client):
            if case .adopt = mode, let notes = Self.resumeNotes(folder) { terminal.out(notes) }
            return follow(folder: folder, client: client)
        }
    }

    static func resumeCount(_ folder: String) -> Int {
        (try? RunReader(folder: folder))?.resumes.count ?? 0
    }

    /// What the supervisor recorded when it adopted the run.
    static func resumeNotes(_ folder: String) -> String? {
        guard let resume = (try? RunReader(folder: folder))?.resumes.last else { return nil }
        let notes = [String(format: "unsupervised for %.1f s", resume.gapSeconds)] + resume.notes
        return "resumed run \(URL(fileURLWithPath: folder).lastPathComponent): " + notes.joined(separator: "; ")
    }

    /// Follows a supervised run as a client until its verdict, then until
    /// `quit`. Used after the launch, by `resume` and by `attach`.
    func follow(folder: String, client: ControlClient) -> Int32 {
        runFolder = folder
        control = client
        guard let first = client.status(), let events = ControlClient.connect(folder: folder) else {
            // It may have reached the verdict between the connection and now.
            if let verdict = catchUp(folder) {
                terminal.out(verdict.lines)
                return verdict.code
            }
            terminal.error("error: the supervisor of \(folder) does not answer")
            return ExitCode.failed
        }
        lock.withLock {
            attachedStatus = first
            attachedAt = RunClock.monotonic()
            live = first.live
        }
        let finished = DispatchGroup()
        finished.enter()
        let ending = Locked<Bool>(false)
        let end: @Sendable () -> Void = { [weak self] in
            let first = ending.withLock { done -> Bool in
                defer { done = true }
                return !done
            }
            guard first else { return }
            finished.leave()
            self?.input.editor?.wake()
        }
        let subscribed = events.subscribe(
            { [weak self] event in
                guard let self else { return }
                if receive(event) { end() }
            }, ended: end)
        guard subscribed else {
            terminal.error("error: the supervisor of \(folder) refused the subscription")
            return ExitCode.failed
        }
        let signals = detachOnHangup()
        input.editor?.statusLine = { [weak self] in self?.statusText() ?? "" }
        input.editor?.commands = Self.runCommands
        var lateLine: String?
        let leftDuringRun = !commandLoop(until: finished, lateLine: &lateLine)
        finished.wait()
        presenter?.flush()
        input.editor?.statusLine = nil
        withExtendedLifetime((events, signals)) {}
        // The verdict may have come before the subscription did: results.json has it.
        if lock.withLock({ verdictSeen }) == nil, let missed = catchUp(folder) {
            terminal.out(missed.lines)
            lock.withLock { verdictSeen = missed.verdict }
        }
        guard let verdict = lock.withLock({ verdictSeen }) else {
            terminal.error(
                "the supervisor went away before the verdict (see \(folder)/supervisor.log); "
                    + "`hedgeops resume` adopts the run")
            input.close()
            return ExitCode.failed
        }
        let record = try? RunRecord(folder: folder)
        let aborted = record?.results.end?.kind == RunEnd.aborted.rawValue
        if !leftDuringRun { afterVerdict(verdict, first: lateLine) }
        input.close()
        return aborted ? ExitCode.aborted : verdict == "PASS" ? ExitCode.success : ExitCode.failed
    }

    /// One event from the supervisor, on the subscription's thread: shown,
    /// never waited for. True once the verdict has come.
    private func receive(_ event: ControlEvent) -> Bool {
        switch event {
        case .sample(let figures): lock.withLock { live = figures }
        case .checkpoint(let record, let baseline, let ratio):
            presenter?.show(.checkpoint(record, baselineMB: baseline, leakRatio: ratio))
        case .warning(let message): presenter?.show(.warning(message))
        case .hourlyDue(let hour, let items):
            let due = HourlyReview.Due(hour: hour, items: items)
            lock.withLock { waitingHour = due }
            presenter?.note(hourlyItems(due))
        case .recorded(.hourly(let answer)):
            lock.withLock { if waitingHour?.hour == answer.hour { waitingHour = nil } }
        case .recorded: break
        case .ended(let detail): presenter?.show(.ended(detail))
        case .verdict(let verdict, let path):
            presenter?.note(verdictLines(verdict, resultsPath: path))
            lock.withLock { verdictSeen = verdict }
            return true
        }
        return false
    }

    /// A verdict reached while no client listened: how it ended, the
    /// criteria and the verdict, from results.json; nil while the run goes on.
    func catchUp(_ folder: String) -> (verdict: String, lines: String, code: Int32)? {
        guard let record = try? RunRecord(folder: folder), record.verdict != "RUNNING" else { return nil }
        runFolder = folder
        let end = record.results.end
        let lines =
            "ended: \(end?.detail ?? "")\n" + verdictLines(record.verdict, resultsPath: folder + "/results.json")
        let aborted = end?.kind == RunEnd.aborted.rawValue
        return (record.verdict, lines, aborted ? ExitCode.aborted : record.verdict == "PASS" ? 0 : ExitCode.failed)
    }

    /// The criteria and the verdict, as `run` prints them, from results.json.
    private func verdictLines(_ verdict: String, resultsPath: String) -> String {
        let record = runFolder.flatMap { try? RunRecord(folder: $0) }
        var lines = VerdictTable(criteria: record?.criteria ?? [], terminal: terminal).lines(
            width: terminal.layoutWidth)
        let painted = verdict == "PASS" ? terminal.paint(verdict, .green) : terminal.paint(verdict, .boldRed)
        lines.append("VERDICT: \(painted)" + (record?.rehearsal.map { " (\($0))" } ?? ""))
        lines.append("results: \(resultsPath)")
        return lines.joined(separator: "\n")
    }

    /// SIGHUP (the terminal closed) or SIGTERM to the session: it leaves; the run goes on.
    private func detachOnHangup() -> SignalWatch.Watch {
        SignalWatch.install([SIGHUP, SIGTERM]) { [weak self] number in
            _ = self?.control?.send(
                .record(.detach(.init(reason: number == SIGHUP ? "terminal closed" : "SIGTERM"))), timeout: 2)
            self?.input.close()
            Foundation.exit(ExitCode.success)
        }
    }

    /// Prints the supervisor's answer to a request.
    func tell(_ response: ControlResponse?) {
        switch response {
        case .ok(let message): if !message.isEmpty { terminal.out(message) }
        case .refused(let message): terminal.out("error: \(message)")
        case .status, nil: if response == nil { terminal.out("error: the supervisor did not answer") }
        }
    }

    /// Commands during the run; false when the operator asked to abort.
    /// A line read without a terminal's editor cannot be interrupted by the
    /// verdict: one that comes after it is handed back as `lateLine`, for
    /// the commands after the verdict (`quit` then leaves, not detaches).
    private func commandLoop(until finished: DispatchGroup, lateLine: inout String?) -> Bool {
        // Ends of input in a row with no line between: a terminal that is gone, not an operator.
        var endsInARow = 0
        while finished.wait(timeout: .now()) == .timedOut {
            let line: String
            switch ask({ [weak self] in self?.prompt() ?? "> " }) {
            case .line(let text):
                endsInARow = 0
                if finished.wait(timeout: .now()) == .success {
                    lateLine = text
                    return true
                }
                line = text
            case .woken, .cancelled: continue
            case .endOfInput:
                guard input.interactive else {
                    terminal.out("(end of input: the run goes on; checkpoints are recorded on time)")
                    return true
                }
                endsInARow += 1
                if endsInARow >= 3 { detach(reason: "end of input") }
                if leave() { return false }
                continue
            }
            if line.isEmpty { continue }
            let words = line.split(separator: " ", maxSplits: 1).map(String.init)
            let argument = words.count > 1 ? words[1] : ""
            switch words[0] {
            case "note":
                guard let text = argument.isEmpty ? askNote() : argument else { continue }
                tell(control?.send(.note(redactor.redact(text))))
            case "ok": confirmWaitingHour()
            case "flag": flagHour(argument)
            case "detach": detach(reason: nil)
            case "quit": quit()
            case "abort":
                if confirmAbort() { return false }
            case "export": terminal.out("export signs the finished run: it is available after the verdict")
            case "recheck": recheck()
            case "back":
                terminal.out("the run is going: the answers before the launch stand (`note TEXT` adds to the record)")
            default: runCommonCommand(words[0], argument)
            }
        }
        return true
    }

    /// The automatic pre-flight checks again, during the run (network,
    /// credentials, disk): shown and journalled; the run is not touched.
    private func recheck() {
        let report = Preflight(checklist: checklist, context: context).run()
        terminal.out(
            PreflightPresenter(report: report, terminal: terminal).table(title: checklist.title, heading: "recheck"))
        let failed = report.items.filter { $0.status == .fail }.map(\.id).joined(separator: ",")
        _ = control?.send(.record(.recheck(.init(ok: report.ok, failed: failed))))
    }

    /// Commands that work during the run and after it.
    func runCommonCommand(_ command: String, _ argument: String) {
        switch command {
        case "help": help(argument)
        case "checklist": showChecklist()
        case "results": showResults()
        case "status": status()
        case "memory": memory()
        case "log": log(Int(argument) ?? 10)
        default:
            let hint = closest(to: command, in: Self.runCommands).map { "; did you mean '\($0)'?" } ?? ""
            terminal.out("unknown command '\(command)'\(hint) (help lists them)")
        }
    }

    func detach(reason: String?) -> Never {
        _ = control?.send(.record(.detach(.init(reason: reason))))
        terminal.out("detached: the run goes on; `hedgeops status` shows it, `hedgeops attach` re-opens the session")
        input.close()
        Foundation.exit(ExitCode.success)
    }

    /// After the verdict: look at the results, export the signed bundle, quit.
    private func afterVerdict(_ verdict: String, first: String? = nil) {
        terminal.out(
            "\nthe run is over (\(verdict)): `export KEY [OUT]` writes the signed bundle; "
                + "`report` writes report.md and memory.svg; `results`, `checklist`, `memory`, `log`, `quit`")
        input.editor?.commands = ["export", "report", "results", "checklist", "memory", "log", "help", "quit"]
        var pending = first
        while true {
            let line: String
            if let typed = pending {
                line = typed
                pending = nil
            } else {
                guard case .line(let typed) = ask({ "hedgeops [done · \(verdict)]> " }) else { return }
                line = typed
            }
            if line.isEmpty { continue }
            let words = line.split(separator: " ", maxSplits: 1).map(String.init)
            let argument = words.count > 1 ? words[1] : ""
            switch words[0] {
            case "quit", "detach", "exit": return
            case "export": export(argument)
            case "report":
                do {
                    let paths = try ReportCommand.writeFiles(
                        RunRecord(folder: runFolder ?? ""), folder: runFolder ?? "")
                    paths.forEach { terminal.out("wrote \($0)") }
                } catch {
                    terminal.out("error: \(error)")
                }
            case "note", "ok", "flag", "abort": terminal.out("the run is over: nothing more is recorded")
            default: runCommonCommand(words[0], argument)
            }
        }
    }

    private func export(_ argument: String) {
        let words = argument.split(separator: " ").map { NSString(string: String($0)).expandingTildeInPath }
        guard let folder = runFolder, let key = words.first, words.count <= 2 else {
            terminal.out("usage: export KEY [OUT]   (KEY: an OpenSSH Ed25519 private key; `hedgeops keygen` makes one)")
            return
        }
        let out = words.count > 1 ? words[1] : ExportCommand.defaultArchive(folder: folder)
        do {
            let exported = try ExportBundle.export(
                folder: folder, out: out, keyPath: key, environment: context.environment)
            let path = exported.archive ?? exported.directory
            terminal.out("signed bundle: \(path) (signed by \(exported.signer))")
            terminal.out(
                "a reviewer checks it with: hedgeops verify \(path) --allowed-signers allowed_signers", wrap: false)
        } catch {
            terminal.out("error: \(error)")
        }
    }

    /// Run hours now, from the supervisor's figure at attach and the monotonic clock since.
    var elapsedHours: Double {
        lock.withLock {
            guard let status = attachedStatus else { return 0 }
            let since = (RunClock.monotonic() - attachedAt) * status.timeScale / 3600
            return min(status.plannedHours, status.elapsedHours + since)
        }
    }

    func prompt() -> String {
        let elapsed = elapsedHours
        let next = checklist.monitoring.checkpoints.first { $0.hour > elapsed + 1e-6 }
        let clock = Self.clock(elapsed)
        guard let next else { return "hedgeops [run \(clock)]> " }
        return
            "hedgeops [run \(clock) · next checkpoint h\(formatNumber(next.hour)) in \(Self.clock(next.hour - elapsed))]> "
    }

    /// The line above the prompt, redrawn in place every second, fitted to the terminal.
    func statusText() -> String {
        let elapsed = elapsedHours
        return ProgressLine(
            elapsedHours: elapsed, plannedHours: checklist.run.duration / 3600, live: lock.withLock { live },
            nextCheckpointHour: nil
        ).text(width: Terminal.columns(environment: ProcessInfo.processInfo.environment, fd: 1).map { $0 - 1 })
    }

    static func clock(_ hours: Double) -> String { ProgressLine.clock(hours) }

    /// Events arrive on the supervisor's thread: show, never wait. The
    /// supervisor decides and records the hourly items; the session shows them.
    func observe(_ event: RunEvent) {
        if case .hourlyDue(let due) = event { presenter?.note(hourlyItems(due)) }
    }

    /// `flag TEXT` (the hour as a whole) or `flag ITEM TEXT` (one item);
    /// with no finding typed, it is asked for.
    func flagHour(_ argument: String) {
        var item: String?
        var text = argument
        if let first = argument.split(separator: " ").first.map(String.init),
            checklist.monitoring.hourly.contains(where: { $0.id == first })
        {
            item = first
            text = String(argument.dropFirst(first.count)).trimmingCharacters(in: .whitespaces)
        }
        if text.isEmpty {
            guard let finding = askFinding(item: item) else { return }
            text = finding
        }
        confirmHour(flag: redactor.redact(text), item: item)
    }

    /// `ok` (flag nil) or a flag, for the hour waiting.
    func confirmHour(flag: String?, item: String? = nil) {
        tell(control?.send(.answerHour(flag: flag, item: item)))
    }
}
