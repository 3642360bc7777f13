import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops verify-env`: the checklist's pre-flight alone, for scripts.
struct VerifyEnvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-env",
        abstract: "Run every automatic pre-flight check of the checklist and say whether the run may start.",
        discussion: """
            Checks environment variables (secrets are never shown: 'set, 64 chars, hmac:1a2b3c4d', \
            keyed with this install's key in ~/.config/hedgeops/fingerprint.key), \
            the TESTNET gate (flag explicitly true AND every REST/WS host on the allow-list), \
            the log directory, the Python virtual environment and its requirements, run parameters \
            and any command items. Manual items are left to the guided session.

            Examples:
              hedgeops verify-env
              hedgeops verify-env --fix                 # create the log directory if missing
              hedgeops verify-env --json | jq .ok
              hedgeops verify-env --set log_level=INFO --offline

            Exit codes: 0 every required check passed, 1 a required check failed,
            2 usage or checklist error, 3 TESTNET gate refused (3 wins over 1).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the result as JSON on stdout (stable shape, see README).")
    var json = false

    @Flag(name: .shortAndLong, help: "Print only failures, on stderr; rely on the exit code.")
    var quiet = false

    @Flag(help: "Create what can safely be created (the log directory).")
    var fix = false

    @Flag(help: "Skip network items (they are reported as not run and never count as passed).")
    var offline = false

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Override a run parameter, e.g. --set log_level=INFO.", valueName: "NAME=VALUE"))
    var assignments: [ParameterAssignment] = []

    @OptionGroup var network: NetworkOptions

    func run() throws {
        let terminal = Terminal()
        let (checklist, overrides) = try global.loadChecklist(terminal: terminal, assignments: assignments)
        let context = PreflightContext(
            environment: ProcessInfo.processInfo.environment,
            workingDirectory: FileManager.default.currentDirectoryPath, fix: fix, offline: offline,
            parameterOverrides: overrides, toolDirectories: [ToolLocation.directory], proxy: network.proxy)
        let report = Preflight(checklist: checklist, context: context).run()
        let presenter = PreflightPresenter(report: report, terminal: terminal)
        if json {
            terminal.out(try presenter.json())
        } else if quiet {
            presenter.failures().forEach { terminal.error($0) }
        } else {
            terminal.out(presenter.table(title: checklist.title))
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
