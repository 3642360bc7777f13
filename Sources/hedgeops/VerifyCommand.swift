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

            Who signed is checked against YOUR allowed_signers file, read as `ssh-keygen -Y verify` reads \
            it: principal patterns (*, ?, lists, !negation), namespaces=, valid-after=, valid-before=, \
            cert-authority; a line it would skip is skipped, and the reason shown. Without \
            --allowed-signers a valid signature only proves that some key signed: verify says \
            "signer NOT verified" and exits 1, unless --allow-any-signer asks for that quick local check. \
            An allowed_signers file inside a bundle never counts.

            Examples:
              hedgeops verify signoff.tar.gz --allowed-signers allowed_signers \\
                  --identity op@example.com
              hedgeops verify data/runs/RUN/results.json --allowed-signers allowed_signers
              hedgeops verify data/runs/RUN/results.json --allow-any-signer

            Exit codes: 0 everything verified, 1 something differs, is unsigned, or the signer is not \
            verified, 2 usage.
            """
    )

    @Argument(help: "A signed file, a bundle directory or a bundle .tar.gz.")
    var target: String

    @Option(help: ArgumentHelp("Who may sign (ssh-keygen's allowed_signers format).", valueName: "path"))
    var allowedSigners: String?

    @Option(
        help: ArgumentHelp(
            "The principal the operator's signatures must be made for, as ssh-keygen -Y verify -I.",
            valueName: "principal"))
    var identity: String?

    @Option(
        help: ArgumentHelp(
            "The principal the reviewer's countersignatures must be made for.", valueName: "principal"))
    var reviewerIdentity: String?

    @Flag(help: "Accept a valid signature by any key, for a quick local check; the signer is not verified.")
    var allowAnySigner = false

    func validate() throws {
        if allowedSigners == nil && (identity != nil || reviewerIdentity != nil) {
            throw ValidationError("--identity and --reviewer-identity need --allowed-signers FILE")
        }
        if allowedSigners != nil && allowAnySigner {
            throw ValidationError("--allow-any-signer skips the check --allowed-signers asks for: give one of them")
        }
    }

    func run() throws {
        let terminal = Terminal()
        // Ctrl-C while tar works must not leave the bundle behind in $TMPDIR.
        ScratchDirectory.removeAllOnSignals()
        var allowed: AllowedSigners?
        if let allowedSigners {
            guard let data = FileManager.default.contents(atPath: allowedSigners) else {
                terminal.error("error: cannot read \(allowedSigners)")
                throw ExitCode(ExitCode.usage)
            }
            allowed = AllowedSigners(data: data, path: allowedSigners)
        }
        guard FileManager.default.fileExists(atPath: target) else {
            terminal.error("error: \(target): no such file")
            throw ExitCode(ExitCode.usage)
        }
        let signers = SignOff.Signers(
            allowed: allowed, operatorIdentity: identity, reviewerIdentity: reviewerIdentity)
        let report = SignOff.verify(target: target, signers: signers)
        for line in report.lines {
            let mark =
                !line.ok
                ? terminal.paint("BAD ", .boldRed)
                : line.signerUnverified ? terminal.paint("??  ", .yellow) : terminal.paint("OK  ", .green)
            terminal.out(mark + line.text)
        }
        if let first = report.firstProblem {
            terminal.error(terminal.paint("FAILED: \(first)", .boldRed))
            throw ExitCode(ExitCode.failed)
        }
        if report.signerUnverified {
            if allowAnySigner {
                terminal.out("signature valid, signer NOT verified (--allow-any-signer: any key accepted)")
                return
            }
            terminal.error(
                terminal.paint("signature valid, signer NOT verified", .boldRed)
                    + ": any key could have made it; give your allowed_signers file with --allowed-signers FILE "
                    + "(or --allow-any-signer for a quick local check)")
            throw ExitCode(ExitCode.failed)
        }
        terminal.out("verified")
    }
}
