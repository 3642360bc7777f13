import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops verify FILE|BUNDLE`: every signature, and for a bundle every digest.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the signatures beside a file, or a whole sign-off bundle; name the first thing that differs.",
        discussion: """
            For a file: checks FILE.sig and FILE.reviewer.sig. For a bundle (a directory or .tar.gz from \
            hedgeops export): the MANIFEST's signature, the SHA-256 of every file, the journal's hash chain \
            and the signatures of results.json.

            Examples:
              hedgeops verify data/runs/RUN/results.json --allowed-signers allowed_signers
              hedgeops verify hedgeops-RUN.tar.gz --allowed-signers allowed_signers

            Exit codes: 0 everything verified, 1 something differs or is unsigned, 2 usage.
            """
    )

    @Argument(help: "A signed file, a bundle directory or a bundle .tar.gz.")
    var target: String

    @Option(help: ArgumentHelp("Who may sign (ssh-keygen's allowed_signers format).", valueName: "path"))
    var allowedSigners: String?

    func run() throws {
        let terminal = Terminal()
        // Ctrl-C while tar works must not leave the bundle behind in $TMPDIR.
        ScratchDirectory.removeAllOnSignals()
        var allowed: AllowedSigners?
        if let allowedSigners {
            guard let text = try? String(contentsOfFile: allowedSigners, encoding: .utf8) else {
                terminal.error("error: cannot read \(allowedSigners)")
                throw ExitCode(ExitCode.usage)
            }
            allowed = AllowedSigners(text: text)
        }
        guard FileManager.default.fileExists(atPath: target) else {
            terminal.error("error: \(target): no such file")
            throw ExitCode(ExitCode.usage)
        }
        let report = SignOff.verify(target: target, allowed: allowed)
        for line in report.lines {
            terminal.out((line.ok ? terminal.paint("OK  ", .green) : terminal.paint("BAD ", .boldRed)) + line.text)
        }
        if let first = report.firstProblem {
            terminal.error(terminal.paint("FAILED: \(first)", .boldRed))
            throw ExitCode(ExitCode.failed)
        }
        terminal.out("verified")
    }
}
