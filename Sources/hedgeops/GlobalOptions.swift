import ArgumentParser
import Foundation
import HedgeOpsKit

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The checklist file (default: $HEDGEOPS_CHECKLIST, else checklists/load-test-8h.yaml).",
            valueName: "path"))
    var checklist: String?

    @Option(name: .long, help: ArgumentHelp("Where runs are recorded.", valueName: "path"))
    var dataDir: String = "data"

    /// The checklist path in force, and whether the user named it.
    var checklistPath: String {
        checklist ?? ProcessInfo.processInfo.environment["HEDGEOPS_CHECKLIST"] ?? "checklists/load-test-8h.yaml"
    }

    /// Loads the checklist, printing every problem and exiting 2 if it is invalid.
    func loadChecklist(terminal: Terminal) throws -> Checklist {
        try Self.loadChecklist(path: checklistPath, named: checklist != nil, terminal: terminal)
    }

    /// The checklist and the `--set` overrides, both validated; exits 2 on a problem.
    func loadChecklist(terminal: Terminal, assignments: [ParameterAssignment]) throws -> (Checklist, [String: String]) {
        let checklist = try loadChecklist(terminal: terminal)
        let overrides = Dictionary(assignments.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        try Self.validate(overrides, for: checklist, terminal: terminal)
        return (checklist, overrides)
    }

    /// Exits 2, naming every problem, when an override is unknown or invalid
    /// or holds a secret's value (a parameter is recorded and shown).
    static func validate(_ overrides: [String: String], for checklist: Checklist, terminal: Terminal) throws {
        let redactor = ScreenRedaction.current
        let problems =
            overrides.sorted { $0.key < $1.key }.compactMap { name, value in
                secretProblem(name: name, value: value, redactor: redactor).map { "--set \($0)" }
            } + Preflight.overrideProblems(overrides, checklist: checklist)
        guard problems.isEmpty else {
            problems.forEach { terminal.error("error: \($0)") }
            throw ExitCode(ExitCode.usage)
        }
    }

    /// Loads `path`, printing every diagnostic on stderr and exiting 2 if it is invalid.
    static func loadChecklist(path: String, named: Bool, terminal: Terminal) throws -> Checklist {
        do {
            let checklist = try ChecklistLoader.load(path: path)
            ScreenRedaction.include(checklist)
            return checklist
        } catch {
            for diagnostic in error.diagnostics {
                terminal.error(diagnostic.description)
            }
            if !named && error.diagnostics.first?.message == "no such file" {
                terminal.error("hint: run hedgeops from its repository, or pass --checklist PATH")
            }
            throw ExitCode(ExitCode.usage)
        }
    }
}

extension GlobalOptions {
    /// A run named by id or folder, else the newest run; exits 2 when there is none.
    func runFolder(_ target: String?, terminal: Terminal) throws -> String {
        guard
            let folder = target.map({ RunStatus.folder(for: $0, dataDirectory: dataDir) })
                ?? RunStatus.newestRun(dataDirectory: dataDir)
        else {
            let folders = ((try? FileManager.default.contentsOfDirectory(atPath: dataDir + "/runs")) ?? []).filter {
                !$0.hasPrefix(".")
            }
            let left =
                folders.isEmpty
                ? "" : " (\(folders.count) session\(folders.count == 1 ? "" : "s") left before the launch: not a run)"
            terminal.error("error: no runs in \(dataDir)/runs\(left); start one with hedgeops run")
            throw ExitCode(ExitCode.usage)
        }
        return folder
    }
}

/// Takes the data directory's lock, launches the run and supervises it to
/// its verdict: what `run` and `demo` share.
func launchToVerdict(
    _ options: RunSupervisor.Options, preflight: PreflightReport, presenter: RunPresenter, terminal: Terminal
) throws -> (supervisor: RunSupervisor, results: RunResultsDocument) {
    let lock = try acquireRunLock(options.dataDirectory, terminal: terminal)
    let supervisor = RunSupervisor(options: options, onEvent: { presenter.show($0) })
    try launching(terminal) { try supervisor.launch(preflight: preflight) }
    presenter.follow(supervisor, checkpoints: options.checklist.monitoring.checkpoints.map(\.hour))
    defer { presenter.flush() }
    return (supervisor, try superviseToVerdict(supervisor, lock: lock, terminal: terminal))
}

/// Runs a launch, turning its failure into what the operator reads and the
/// exit code: 3 when the TESTNET gate refused at the last moment, else 1.
func launching(_ terminal: Terminal, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let refused as TestnetRefused {
        terminal.error("error: \(refused)")
        throw ExitCode(ExitCode.testnetRefused)
    } catch {
        terminal.error("error: could not launch the run: \(error)")
        throw ExitCode(ExitCode.failed)
    }
}

/// One run at a time per data directory: the lock, or the reason why not
/// (printed) and exit 2.
func acquireRunLock(_ dataDirectory: String, terminal: Terminal) throws -> RunLock {
    do {
        return try RunLock(dataDirectory: dataDirectory)
    } catch {
        terminal.error("error: \(error)")
        throw ExitCode(ExitCode.usage)
    }
}

/// Supervises a launched or adopted run to its verdict, with the signal
/// handling every command shares, and turns the end into the exit code.
func superviseToVerdict(_ supervisor: RunSupervisor, lock: RunLock, terminal: Terminal) throws -> RunResultsDocument {
    let signals = SignalHandling(supervisor: supervisor, terminal: terminal)
    let results = supervisor.supervise()
    withExtendedLifetime((lock, signals)) {}
    if results.end?.0 == .aborted { throw ExitCode(ExitCode.aborted) }
    return results
}

/// Why a parameter's value is refused when it holds any form of a secret
/// (`NAME: …`), nil when it holds none.
func secretProblem(name: String, value: String, redactor: SecretRedactor) -> String? {
    let found = redactor.secretsFound(in: value)
    guard !found.isEmpty else { return nil }
    return "\(name): the value holds the value of \(found.joined(separator: ", ")) (or part of it); "
        + "a secret is never a run parameter: nothing was recorded"
}

/// `NAME=VALUE` for --set.
struct ParameterAssignment: ExpressibleByArgument {
    var name: String
    var value: String

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else { return nil }
        name = String(argument[..<equals])
        value = String(argument[argument.index(after: equals)...])
    }

    static var defaultValueDescription: String { "NAME=VALUE" }
}

/// How hedgeops's own requests reach the network (verify-env, run).
struct NetworkOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A proxy for hedgeops's own requests; its host must be on the TESTNET allow-list. Proxy variables "
                + "(http_proxy, https_proxy, all_proxy) are never used by hedgeops, and refused in the executor's "
                + "environment unless their host is allow-listed.", valueName: "url"))
    var proxy: String?
}
