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
            a launch confirmation typed out in full. Every prompt before the launch takes `help`, `back` \
            (the previous question) and `quit` (nothing launched). During the run a status line above the prompt is \
            redrawn in place (elapsed, left, RSS, CPU, reconnects, errors, WS state); commands: `status`, \
            `memory`, `log [N]`, `note TEXT`, `ok` / `flag [ITEM] TEXT` for the hourly items, `checklist`, \
            `results`, `recheck`, `detach`, `abort`, `help [CMD]`. Checkpoints are recorded on time whether \
            or not anyone answers; an unanswered hour is marked "not confirmed by operator". After the \
            verdict: `report`, `export KEY [OUT]`, `quit`. Every answer is in the journal before the prompt moves on.

            At the launch a supervisor process of its own takes the run; the session follows it. `detach`, \
            a closed terminal or a killed session never stop the sampling: `hedgeops attach` re-opens it.

            Keys: Tab offers what the prompt accepts; Up recalls history ($XDG_STATE_HOME/hedgeops/history, never a secret); \
            Ctrl-C drops the line being typed, never the run; Ctrl-D before the launch leaves, during the run asks detach, abort or continue. \
            Without a terminal it reads one answer a line (hedgeops session < answers.txt).

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

    @OptionGroup var metrics: MetricsOptions

    func validate() throws {
        do {
            _ = try TimeScale.check(timeScale, "--time-scale")
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let terminal = Terminal()
        let (checklist, overrides) = try global.loadChecklist(terminal: terminal, assignments: assignments)
        let session = GuidedSession(
            checklist: checklist, dataDirectory: global.dataDir, timeScale: timeScale, overrides: overrides,
            terminal: terminal)
        session.supervisorArguments = metrics.arguments
        throw ExitCode(session.run())
    }
}
