import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops attach [RUN]`: the guided session again, on a run whose
/// supervisor never stopped.
struct AttachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Re-open the guided session on a running supervised run (after detach, a closed terminal, a kill).",
        discussion: """
            The run's supervisor kept sampling while no session was open: attach follows it again, with the \\
            status line, the hourly items waiting, every command of the session, and `export` after the \\
            verdict. Several terminals may attach to one run; each sees the same events, and an answer given \\
            in one is recorded once. For a run whose supervisor died, use `hedgeops resume`.

            Examples:
              hedgeops attach
              hedgeops attach 20261129T031500-3f2a

            Exit codes: as hedgeops run; 2 when no supervisor is alive for the run.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Run id or folder (default: the newest run).", valueName: "run"))
    var target: String?

    func run() throws {
        let terminal = Terminal()
        let folder = try global.runFolder(target, terminal: terminal)
        guard let client = ControlClient.connect(folder: folder), let status = client.status() else {
            terminal.error(
                "error: no supervisor answers for \(folder): the run finished (hedgeops report) or its supervisor "
                    + "died (hedgeops resume adopts it)")
            throw ExitCode(ExitCode.usage)
        }
        let checklist = try GlobalOptions.loadChecklist(
            path: global.checklist ?? folder + "/checklist.yaml", named: true, terminal: terminal)
        let session = GuidedSession(
            checklist: checklist, dataDirectory: global.dataDir, timeScale: status.timeScale, overrides: [:],
            terminal: terminal)
        _ = session.eventHandler(
            RunPresenter(terminal: terminal, timeScale: status.timeScale, durationHours: status.plannedHours))
        _ = client.send(.record(.attach))
        terminal.out(
            "attached to run \(status.runID), supervised by hedgeops pid \(status.supervisorPID) since "
                + "\(status.supervisingSince)")
        throw ExitCode(session.follow(folder: folder, client: client))
    }
}
