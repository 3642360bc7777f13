import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops checklist …`: work on checklist files.
struct ChecklistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checklist",
        abstract: "Validate checklist files; turn their pass criteria into Prometheus alerts.",
        subcommands: [Lint.self, Rules.self]
    )

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
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

    struct Rules: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rules",
            abstract: "Print a Prometheus rule file with one alert per pass criterion of a checklist.",
            discussion: """
                The alerts read the series a run serves with --metrics-listen, with the checklist's \
                thresholds: memory projected past the leak ratio, reconnects past the limit, the error \
                rate, ERROR_LOCK seen, a silent log, the executor gone before the planned end, average \
                CPU, and a FAIL verdict. Each one selects checklist="ID", so rule files of several \
                checklists can be loaded together. Check it with `promtool check rules FILE`.

                Examples:
                  hedgeops checklist rules checklists/load-test-8h.yaml > monitoring/load-test-8h.rules.yml
                  hedgeops checklist rules my-checklist.yaml --output /etc/prometheus/rules/hedgeops.yml

                Exit codes: 0 written, 2 the checklist is invalid or the output cannot be written.
                """
        )

        @Argument(help: ArgumentHelp("The checklist file.", valueName: "file"))
        var file: String

        @Option(name: .shortAndLong, help: ArgumentHelp("Write the rules here instead of stdout.", valueName: "path"))
        var output: String?

        func run() throws {
            let terminal = Terminal()
            let checklist = try GlobalOptions.loadChecklist(path: file, named: true, terminal: terminal)
            let yaml = AlertRules(checklist: checklist).yaml
            guard let output else {
                terminal.out(yaml, terminator: "")
                return
            }
            do {
                try Data(yaml.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                terminal.error("error: cannot write \(output): \(error.localizedDescription); choose a writable path")
                throw ExitCode(ExitCode.usage)
            }
        }
    }
}
