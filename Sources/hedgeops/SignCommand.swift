import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops sign FILE --key PATH`: an SSHSIG signature beside the file.
struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Sign a file with an Ed25519 key: OpenSSH SSHSIG, namespace hedgeops.",
        discussion: """
            Writes FILE.sig (operator) or FILE.reviewer.sig (a countersignature). A reviewer checks it with:
              ssh-keygen -Y verify -f allowed_signers -I operator@example.com -n hedgeops -s FILE.sig < FILE

            Examples:
              hedgeops sign data/runs/RUN/results.json --key ~/.ssh/hedgeops_ed25519
              hedgeops sign data/runs/RUN/results.json --key reviewer_ed25519 --role reviewer
            """
    )

    enum Role: String, ExpressibleByArgument, CaseIterable { case operatorRole = "operator", reviewer }

    @Argument(help: "The file to sign.")
    var file: String

    @Option(help: ArgumentHelp("An unencrypted OpenSSH Ed25519 private key.", valueName: "path"))
    var key: String

    @Option(help: "operator (FILE.sig) or reviewer (FILE.reviewer.sig).")
    var role: Role = .operatorRole

    func run() throws {
        let terminal = Terminal()
        do {
            let path = try SignOff.sign(file: file, keyPath: key, role: role.rawValue)
            terminal.out(path)
        } catch {
            terminal.error("error: \(error)")
            throw ExitCode(ExitCode.failed)
        }
    }
}
