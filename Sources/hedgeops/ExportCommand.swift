import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops export RUN --key PATH`: the signed sign-off bundle.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract:
            "Build the signed sign-off bundle of a finished run (a directory or a .tar.gz), optionally upload it.",
        discussion: """
            The bundle: results.json (+ .sig), report.md, memory.svg, samples.csv, journal.jsonl, \
            checklist.yaml, executor-log-excerpt.txt, and a MANIFEST of SHA-256 digests (+ .sig). \
            A reviewer checks it with `hedgeops verify BUNDLE`, or with `sha256sum -c MANIFEST` and \
            `ssh-keygen -Y verify … -s MANIFEST.sig < MANIFEST`. \
            Before signing, every file is checked for every form of every secret of the \
            environment; the export is refused, naming the file, if one holds any.

            Examples:
              hedgeops export 20261129T031500-3f2a --key ~/.ssh/hedgeops_ed25519
              hedgeops export 20261129T031500-3f2a --key op_ed25519 --out signoff.tar.gz --upload https://files.example/put/signoff.tar.gz
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Run id or folder (default: the newest run).", valueName: "run"))
    var target: String?

    @Option(
        help: ArgumentHelp(
            "Bundle directory, or a path ending in .tar.gz (default: hedgeops-RUN.tar.gz).", valueName: "path"))
    var out: String?

    @Option(help: ArgumentHelp("Unencrypted OpenSSH Ed25519 private key to sign with.", valueName: "path"))
    var key: String

    @Option(help: ArgumentHelp("PUT the .tar.gz to this URL (with retries) and report the answer.", valueName: "url"))
    var upload: String?

    func run() throws {
        let terminal = Terminal()
        // Ctrl-C while tar works must not leave the bundle behind in $TMPDIR.
        ScratchDirectory.removeAllOnSignals()
        let folder = try global.runFolder(target, terminal: terminal)
        let destination = out ?? Self.defaultArchive(folder: folder)
        if upload != nil && !destination.hasSuffix(".tar.gz") {
            terminal.error("error: --upload sends a .tar.gz: give --out a path ending in .tar.gz")
            throw ExitCode(ExitCode.usage)
        }
        // A run that cannot be exported (no results, still going) is an input
        // error, 2, as in `report`; a refused key or a failed export is 1, as in `sign`.
        do {
            let record = try RunRecord(folder: folder)
            if record.verdict == "RUNNING" {
                terminal.error("error: the run \(record.runID) is still going: export it once it has a verdict")
                throw ExitCode(ExitCode.usage)
            }
        } catch let error as SigningError {
            terminal.error("error: \(error)")
            throw ExitCode(ExitCode.usage)
        }
        do {
            let exported = try ExportBundle.export(
                folder: folder, out: destination, keyPath: key, environment: ProcessInfo.processInfo.environment)
            terminal.out(exported.archive ?? exported.directory)
            terminal.error(
                "signed by \(exported.signer); check with: hedgeops verify \(exported.archive ?? exported.directory) --allowed-signers allowed_signers",
                wrap: false)
            if let upload, let archive = exported.archive {
                let answer = try ExportBundle.upload(archive: archive, to: upload)
                terminal.out("uploaded: \(answer)")
            }
        } catch {
            terminal.error("error: \(error)")
            throw ExitCode(ExitCode.failed)
        }
    }

    /// `hedgeops-RUN.tar.gz` in the current directory.
    /// `hedgeops-RUN.tar.gz`, or `hedgeops-RUN-rehearsal.tar.gz` for a compressed run.
    static func defaultArchive(folder: String) -> String {
        let rehearsal = (try? RunRecord(folder: folder))?.rehearsal != nil
        return "hedgeops-\(URL(fileURLWithPath: folder).lastPathComponent)\(rehearsal ? "-rehearsal" : "").tar.gz"
    }
}
