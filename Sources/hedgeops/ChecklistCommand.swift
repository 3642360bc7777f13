import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops checklist …`: work on checklist files.
struct ChecklistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checklist",
        abstract: "Validate checklist files.",
        subcommands: [Lint.self]
    )

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a checklist file; list every error with file:line:column.",
            discussion: """
                Unknown keys (with the closest valid one), wrong types, bad thresholds, invalid \
                regular expressions and duplicate ids are all reported at once.

                Examples:
                  hedgeops checklist lint checklists/load-test-8h.yaml
                  hedgeops checklist lint my-checklist.yaml || echo "fix it first"

                Exit codes: 0 valid, 2 invalid or unreadable.
                """
        )

        @Argument(help: ArgumentHelp("The checklist file to validate.", valueName: "file"))
        var file: String

        func run() throws {
            let terminal = Terminal()
            do {
                let checklist = try ChecklistLoader.load(path: file)
                let itemCount = checklist.items.count
                terminal.out(
                    "\(file): ok: \(itemCount) pre-flight items, \(checklist.parameters.count) parameters, "
                        + "\(checklist.monitoring.hourly.count) hourly items, \(checklist.monitoring.checkpoints.count) checkpoints, "
                        + "\(checklist.criteria.items.count) pass criteria")
            } catch {
                for diagnostic in error.diagnostics { terminal.error(diagnostic.description) }
                let count = error.diagnostics.count
                terminal.error("\(file): \(count) error\(count == 1 ? "" : "s")")
                throw ExitCode(ExitCode.usage)
            }
        }
    }
}
