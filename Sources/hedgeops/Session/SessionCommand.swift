import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops session` (and `hedgeops` alone): the guided session.
struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "The guided session: pre-flight, configuration, launch, hourly monitoring, verdict.",
        discussion: """
            Walks the checklist: automatic checks (with `recheck`), manual items asked [y]es / [n]o / [s]kip \
            (a skip needs a reason; a required item cannot be skipped), parameters (`set NAME VALUE`), then \
            a launch confirmation typed out in full. During the run: `status`, `memory`, `log [N]`, \
            `note TEXT`, `ok` / `flag TEXT` for the hourly items, `detach`, `abort`, `help`. Checkpoints are \
            recorded on time whether or not anyone answers; an unanswered hour is marked "not confirmed \
            by operator". Every answer is in the journal before the prompt moves on. Without a terminal \
            it reads one answer a line (hedgeops session < answers.txt).

            Examples:
              hedgeops
              hedgeops session --checklist checklists/demo.yaml --time-scale 720
              hedgeops session < answers.txt
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Simulated seconds per real second, for rehearsals.")
    var timeScale: Double = 1

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a run parameter.", valueName: "NAME=VALUE"))
    var assignments: [ParameterAssignment] = []

    func validate() throws {
        guard timeScale > 0 else { throw ValidationError("--time-scale must be above 0") }
    }

    func run() throws {
        let terminal = Terminal()
        let (checklist, overrides) = try global.loadChecklist(terminal: terminal, assignments: assignments)
        let session = GuidedSession(
            checklist: checklist, dataDirectory: global.dataDir, timeScale: timeScale, overrides: overrides,
            terminal: terminal)
        throw ExitCode(session.run())
    }
}
