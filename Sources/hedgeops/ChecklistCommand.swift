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
            abstract: "Validate checklist files; list every error with file:line:column.",
            discussion: """
                Unknown keys (with the closest valid one), wrong types, bad thresholds, invalid \
                regular expressions and duplicate ids are all reported at once.

                Examples:
                  hedgeops checklist lint checklists/load-test-8h.yaml
                  hedgeops checklist lint checklists/*.yaml
                  hedgeops checklist lint my-checklist.yaml || echo "fix it first"

                Exit codes: 0 every file valid, 2 any invalid or unreadable.
                """
        )

        @Argument(help: ArgumentHelp("The checklist files to validate.", valueName: "file"))
        var files: [String]

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one checklist file") }
        }

        func run() throws {
            var failed = false
            for file in files where !lint(file) { failed = true }
            if failed { throw ExitCode(ExitCode.usage) }
        }

        /// True when the file is valid; otherwise its diagnostics are printed.
        private func lint(_ file: String) -> Bool {
            let terminal = Terminal()
            do {
                let checklist = try ChecklistLoader.load(path: file)
                let itemCount = checklist.items.count
                terminal.out(
                    "\(file): ok: \(itemCount) pre-flight items, \(checklist.parameters.count) parameters, "
                        + "\(checklist.monitoring.hourly.count) hourly items, \(checklist.monitoring.checkpoints.count) checkpoints, "
                        + "\(checklist.criteria.items.count) pass criteria")
                return true
            } catch {
                for diagnostic in error.diagnostics { terminal.error(diagnostic.description) }
                let count = error.diagnostics.count
                terminal.error("\(file): \(count) error\(count == 1 ? "" : "s")")
                return false
            }
        }
    }
}
