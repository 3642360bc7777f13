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
    var context: PreflightContext
    let input: LineInput
    let redactor: SecretRedactor
    let lock = NSLock()
    /// The run while it is prepared here; the supervisor process takes it at the launch.
    var supervisor: RunSupervisor?
    var presenter: RunPresenter?
    /// The run folder being followed, and the client of its supervisor.
    var runFolder: String?
    var control: ControlClient?
    /// The supervisor's status when the session attached, and when (monotonic).
    var attachedStatus: SupervisorStatus?
    var attachedAt = 0.0
    /// The latest figures the supervisor sent.
    var live: LiveFigures?
    /// The hour whose items wait for `ok` or `flag`, as the supervisor put it (nil once recorded).
    var waitingHour: HourlyReview.Due?
    /// Set once the run has its verdict.
    var verdictSeen: String?
    /// Passed on to the supervisor process (`--metrics-listen`).
    var supervisorArguments: [String] = []

    static let runCommands = [
        "help", "status", "memory", "log", "note", "ok", "flag", "checklist", "results", "recheck", "export",
        "detach", "abort", "quit",
    ]

    /// One line of help per command, for `help` and `help CMD`.
    static let commandHelp: [(String, String)] = [
        ("status", "where the run stands: elapsed, memory, counters, projected verdict"),
        ("memory", "the checkpoints so far, the latest sample, the trend and its projection"),
        ("recheck", "run the automatic pre-flight checks again (the run is not touched)"),
        ("log [N]", "the last N lines of the executor's log (default 10)"),
        ("note [TEXT]", "add a note to the journal (it goes into the report); asked for when not typed"),
        ("ok", "confirm the hourly items shown at the last checkpoint"),
        ("flag [ITEM] [TEXT]", "flag the hour, or one hourly item by its id; the finding is asked for when not typed"),
        ("checklist", "every item with what was checked, answered or measured"),
        ("results", "the pass criteria as they stand now"),
        ("report", "after the verdict: report.md and memory.svg in the run folder"),
        ("export KEY [OUT]", "after the verdict: the signed sign-off bundle (default OUT hedgeops-RUN.tar.gz)"),
        ("detach", "leave: the run goes on; hedgeops attach re-opens the session"),
        ("abort", "stop the run (asks you to type abort)"),
        ("quit", "during the run as detach; after the verdict, leave"),
    ]

    init(
        checklist: Checklist, dataDirectory: String, timeScale: Double, overrides: [String: String], terminal: Terminal,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.checklist = checklist
        self.dataDirectory = dataDirectory
        self.timeScale = timeScale
        self.terminal = terminal
        context = PreflightContext(
            environment: environment, workingDirectory: FileManager.default.currentDirectoryPath,
            parameterOverrides: overrides, toolDirectories: [ToolLocation.directory])
        // Values never to echo, store or keep in history.
        redactor = SecretRedactor(environment: environment, checklist: checklist)
        input = LineInput(redactor: redactor)
        input.editor?.commands = ["recheck", "set", "show", "launch", "parameters", "quit", "yes", "no", "skip"]
        input.editor?.arguments =
            checklist.items.map(\.id) + checklist.parameters.map(\.name) + checklist.monitoring.hourly.map(\.id)
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
            offer(["recheck", "help", "quit"])
            let leaving = "nothing was started or recorded"
            guard let line = askLine("hedgeops [preflight]> ", hint: "fix what failed, then `recheck`; or `quit`")
            else {
                terminal.out("end of input: \(leaving)")
                return ExitCode.aborted
            }
            switch line.lowercased() {
            case "recheck": report = Preflight(checklist: checklist, context: context).run()
            case "quit", "q", "exit":
                terminal.out("quit: \(leaving)")
                return ExitCode.failed
            case "back": terminal.out("the pre-flight is the first step: nothing before it to change")
            case "help", "?":
                terminal.out("recheck: run the checks again once you fixed what failed · quit: leave (\(leaving))")
            default: terminal.out("type `recheck` after fixing the failures above, or `quit` (`help` says more)")
            }
        }
        guard let lockHandle = try? acquireRunLock(dataDirectory, terminal: terminal) else { return ExitCode.usage }
        let presenter = RunPresenter(
            terminal: terminal, timeScale: timeScale, durationHours: checklist.run.duration / 3600)
        let supervisor = RunSupervisor(
            options: .init(checklist: checklist, context: context, dataDirectory: dataDirectory, timeScale: timeScale),
            onEvent: eventHandler(presenter))
        self.supervisor = supervisor
        do {
            try supervisor.prepare(preflight: report, recordAnswers: false)
        } catch {
            terminal.error("error: \(error)")
            return ExitCode.failed
        }
        terminal.out("recording in \(supervisor.folder)")

        // 2. Manual items, then 3. parameters and the launch confirmation;
        // `back` steps to the previous question, the last answer counts.
        let manual = checklist.items.filter(\.kind.isManual)
        var index = 0
        walk: while true {
            while index < manual.count {
                let item = manual[index]
                switch askManual(item, position: "\(index + 1)/\(manual.count)") {
                case .quit: return quitBeforeLaunch(supervisor.folder)
                case .back:
                    if index == 0 {
                        terminal.out("this is the first question: nothing before it to change")
                    } else {
                        index -= 1
                    }
                case .answered(let answer):
                    if answer == "no" && item.required {
                        terminal.error("cannot launch: the required item '\(item.id)' was answered no (recorded)")
                        return ExitCode.failed
                    }
                    index += 1
                }
            }
            switch confirmLaunch(supervisor, report: report) {
            case .answered: break walk
            case .quit: return quitBeforeLaunch(supervisor.folder)
            case .back:
                if manual.isEmpty {
                    terminal.out("no question before the parameters to change")
                } else {
                    index = manual.count - 1
                }
            }
        }
        // 4. The supervisor process launches and watches the run; this session follows it.
        return handOver(folder: supervisor.folder, lock: lockHandle, mode: .launch, parameters: supervisor.parameters)
    }

    // MARK: Walk

    /// What an operator did at a question before the launch.
    enum Step {
        case answered(String)
        case back
        case quit
    }

    private func askManual(_ item: ChecklistItem, position: String) -> Step {
        let question: String
        let noteRequired: Bool
        if case .manual(let spec) = item.kind {
            question = spec.prompt ?? item.title
            noteRequired = spec.noteRequired
        } else {
            question = item.title
            noteRequired = false
        }
        let choices = item.required ? "[y]es / [n]o" : "[y]es / [n]o / [s]kip"
        terminal.out("\n\(item.title)\(item.required ? "" : " (optional)")\n  \(question) \(choices)")
        while true {
            offer((item.required ? ["yes", "no"] : ["yes", "no", "skip"]) + ["back", "help", "quit"])
            guard let line = askLine("hedgeops [preflight \(position)]> ") else { return .quit }
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
            case "back", "b": return .back
            case "quit", "q", "exit": return .quit
            case "help", "?", "h":
                terminal.out(manualHelp(item, noteRequired: noteRequired))
                continue
            default:
                terminal.out("answer \(item.required ? "y or n" : "y, n or s"); `help` says more")
                continue
            }
            var note: String?
            if answer == "skip" || noteRequired {
                offer(["back", "quit"])
                guard let reason = askNonEmpty(answer == "skip" ? "reason for skipping> " : "note> ") else {
                    return .quit
                }
                // `back` at the note asks the item again.
                if reason == "back" { continue }
                if reason == "quit" { return .quit }
                note = reason
            }
            record(.answer(.init(id: item.id, answer: note.map { "\(answer): \($0)" } ?? answer, source: "operator")))
            return .answered(answer)
        }
    }

    private func manualHelp(_ item: ChecklistItem, noteRequired: Bool) -> String {
        var accepted = [
            "y (yes): it is done", "n (no): it is not" + (item.required ? "; a required item stops the launch" : ""),
        ]
        if !item.required { accepted.append("s (skip): leave it, with a reason") }
        if noteRequired { accepted.append("a note is asked after the answer") }
        accepted += [
            "back: the previous question (the last answer given counts)",
            "quit: leave; nothing has been launched, the answers so far stay in the journal",
        ]
        return accepted.map { "  " + $0 }.joined(separator: "\n")
    }

    /// `quit` (or the end of input) before the launch: said, then exit 4.
    private func quitBeforeLaunch(_ folder: String) -> Int32 {
        terminal.out(
            "quit: nothing was launched. The answers so far are in \(folder)/journal.jsonl; "
                + "a folder with no run is never the default of status, report or export.")
        return ExitCode.aborted
    }

    /// Tab at the next prompt offers `words` first, then what `later` gives
    /// for the words typed before.
    func offer(_ words: [String], later: @escaping ([String]) -> [String] = { _ in [] }) {
        input.editor?.offers = { preceding in preceding.isEmpty ? words : later(preceding) }
    }

    private func confirmLaunch(_ supervisor: RunSupervisor, report: PreflightReport) -> Step {
        terminal.out("\nrun parameters (change with `set NAME VALUE`; `launch` when ready):")
        showParameters(supervisor)
        let parameters = checklist.parameters
        while true {
            offer(["set", "show", "launch", "back", "help", "quit"]) { preceding in
                guard preceding.first == "set" else { return [] }
                if preceding.count == 1 { return parameters.map(\.name) }
                guard preceding.count == 2, let parameter = parameters.first(where: { $0.name == preceding[1] })
                else { return [] }
                return parameter.completions
            }
            guard let line = askLine("hedgeops [parameters]> ") else { return .quit }
            let words = line.split(separator: " ", maxSplits: 2).map(String.init)
            switch words.first?.lowercased() ?? "" {
            case "set" where words.count == 3:
                let name = words[1], value = words[2]
                if let problem = secretProblem(name: name, value: value, redactor: redactor) {
                    terminal.out("error: refused: \(problem)")
                } else if let problem = Preflight.overrideProblems([name: value], checklist: checklist).first {
                    terminal.out("error: \(problem)")
                } else {
                    supervisor.setParameter(name, value)
                    terminal.out("\(name) = \(value) (recorded)")
                }
            case "set":
                terminal.out("usage: set NAME VALUE (Tab offers the names, then the values); `show` lists them")
            case "show", "parameters": showParameters(supervisor)
            case "launch":
                // Parameters set since the pre-flight are judged again before anything starts.
                guard parametersStillPass(supervisor), let gate = gateStillAllows(supervisor) else { continue }
                let hosts = gate.hosts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                    separator: ", ")
                terminal.out(
                    "\nThis starts the \(formatNumber(checklist.run.duration / 3600))-hour run on TESTNET: \(hosts); "
                        + "\(checklist.testnet.flag)=\(context.environment[checklist.testnet.flag] ?? "")."
                        + "\nCommand: \(checklist.run.argv.joined(separator: " "))")
                offer(["launch", "back", "quit"])
                guard let confirmation = askLine("type `launch` to start it> ") else { return .quit }
                switch confirmation {
                case "launch":
                    record(.launchConfirmed(.init(by: "operator")))
                    return .answered("launch")
                case "quit": return .quit
                default: terminal.out("not launched (the confirmation must be typed in full); back at the parameters")
                }
            case "back", "b": return .back
            case "quit", "q", "exit", "abort": return .quit
            case "help", "?", "h":
                terminal.out(
                    """
                      set NAME VALUE: change a parameter (Tab offers the names, then the values)
                      show: the parameters in force · launch: start the run (asks you to type launch)
                      back: the previous question · quit: leave; nothing has been launched
                    """)
            default:
                let hint =
                    closest(to: words.first ?? "", in: ["set", "show", "launch", "back", "help", "quit"]).map {
                        "; did you mean '\($0)'?"
                    } ?? ""
                terminal.out("unknown: \(line)\(hint) (set NAME VALUE · show · launch · back · quit · help)")
            }
        }
    }

    /// The parameter items on the values in force at the launch, journalled
    /// (they supersede the pre-flight's); a required one that fails stops the launch.
    private func parametersStillPass(_ supervisor: RunSupervisor) -> Bool {
        var now = context
        now.parameterOverrides = supervisor.parameters
        let results = Preflight(checklist: checklist, context: now).checkParameters()
        for result in results {
            record(.check(.init(result, atLaunch: true)))
        }
        let failed = results.filter { $0.required && $0.status == .fail }
        for result in results where result.status != .pass {
            terminal.out("\(result.status.rawValue.uppercased()) \(result.id): \(result.detail)")
        }
        guard failed.isEmpty else {
            terminal.out("not launched: fix the parameters above with `set NAME VALUE`, then `launch`")
            return false
        }
        return true
    }

    /// The TESTNET gate on the values in force: a parameter set since the
    /// pre-flight may hand the executor another host. nil (said) when it refuses.
    private func gateStillAllows(_ supervisor: RunSupervisor) -> TestnetGate.Decision? {
        var now = context
        now.parameterOverrides = supervisor.parameters
        let gate = TestnetGate(policy: checklist.testnet, endpoints: checklist.endpoints)
        let decision = gate.evaluate(
            environment: now.executorEnvironment(checklist, parameterValues: supervisor.parameters), proxy: now.proxy)
        guard decision.allowed else {
            terminal.out(
                "not launched: the TESTNET gate refuses the values in force: "
                    + decision.refusals.joined(separator: "; ") + "; fix them with `set NAME VALUE`, then `launch`")
            return nil
        }
        return decision
    }

    private func showParameters(_ supervisor: RunSupervisor) {
        for parameter in checklist.parameters {
            let value = supervisor.parameters[parameter.name] ?? parameter.defaultValue
            terminal.out(
                "  \(parameter.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(value)   (\(parameter.title))"
            )
        }
    }

    // MARK: Input and journal

    /// One answer; Ctrl-C on a half-typed line asks again.
    func ask(_ prompt: @escaping () -> String, hint: String? = nil) -> LineRead {
        if let hint { terminal.out(hint) }
        while true {
            if !input.interactive {
                terminal.out(prompt(), terminator: "")
                Console.shared.plainPrompt = prompt
            }
            let read = input.read(prompt: prompt)
            Console.shared.plainPrompt = nil
            switch read {
            case .line(let line):
                // A scripted session reads like a typed one, but never shows a secret;
                // on a terminal without an editor (TERM=dumb) the terminal already echoed it.
                if !input.interactive && isatty(0) == 0 { terminal.out(redactor.redact(line)) }
                return .line(line.trimmingCharacters(in: .whitespaces))
            case .cancelled: continue
            case .endOfInput:
                // Ctrl-D leaves the cursor after the prompt: what follows starts a line of its own.
                terminal.out("")
                return .endOfInput
            case .woken: return .woken
            }
        }
    }

    /// An answer, or nil at the end of input.
    func askLine(_ prompt: String, hint: String? = nil) -> String? {
        if case .line(let line) = ask({ prompt }, hint: hint) { return line }
        return nil
    }

    func askNonEmpty(_ prompt: String) -> String? {
        while true {
            guard let line = askLine(prompt) else { return nil }
            if !line.isEmpty { return line }
            terminal.out("this cannot be empty")
        }
    }

    /// Journals an event (the journal redacts every secret's value), telling
    /// the operator when what they typed held one.
    func record(_ event: JournalEvent) {
        let fields = event.fields
        if redactor.redact(fields) != fields {
            terminal.out("(a secret's value was redacted from what you typed before it was recorded)")
        }
        supervisor?.record(event)
    }
}

extension Parameter {
    /// What Tab offers after `set NAME`: the choices, true/false, else the default.
    var completions: [String] {
        switch kind {
        case .choice: choices
        case .bool: ["true", "false"]
        default: [defaultValue]
        }
    }
}
