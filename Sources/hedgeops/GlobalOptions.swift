import ArgumentParser
import Foundation
import HedgeOpsKit

/// Options every command takes (SPEC §2).
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
        do {
            return try ChecklistLoader.load(path: checklistPath)
        } catch {
            for diagnostic in error.diagnostics {
                terminal.error(diagnostic.description)
            }
            if checklist == nil && error.diagnostics.first?.message == "no such file" {
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
            terminal.error("error: no runs in \(dataDir)/runs; start one with hedgeops run")
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
    let lock: RunLock
    do {
        lock = try RunLock(dataDirectory: options.dataDirectory)
    } catch {
        terminal.error("error: \(error)")
        throw ExitCode(ExitCode.usage)
    }
    let supervisor = RunSupervisor(options: options, onEvent: { presenter.show($0) })
    do {
        try supervisor.launch(preflight: preflight)
    } catch {
        terminal.error("error: could not launch the run: \(error)")
        throw ExitCode(ExitCode.failed)
    }
    defer { presenter.flush() }
    return (supervisor, try superviseToVerdict(supervisor, lock: lock, terminal: terminal))
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
