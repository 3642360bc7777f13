import ArgumentParser
import Foundation
import HedgeOpsCLI
import HedgeOpsKit

/// The `hedgeops` command: one subcommand a file, all of them thin shells
/// over HedgeOpsKit.
struct HedgeOps: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hedgeops",
        abstract:
            "Run the 8-hour TESTNET load test of the Bitunix HEDGE executor as a guided, verified, signed workflow.",
        discussion: """
            Pre-flight checks, a supervised run with memory and CPU sampling, hourly checkpoints, \
            a verdict against the checklist's pass criteria, and signed results for the reviewer.

            Examples:
              hedgeops demo                       # the whole workflow, simulated: 8 hours in 40 s
              hedgeops verify-env                 # pre-flight of the shipped checklist
              hedgeops run --yes                  # the 8-hour run, supervised
              hedgeops status                     # from a second terminal
              hedgeops attach                     # the session again, after detach or a closed terminal
              hedgeops resume                     # after the supervisor died; the run went on
              hedgeops export RUN --key KEY       # the signed sign-off bundle
              hedgeops verify BUNDLE --allowed-signers FILE

            Topics: hedgeops help checklist|criteria|signing|exit-codes|session

            Version: hedgeops -V (or version, --version)

            Shell completion: hedgeops --generate-completion-script bash|zsh|fish

            Exit codes (every command): 0 success/PASS, 1 a check or criterion
            failed/FAIL, 2 usage or input error, 3 TESTNET gate refused,
            4 aborted by the operator.
            """,
        version: "0.1.0",
        subcommands: [
            SessionCommand.self, DemoCommand.self, VerifyEnvCommand.self, RunCommand.self, StatusCommand.self,
            AttachCommand.self, ResumeCommand.self, SuperviseCommand.self,
            KeygenCommand.self,
            ReportCommand.self, ExportCommand.self, SignCommand.self, VerifyCommand.self, ChecklistCommand.self,
        ],
        defaultSubcommand: SessionCommand.self
    )
}

/// Entry point: ArgumentParser's own usage errors exit 64; hedgeops documents 2.
@main
enum Main {
    static func main() async {
        // The run must outlive a closed terminal or pipe; children get SIGPIPE back (ChildProcess).
        signal(SIGPIPE, SIG_IGN)
        // `hedgeops help TOPIC` (man-style pages); `help COMMAND` is ArgumentParser's.
        let arguments = Array(CommandLine.arguments.dropFirst())
        if [["-V"], ["--version"], ["version"]].contains(arguments) {
            print("hedgeops \(HedgeOps.configuration.version)")
            return
        }
        if let unknown = FirstContact.unknownCommand(
            arguments.first == "help" ? [] : arguments, root: { .init(HedgeOps.self) })
        {
            try? FileHandle.standardError.write(contentsOf: Data((unknown + "\n").utf8))
            exit(ExitCode.usage)
        }
        if arguments.first == "help" {
            if arguments.count == 1 {
                print(HedgeOps.helpMessage() + "\n\n" + HelpTopics.index)
                return
            }
            if arguments.count == 2, let page = HelpTopics.page(arguments[1]) {
                print(page)
                return
            }
            let commands = HedgeOps.configuration.subcommands.map { $0._commandName }
            if !commands.contains(arguments[1]) {
                let known = HelpTopics.pages.map(\.name) + commands
                let hint = closest(to: arguments[1], in: known).map { "; did you mean '\($0)'?" } ?? ""
                let message = "error: no help topic or command '\(arguments[1])'\(hint)\n\(HelpTopics.index)\n"
                try? FileHandle.standardError.write(contentsOf: Data(message.utf8))
                exit(ExitCode.usage)
            }
        }
        do {
            var command = try HedgeOps.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = HedgeOps.exitCode(for: error)
            if code == .validationFailure {
                let message = ScreenRedaction.current.redact(HedgeOps.fullMessage(for: error))
                try? FileHandle.standardError.write(contentsOf: Data((message + "\n").utf8))
                exit(ExitCode.usage)
            }
            HedgeOps.exit(withError: error)
        }
    }
}
