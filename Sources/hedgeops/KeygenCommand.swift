import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops keygen`: an Ed25519 key in OpenSSH format for signing results.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract:
            "Create an Ed25519 signing key (OpenSSH format, unencrypted, mode 0600) and print its allowed_signers line.",
        discussion: """
            Examples:
              hedgeops keygen --out ~/.ssh/hedgeops_ed25519 --comment operator@example.com
              hedgeops keygen --comment reviewer@example.com --out reviewer_ed25519 >> allowed_signers

            An existing key from `ssh-keygen -t ed25519 -N ''` works just as well.
            """
    )

    @Option(help: ArgumentHelp("Private key path; the public key goes to PATH.pub.", valueName: "path"))
    var out = "hedgeops_ed25519"

    @Option(help: "The key's comment: the signer's e-mail, used as principal in allowed_signers.")
    var comment = "operator@example.com"

    func run() throws {
        let terminal = Terminal()
        for path in [out, out + ".pub"] where FileManager.default.fileExists(atPath: path) {
            terminal.error("error: \(path) exists; hedgeops never overwrites a key (choose another --out)")
            throw ExitCode(ExitCode.usage)
        }
        let key = OpenSSHKey(comment: comment)
        guard
            FileManager.default.createFile(
                atPath: out, contents: Data(key.privateFile.utf8), attributes: [.posixPermissions: 0o600]),
            FileManager.default.createFile(atPath: out + ".pub", contents: Data((key.publicLine + "\n").utf8))
        else {
            terminal.error("error: cannot write \(out)")
            throw ExitCode(ExitCode.failed)
        }
        chmod(out, 0o600)
        terminal.error("wrote \(out) (private, 0600) and \(out).pub; fingerprint \(key.fingerprint)")
        terminal.error("add this line to the reviewer's allowed_signers file:")
        terminal.out(key.allowedSignersLine)
    }
}
