import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops resume [RUN]`: adopt a run whose supervisor died (for a live one, `attach`).
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Adopt a run whose supervisor died; the executor itself kept going.",
        discussion: """
            Checks the journal (a torn last line from a crash is reported and set aside, never dropped), \
            finds the executor by PID and start time, records the gap, marks checkpoints that fell in it \
            as missed (with the nearest later sample), starts a new supervisor for it (in the background, \
            as the session does) and re-opens the guided session where it stood \
            (status line, hourly items, `export` after the verdict; without a terminal it reads commands \
            from stdin and carries on to the verdict). Refuses if the checklist changed since launch \
            unless --force (recorded).

            Examples:
              hedgeops resume
              hedgeops resume 20261129T031500-3f2a --force

            Exit codes: as hedgeops run.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Run id or folder (default: the newest run).", valueName: "run"))
    var target: String?

    @Flag(help: "Resume even though the checklist changed since launch (recorded in the journal).")
    var force = false

    @OptionGroup var metrics: MetricsOptions

    func run() throws {
        let terminal = Terminal()
        let folder = try global.runFolder(target, terminal: terminal)
        // The checklist the run was launched with, unless one is named.
        let recorded = (try? RunReader(folder: folder))?.session?.checklist
        let checklistPath = global.checklist ?? recorded ?? global.checklistPath
        let checklist = try GlobalOptions.loadChecklist(path: checklistPath, named: true, terminal: terminal)
        // The lock of the data directory the run lives in, even when the run is named by a folder elsewhere.
        let lock = try acquireRunLock(Self.dataDirectory(of: folder) ?? global.dataDir, terminal: terminal)
        let session = GuidedSession(
            checklist: checklist, dataDirectory: global.dataDir, timeScale: 1, overrides: [:], terminal: terminal)
        session.supervisorArguments = metrics.arguments
        _ = session.eventHandler(
            RunPresenter(terminal: terminal, timeScale: 1, durationHours: checklist.run.duration / 3600))
        // A supervisor of its own adopts the run; this command follows it as a client.
        throw ExitCode(
            session.handOver(
                folder: folder, lock: lock, mode: .adopt(force: force), parameters: [:], checklistPath: checklistPath))
    }

    /// `DATA` for a run folder `DATA/runs/ID`.
    static func dataDirectory(of folder: String) -> String? {
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        guard url.deletingLastPathComponent().lastPathComponent == "runs" else { return nil }
        return url.deletingLastPathComponent().deletingLastPathComponent().path
    }
}
