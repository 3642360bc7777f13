import Foundation
import HedgeOpsKit

/// The session while the run goes and after its verdict.
extension GuidedSession {
    /// The supervisor's events: the session's bookkeeping, then the screen.
    func eventHandler(_ presenter: RunPresenter) -> @Sendable (RunEvent) -> Void {
        self.presenter = presenter
        return { [weak self] event in
            presenter.show(event)
            self?.observe(event)
        }
    }

    /// Runs the supervisor on its own thread and takes commands here until
    /// the verdict, then until `quit`. Used after the launch and by `resume`.
    func attach(_ supervisor: RunSupervisor, lock lockHandle: RunLock) -> Int32 {
        self.supervisor = supervisor
        let finished = DispatchGroup()
        finished.enter()
        let signals = SignalHandling(supervisor: supervisor, terminal: terminal, signals: [SIGTERM, SIGHUP])
        input.editor?.statusLine = { [weak self] in self?.statusText() ?? "" }
        input.editor?.commands = Self.runCommands
        Thread.detachNewThread { [self] in
            let document = supervisor.supervise()
            presenter?.flush()
            lock.withLock { results = document }
            finished.leave()
            input.editor?.wake()
        }
        let leftDuringRun = !commandLoop(until: finished)
        finished.wait()
        input.editor?.statusLine = nil
        withExtendedLifetime((lockHandle, signals)) {}
        guard let document = lock.withLock({ results }) else { return ExitCode.failed }
        let code =
            document.end?.0 == .aborted
            ? ExitCode.aborted : document.verdict == "PASS" ? ExitCode.success : ExitCode.failed
        if !leftDuringRun { afterVerdict(document) }
        input.close()
        return code
    }

    /// Commands during the run; false when the operator asked to abort.
    private func commandLoop(until finished: DispatchGroup) -> Bool {
        while finished.wait(timeout: .now()) == .timedOut {
            let line: String
            switch ask({ [weak self] in self?.prompt() ?? "> " }) {
            case .line(let text): line = text
            case .woken, .cancelled: continue
            case .endOfInput:
                guard input.interactive else {
                    terminal.out("(end of input: the run goes on; checkpoints are recorded on time)")
                    return true
                }
                if leave() { return false }
                continue
            }
            if line.isEmpty { continue }
            let words = line.split(separator: " ", maxSplits: 1).map(String.init)
            let argument = words.count > 1 ? words[1] : ""
            switch words[0] {
            case "note":
                guard !argument.isEmpty else {
                    terminal.out("usage: note TEXT")
                    continue
                }
                record("note", ["text": .string(argument)])
                terminal.out("noted")
            case "ok", "flag": confirmHour(flag: words[0] == "flag" ? argument : nil)
            case "detach", "quit": detach(reason: nil)
            case "abort":
                if confirmAbort() { return false }
            case "export": terminal.out("export signs the finished run: it is available after the verdict")
            case "recheck": recheck()
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
        record(
            "recheck",
            [
                "ok": .bool(report.ok),
                "failed": .array(report.items.filter { $0.status == .fail }.map { JSONValue.string($0.id) }),
            ])
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

    /// Ctrl-D at the run's prompt: detach or abort, never by accident.
    /// A second end of input (a closed terminal) detaches: the run goes on.
    private func leave() -> Bool {
        terminal.out("leave the session? [d]etach (the run goes on) / [a]bort the run / [c]ontinue")
        switch ask({ "detach, abort or continue> " }) {
        case .woken, .cancelled: return false  // the run ended meanwhile, or Ctrl-C: back to the prompt
        case .endOfInput: detach(reason: "end of input")
        case .line(let answer):
            switch answer.lowercased() {
            case "d", "detach": detach(reason: "end of input")
            case "a", "abort": return confirmAbort()
            default: return false
            }
        }
    }

    private func confirmAbort() -> Bool {
        guard askLine("type `abort` to stop the run> ") == "abort" else {
            terminal.out("not aborted")
            return false
        }
        supervisor?.requestStop("abort typed in the session")
        return true
    }

    private func detach(reason: String?) -> Never {
        record("detach", reason.map { ["reason": .string($0)] } ?? [:])
        terminal.out("detached: the run goes on; `hedgeops status` shows it, `hedgeops resume` re-opens the session")
        input.close()
        Foundation.exit(ExitCode.success)
    }

    /// After the verdict: look at the results, export the signed bundle, quit.
    private func afterVerdict(_ document: RunResultsDocument) {
        terminal.out(
            "\nthe run is over (\(document.verdict)): `export KEY [OUT]` writes the signed bundle; "
                + "`report` writes report.md and memory.svg; `results`, `checklist`, `memory`, `log`, `quit`")
        input.editor?.commands = ["export", "report", "results", "checklist", "memory", "log", "help", "quit"]
        while true {
            guard case .line(let line) = ask({ "hedgeops [done · \(document.verdict)]> " }) else { return }
            if line.isEmpty { continue }
            let words = line.split(separator: " ", maxSplits: 1).map(String.init)
            let argument = words.count > 1 ? words[1] : ""
            switch words[0] {
            case "quit", "detach", "exit": return
            case "export": export(argument)
            case "report":
                do {
                    let paths = try ReportCommand.writeFiles(
                        RunRecord(folder: supervisor?.folder ?? ""), folder: supervisor?.folder ?? "")
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
        guard let folder = supervisor?.folder, let key = words.first, words.count <= 2 else {
            terminal.out("usage: export KEY [OUT]   (KEY: an OpenSSH Ed25519 private key; `hedgeops keygen` makes one)")
            return
        }
        let out = words.count > 1 ? words[1] : ExportCommand.defaultArchive(folder: folder)
        do {
            let exported = try ExportBundle.export(
                folder: folder, out: out, keyPath: key, environment: context.environment)
            let path = exported.archive ?? exported.directory
            terminal.out("signed bundle: \(path) (signed by \(exported.signer))")
            terminal.out("a reviewer checks it with: hedgeops verify \(path) --allowed-signers allowed_signers")
        } catch {
            terminal.out("error: \(error)")
        }
    }

    func prompt() -> String {
        let elapsed = supervisor?.elapsedHours ?? 0
        let next = checklist.monitoring.checkpoints.first { $0.hour > elapsed + 1e-6 }
        let clock = Self.clock(elapsed)
        guard let next else { return "hedgeops [run \(clock)]> " }
        return
            "hedgeops [run \(clock) · next checkpoint h\(formatNumber(next.hour)) in \(Self.clock(next.hour - elapsed))]> "
    }

    /// The line above the prompt, redrawn in place every second.
    func statusText() -> String {
        let planned = checklist.run.duration / 3600
        guard let supervisor, let live = supervisor.live else { return "starting the executor…" }
        let elapsed = supervisor.elapsedHours
        var parts = [
            "elapsed \(Self.clock(elapsed))", "left \(Self.clock(planned - elapsed))",
            String(format: "RSS %.1f MB", live.rssMB),
        ]
        if let cpu = live.cpuPercent { parts.append(String(format: "CPU %.1f %%", cpu)) }
        parts.append("reconnects \(live.counts["ws_reconnects"] ?? 0)")
        parts.append("errors \(live.counts["errors"] ?? 0)")
        if let ws = live.wsState { parts.append("ws \(ws)") }
        if (live.counts[CriteriaEvaluator.errorLockPattern] ?? 0) > 0 { parts.append("ERROR_LOCK") }
        return parts.joined(separator: " · ")
    }

    static func clock(_ hours: Double) -> String {
        // Clamped: a figure read back from a journal is not trusted to fit an integer.
        let seconds = Int(min(max(0, hours.isFinite ? hours : 0), 1e6) * 3600)
        return String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    /// Events arrive on the supervisor's thread: show, never wait. The
    /// supervisor decides and records the hourly items; the session shows them.
    func observe(_ event: RunEvent) {
        if case .hourlyDue(let due) = event { presenter?.note(hourlyItems(due)) }
    }

    /// `ok`, `flag TEXT` (the hour as a whole) or `flag ITEM TEXT` (one item).
    func confirmHour(flag: String?) {
        var item: String?
        var text = flag
        if let flag, let first = flag.split(separator: " ").first.map(String.init),
            checklist.monitoring.hourly.contains(where: { $0.id == first })
        {
            item = first
            text = String(flag.dropFirst(first.count)).trimmingCharacters(in: .whitespaces)
            if text?.isEmpty == true { text = "flagged" }
        }
        guard let supervisor else { return }
        switch supervisor.answerHour(flag: text, item: item) {
        case .ok(let message), .refused(let message): terminal.out(message)
        case .status: break
        }
    }
}
