import Foundation
import HedgeOpsKit

/// The operator's session: a client of the same core as `run`. Answers go
/// to the journal before the prompt moves on; the supervisor samples on its
/// own thread, so nothing here can hold up a measurement.
final class GuidedSession: @unchecked Sendable {
    let checklist: Checklist
    let dataDirectory: String
    let timeScale: Double
    let terminal: Terminal
    private var context: PreflightContext
    private let input: LineInput
    private let secrets: [String]
    private let lock = NSLock()
    private var pendingHour: CheckpointRecord?
    private var previousCounts: [String: Int] = [:]
    private var supervisor: RunSupervisor?
    private var presenter: RunPresenter?

    static let runCommands = [
        "help", "status", "memory", "log", "note", "ok", "flag", "checklist", "results", "detach", "abort", "quit",
    ]

    /// One line of help per command, for `help` and `help CMD`.
    static let commandHelp: [(String, String)] = [
        ("status", "where the run stands: elapsed, memory, counters, projected verdict"),
        ("memory", "the checkpoints so far and the latest sample"),
        ("log [N]", "the last N lines of the executor's log (default 10)"),
        ("note TEXT", "add a note to the journal (it goes into the report)"),
        ("ok", "confirm the hourly items shown at the last checkpoint"),
        ("flag TEXT", "confirm the hourly items with a finding"),
        ("checklist", "every item with what was checked, answered or measured"),
        ("results", "the pass criteria as they stand now"),
        ("detach", "leave: the run goes on; hedgeops resume re-attaches"),
        ("abort", "stop the run (asks you to type abort)"),
    ]
    /// Memory at each checkpoint so far, for the inline sparkline.
    private var checkpointMemory: [Double] = []

    init(
        checklist: Checklist, dataDirectory: String, timeScale: Double, overrides: [String: String], terminal: Terminal
    ) {
        self.checklist = checklist
        self.dataDirectory = dataDirectory
        self.timeScale = timeScale
        self.terminal = terminal
        let environment = ProcessInfo.processInfo.environment
        context = PreflightContext(
            environment: environment, workingDirectory: FileManager.default.currentDirectoryPath,
            parameterOverrides: overrides, toolDirectories: [ToolLocation.directory])
        // Values never to echo, store or keep in history.
        var names = Set(environment.keys.filter(Secrets.looksSecret))
        for item in checklist.items {
            if case .env(let variables) = item.kind { names.formUnion(variables.filter(\.secret).map(\.name)) }
        }
        secrets = names.compactMap { environment[$0] }.filter { $0.count >= 4 }
        input = LineInput(secrets: secrets)
        completionCandidates =
            Self.runCommands + ["recheck", "set", "show", "launch", "parameters", "checklist", "results"]
            + checklist.items.map(\.id) + checklist.parameters.map(\.name) + checklist.monitoring.hourly.map(\.id)
    }

    /// The whole session; returns the exit code.
    func run() -> Int32 {
        // 1. Pre-flight, with recheck until it passes or the operator quits.
        var report = Preflight(checklist: checklist, context: context).run()
        while true {
            terminal.out(
                PreflightPresenter(report: report, terminal: terminal).table(
                    title: checklist.title, heading: "pre-flight"))
            if !report.gate.allowed { return ExitCode.testnetRefused }
            if report.ok { break }
            guard let line = ask("hedgeops [preflight]> ", hint: "fix what failed, then `recheck`; or `quit`") else {
                return ExitCode.aborted
            }
            switch line {
            case "recheck": report = Preflight(checklist: checklist, context: context).run()
            case "quit": return ExitCode.failed
            default: terminal.out("type `recheck` after fixing the failures above, or `quit`")
            }
        }
        let lockHandle: RunLock
        do {
            lockHandle = try RunLock(dataDirectory: dataDirectory)
        } catch {
            terminal.error("error: \(error)")
            return ExitCode.usage
        }
        let presenter = RunPresenter(
            terminal: terminal, timeScale: timeScale, durationHours: checklist.run.duration / 3600)
        self.presenter = presenter
        let supervisor = RunSupervisor(
            options: .init(checklist: checklist, context: context, dataDirectory: dataDirectory, timeScale: timeScale),
            onEvent: { [weak self] event in
                self?.observe(event)
                presenter.show(event)
            })
        self.supervisor = supervisor
        do {
            try supervisor.prepare(preflight: report, recordAnswers: false)
        } catch {
            terminal.error("error: \(error)")
            return ExitCode.failed
        }
        terminal.out("recording in \(supervisor.folder)")

        // 2. Manual items.
        let manual = checklist.items.filter(\.kind.isManual)
        for (index, item) in manual.enumerated() {
            guard let answer = askManual(item, position: "\(index + 1)/\(manual.count)") else {
                return ExitCode.aborted
            }
            if answer == "no" && item.required {
                terminal.error("cannot launch: the required item '\(item.id)' was answered no (recorded)")
                return ExitCode.failed
            }
        }

        // 3. Parameters and the launch confirmation.
        guard confirmLaunch(supervisor, report: report) else { return ExitCode.aborted }
        do {
            try supervisor.start()
        } catch {
            terminal.error("error: could not launch the run: \(error)")
            return ExitCode.failed
        }
        // 4. The run: the supervisor on its own thread, commands here.
        let finished = DispatchSemaphore(value: 0)
        let holder = ResultHolder()
        let signals = SignalHandling(supervisor: supervisor, terminal: terminal, signals: [SIGTERM, SIGHUP])
        Thread.detachNewThread {
            holder.results = supervisor.supervise()
            presenter.flush()
            finished.signal()
        }
        commandLoop(until: finished)
        finished.wait()
        withExtendedLifetime((lockHandle, signals)) {}
        guard let results = holder.results else { return ExitCode.failed }
        if results.end?.0 == .aborted { return ExitCode.aborted }
        return results.verdict == "PASS" ? ExitCode.success : ExitCode.failed
    }

    // MARK: Walk

    private func askManual(_ item: ChecklistItem, position: String) -> String? {
        let question: String
        let noteRequired: Bool
        if case .manual(let spec) = item.kind {
            question = spec.prompt ?? item.title
            noteRequired = spec.noteRequired
        } else {
            question = item.title
            noteRequired = false
        }
        terminal.out("\n\(item.title)\(item.required ? "" : " (optional)")\n  \(question) [y]es / [n]o / [s]kip")
        while true {
            guard let line = ask("hedgeops [preflight \(position)]> ") else { return nil }
            let answer: String
            switch line.lowercased() {
            case "y", "yes": answer = "yes"
            case "n", "no": answer = "no"
            case "s", "skip":
                if item.required {
                    terminal.out("a required item cannot be skipped: answer y or n")
                    continue
                }
                answer = "skip"
            default:
                terminal.out("answer y, n or s")
                continue
            }
            var note: String?
            if answer == "skip" || noteRequired {
                guard let reason = askNonEmpty(answer == "skip" ? "reason for skipping> " : "note> ") else {
                    return nil
                }
                note = reason
            }
            record(
                "answer",
                [
                    "id": .string(item.id), "answer": .string(note.map { "\(answer): \($0)" } ?? answer),
                    "source": "operator",
                ])
            return answer
        }
    }

    private func confirmLaunch(_ supervisor: RunSupervisor, report: PreflightReport) -> Bool {
        terminal.out("\nrun parameters (change with `set NAME VALUE`; `launch` when ready):")
        showParameters(supervisor)
        while true {
            guard let line = ask("hedgeops [parameters]> ") else { return false }
            let words = line.split(separator: " ", maxSplits: 2).map(String.init)
            switch words.first ?? "" {
            case "set" where words.count == 3:
                let name = words[1], value = words[2]
                if let problem = Preflight.overrideProblems([name: value], checklist: checklist).first {
                    terminal.out("error: \(problem)")
                } else {
                    supervisor.setParameter(name, value)
                    terminal.out("\(name) = \(value) (recorded)")
                }
            case "show", "parameters": showParameters(supervisor)
            case "launch":
                let hosts = report.gate.hosts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                    separator: ", ")
                terminal.out(
                    "\nThis starts the \(formatNumber(checklist.run.duration / 3600))-hour run on TESTNET: \(hosts); "
                        + "\(checklist.testnet.flag)=\(context.environment[checklist.testnet.flag] ?? "")."
                        + "\nCommand: \(checklist.run.argv.joined(separator: " "))")
                guard let confirmation = ask("type `launch` to start it> ") else { return false }
                if confirmation == "launch" {
                    record("launch_confirmed", ["by": "operator"])
                    return true
                }
                terminal.out("not launched (the confirmation must be typed in full)")
            case "quit", "abort": return false
            case "help": terminal.out("set NAME VALUE · show · launch · quit")
            default: terminal.out("unknown: \(line): set NAME VALUE · show · launch · quit")
            }
        }
    }

    private func showParameters(_ supervisor: RunSupervisor) {
        for parameter in checklist.parameters {
            let value = supervisor.parameters[parameter.name] ?? parameter.defaultValue
            terminal.out(
                "  \(parameter.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(value)   (\(parameter.title))"
            )
        }
    }

    // MARK: During the run

    private func commandLoop(until finished: DispatchSemaphore) {
        var endOfInput = 0
        while finished.wait(timeout: .now()) == .timedOut {
            guard let line = ask(prompt()) else {
                if !input.interactive {
                    terminal.out("(end of input: the run goes on; checkpoints are recorded on time)")
                    return
                }
                endOfInput += 1
                if endOfInput >= 2 {
                    // A second Ctrl-D (or a closed terminal): detach, the run goes on.
                    record("detach", ["reason": "end of input"])
                    terminal.out("detached: the run goes on; `hedgeops resume` re-attaches")
                    Foundation.exit(ExitCode.success)
                }
                terminal.out(
                    "Ctrl-D: type `detach` to leave the run going, or `abort` to stop it (Ctrl-D again detaches)")
                continue
            }
            endOfInput = 0
            if line.isEmpty { continue }
            let words = line.split(separator: " ", maxSplits: 1).map(String.init)
            let argument = words.count > 1 ? words[1] : ""
            switch words[0] {
            case "help": help(argument)
            case "checklist": showChecklist()
            case "results": showResults()
            case "status": status()
            case "memory": memory()
            case "log": log(Int(argument) ?? 10)
            case "note":
                guard !argument.isEmpty else {
                    terminal.out("usage: note TEXT")
                    continue
                }
                record("note", ["text": .string(argument)])
                terminal.out("noted")
            case "ok", "flag": confirmHour(flag: words[0] == "flag" ? argument : nil)
            case "detach", "quit":
                record("detach", [:])
                terminal.out("detached: the run goes on; `hedgeops status` shows it, `hedgeops resume` re-attaches")
                Foundation.exit(ExitCode.success)
            case "abort":
                guard ask("type `abort` to stop the run> ") == "abort" else {
                    terminal.out("not aborted")
                    continue
                }
                supervisor?.requestStop("abort typed in the session")
                return
            default:
                let hint = closest(to: words[0], in: Self.runCommands).map { "; did you mean '\($0)'?" } ?? ""
                terminal.out("unknown command '\(words[0])'\(hint) (help lists them)")
            }
        }
    }

    private func prompt() -> String {
        let elapsed = supervisor?.elapsedHours ?? 0
        let next = checklist.monitoring.checkpoints.first { $0.hour > elapsed + 1e-6 }
        let clock = Self.clock(elapsed)
        guard let next else { return "hedgeops [run \(clock)]> " }
        return
            "hedgeops [run \(clock) · next checkpoint h\(formatNumber(next.hour)) in \(Self.clock(next.hour - elapsed))]> "
    }

    static func clock(_ hours: Double) -> String {
        let seconds = Int((max(0, hours) * 3600).rounded())
        return String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }

    /// Checkpoint events arrive on the supervisor's thread: journal only, never wait.
    private func observe(_ event: RunEvent) {
        switch event {
        case .checkpoint(let record, _, _):
            if let rss = record.rssMB, !record.missed { checkpointMemory.append(rss) }
            lock.lock()
            let unanswered = pendingHour
            pendingHour = record.hour > 0 && !record.missed ? record : nil
            lock.unlock()
            if let unanswered { recordHour(unanswered, answer: "not confirmed by operator") }
            if record.hour > 0 && !record.missed { presenter?.note(hourlyItems(record)) }
        case .ended:
            lock.lock()
            let unanswered = pendingHour
            pendingHour = nil
            lock.unlock()
            if let unanswered { recordHour(unanswered, answer: "not confirmed by operator") }
        default:
            break
        }
    }

    private func hourlyItems(_ record: CheckpointRecord) -> String {
        var lines = ["\nhour \(formatNumber(record.hour)): the hourly items (type `ok` to confirm, or `flag TEXT`)"]
        for item in checklist.monitoring.hourly {
            lines.append("  [ ] \(item.title): \(measured(item, record))")
        }
        previousCounts = record.counts
        return lines.joined(separator: "\n")
    }

    private func measured(_ item: HourlyItem, _ record: CheckpointRecord) -> String {
        switch item.measure {
        case .memoryTrend:
            let rss = record.rssMB.map { String(format: "%.1f MB", $0) } ?? "-"
            let trend =
                record.trend.map {
                    String(format: ", trend %+.1f MB/h, projected %.2f×", $0.slopeMBPerHour, $0.projectedRatio ?? 0)
                } ?? ""
            let base = checkpointMemory.first
            let change =
                record.rssMB.flatMap { rss in
                    base.map { String(format: " (%+.1f %% since hour 0)", (rss / $0 - 1) * 100) }
                }
                ?? ""
            return rss + change + " " + Self.sparkline(checkpointMemory) + trend
        case .wsState: return record.wsState ?? "unknown"
        case .logErrors:
            let now = record.counts["errors"] ?? 0
            return "\(now - (previousCounts["errors"] ?? 0)) new errors (\(now) in all)"
        case .errorLock: return record.errorLockSeen ? "ERROR_LOCK SEEN" : "no ERROR_LOCK"
        case .cpuAverage: return record.cpuPercent.map { String(format: "%.1f %% average", $0) } ?? "-"
        }
    }

    private func confirmHour(flag: String?) {
        lock.lock()
        let hour = pendingHour
        pendingHour = nil
        lock.unlock()
        guard let hour else {
            terminal.out("no hourly items are waiting")
            return
        }
        recordHour(hour, answer: flag.map { "flagged: \($0)" } ?? "confirmed by operator")
        terminal.out("hour \(formatNumber(hour.hour)) \(flag == nil ? "confirmed" : "flagged") (recorded)")
    }

    private func recordHour(_ record: CheckpointRecord, answer: String) {
        for item in checklist.monitoring.hourly {
            self.record(
                "hourly",
                [
                    "hour": .double(record.hour), "id": .string(item.id), "measured": .string(measured(item, record)),
                    "answer": .string(answer),
                ])
        }
    }

    /// ▁▂▃▄▅▆▇█ over the checkpoints' memory.
    static func sparkline(_ values: [Double]) -> String {
        guard let low = values.min(), let high = values.max() else { return "" }
        let bars = Array("▁▂▃▄▅▆▇█")
        return String(
            values.map { value in
                high - low < 1e-9 ? bars[0] : bars[Int(((value - low) / (high - low) * 7).rounded())]
            })
    }

    private func help(_ command: String) {
        let entries = command.isEmpty ? Self.commandHelp : Self.commandHelp.filter { $0.0.hasPrefix(command) }
        guard !entries.isEmpty else {
            terminal.out("no command '\(command)'; help lists them")
            return
        }
        for (name, text) in entries {
            terminal.out("  \(name.padding(toLength: 11, withPad: " ", startingAt: 0)) \(text)")
        }
    }

    private func showChecklist() {
        guard let folder = supervisor?.folder, let journal = try? JournalReader(path: folder + "/journal.jsonl") else {
            return
        }
        let checks = Dictionary(
            journal.events.filter { $0["type"] as? String == "check" }.compactMap { e in
                (e["id"] as? String).map { ($0, e) }
            },
            uniquingKeysWith: { $1 })
        let answers = Dictionary(
            journal.events.filter { $0["type"] as? String == "answer" }.compactMap { e in
                (e["id"] as? String).map { ($0, e["answer"] as? String ?? "") }
            },
            uniquingKeysWith: { $1 })
        for section in checklist.preflight {
            terminal.out(section.title)
            for item in section.items {
                let state =
                    answers[item.id].map { "answered: \($0)" }
                    ?? (checks[item.id]?["status"] as? String).map {
                        $0.uppercased() + ": " + (checks[item.id]?["detail"] as? String ?? "")
                    }
                    ?? "-"
                terminal.out(
                    "  [\(answers[item.id] != nil || checks[item.id]?["status"] as? String == "pass" ? "x" : " ")] \(item.title): \(state)"
                )
            }
        }
        let hourly = journal.events.filter { $0["type"] as? String == "hourly" }
        terminal.out("hourly items recorded: \(hourly.count)")
    }

    private func showResults() {
        guard let folder = supervisor?.folder,
            let data = FileManager.default.contents(atPath: folder + "/results.json"),
            let results = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            terminal.out("no results yet: they are written at the first checkpoint")
            return
        }
        terminal.out("verdict so far: \(results["verdict"] as? String ?? "-")")
        for criterion in results["criteria"] as? [[String: Any]] ?? [] {
            terminal.out(
                "  \(criterion["passed"] as? Bool == true ? "PASS" : "FAIL")  \(criterion["id"] as? String ?? ""): \(criterion["detail"] as? String ?? "")"
            )
        }
    }

    private func status() {
        guard let folder = supervisor?.folder, let status = try? RunStatus(folder: folder, checklist: checklist) else {
            return
        }
        terminal.out(
            String(
                format: "run %@: %.2f h of %.0f h; rss %@; errors %d, reconnects %d; projected %@", status.runID,
                status.elapsedHours ?? 0,
                status.plannedHours, status.rssMB.map { String(format: "%.1f MB", $0) } ?? "-",
                status.counts["errors"] ?? 0,
                status.counts["ws_reconnects"] ?? 0, status.projectedVerdict ?? "-"))
    }

    private func memory() {
        guard let folder = supervisor?.folder, let status = try? RunStatus(folder: folder, checklist: checklist) else {
            return
        }
        for checkpoint in status.checkpoints {
            terminal.out(
                "  h\(formatNumber(checkpoint.hour))  \(checkpoint.rssMB.map { String(format: "%7.1f MB", $0) } ?? "   missed")"
            )
        }
        if let rss = status.rssMB { terminal.out(String(format: "  now  %7.1f MB", rss)) }
    }

    private func log(_ count: Int) {
        guard let folder = supervisor?.folder,
            let data = FileManager.default.contents(atPath: folder + "/results.json"),
            let results = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let path = results["log_file"] as? String,
            let text = try? String(contentsOfFile: path, encoding: .utf8)
        else {
            terminal.out("no executor log yet")
            return
        }
        text.split(separator: "\n").suffix(max(1, min(count, 200))).forEach { terminal.out(String($0)) }
    }

    // MARK: Input and journal

    private func ask(_ prompt: String, hint: String? = nil) -> String? {
        if let hint { terminal.out(hint) }
        if !input.interactive { terminal.out(prompt, terminator: "") }
        guard let line = input.read(prompt: prompt) else { return nil }
        // A scripted session reads like a typed one, but never shows a secret.
        if !input.interactive { terminal.out(Secrets.redact(line, secrets: secrets).text) }
        return line.trimmingCharacters(in: .whitespaces)
    }

    private func askNonEmpty(_ prompt: String) -> String? {
        while true {
            guard let line = ask(prompt) else { return nil }
            if !line.isEmpty { return line }
            terminal.out("this cannot be empty")
        }
    }

    /// Journals an event, with any secret's value redacted, telling the operator so.
    private func record(_ type: String, _ fields: [String: JSONValue]) {
        var clean = fields
        var redacted = false
        for (key, value) in fields {
            if case .string(let text) = value {
                let result = Secrets.redact(text, secrets: secrets)
                clean[key] = .string(result.text)
                redacted = redacted || result.redacted
            }
        }
        if redacted { terminal.out("(a secret's value was redacted from what you typed before it was recorded)") }
        supervisor?.record(type, clean)
    }
}

private final class ResultHolder: @unchecked Sendable {
    var results: RunResultsDocument?
}
