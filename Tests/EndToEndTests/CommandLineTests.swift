import Foundation
import Testing

/// Help, usage errors, lint and colour, as a user meets them.
struct CommandLineTests {
    @Test func lintAcceptsTheShippedChecklist() throws {
        let result = try Binary.run(["checklist", "lint", Binary.shippedChecklist])
        #expect(result.exitCode == 0)
        #expect(
            result.stdout.contains(
                "ok: 11 pre-flight items, 5 parameters, 5 hourly items, 6 checkpoints, 6 pass criteria"))
    }

    @Test func lintListsEveryErrorWithFileLineColumnAndExitsTwo() throws {
        let fixture = Binary.repositoryRoot.appendingPathComponent(
            "Tests/HedgeOpsKitTests/Fixtures/malformed/09-unknown-metric.yaml"
        ).path
        let result = try Binary.run(["checklist", "lint", fixture])
        #expect(result.exitCode == 2)
        #expect(
            result.stderr.contains(
                "\(fixture):45:40: error: criteria.items[0].metric: unknown metric 'memory_ration'; did you mean 'memory_ratio'?"
            ))
        #expect(result.stderr.contains("1 error"))
    }

    @Test func lintOfAMissingFileSaysSoWithExitTwo() throws {
        let result = try Binary.run(["checklist", "lint", "/nonexistent.yaml"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("/nonexistent.yaml:1:1: error: no such file"))
    }

    @Test(arguments: [["--help"], ["verify-env", "--help"], ["checklist", "lint", "--help"]])
    func helpHasExamplesAndExitsZero(_ arguments: [String]) throws {
        let result = try Binary.run(arguments)
        #expect(result.exitCode == 0)
        #expect(result.stdout.contains("Examples:"))
        #expect(result.stdout.contains("hedgeops "))
    }

    @Test func usageErrorsExitTwoWithAMessage() throws {
        let result = try Binary.run(["verify-env", "--no-such-option"])
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("Unknown option '--no-such-option'"))
        let bad = try Binary.run(["verify-env", "--set", "novalue"])
        #expect(bad.exitCode == 2)
    }

    /// Colour on a TTY, never with NO_COLOR: run under `script`, which gives a real pty.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func colourOnlyOnATerminalAndNeverWithNoColor() throws {
        func underPty(_ extraEnv: String) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            process.arguments = [
                "-qec", "\(extraEnv) '\(Binary.path)' verify-env --checklist '\(Binary.shippedChecklist)'", "/dev/null",
            ]
            let out = Pipe()
            process.standardOutput = out
            process.standardInput = FileHandle.nullDevice
            process.environment = Binary.baseEnvironment.merging(["TERM": "xterm"]) { $1 }
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        #expect(try underPty("").contains("\u{1B}["))
        #expect(!(try underPty("NO_COLOR=1")).contains("\u{1B}["))
        let piped = try Binary.run(["verify-env", "--checklist", Binary.shippedChecklist])
        #expect(!piped.stdout.contains("\u{1B}["))
    }

    @Test(arguments: [
        "checklist", "criteria", "signing", "exit-codes", "session", "preflight", "testnet", "run", "run-folder",
        "network", "secrets", "prometheus", "simulator",
    ])
    func everyHelpTopicIsAManStylePage(topic: String) throws {
        let result = try Binary.run(["help", topic])
        #expect(result.exitCode == 0)
        for section in ["NAME", "DESCRIPTION", "EXAMPLES", "SEE ALSO"] {
            #expect(
                result.stdout.contains("\n\(section)\n") || result.stdout.hasPrefix(section), "\(topic): \(section)")
        }
    }

    @Test func helpListsTheTopicsAndStillExplainsCommands() throws {
        let index = try Binary.run(["help"])
        #expect(index.exitCode == 0 && index.stdout.contains("TOPICS (hedgeops help TOPIC)"))
        #expect(index.stdout.contains("exit-codes"))
        let command = try Binary.run(["help", "export"])
        #expect(command.exitCode == 0 && command.stdout.contains("USAGE: hedgeops export"))
        let typo = try Binary.run(["help", "critera"])
        #expect(typo.exitCode == 2)
        #expect(typo.stderr.contains("did you mean 'criteria'?"))
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func shellCompletionScriptsNameEveryCommand(shell: String) throws {
        let result = try Binary.run(["--generate-completion-script", shell])
        #expect(result.exitCode == 0)
        for command in ["verify-env", "session", "resume", "export", "verify"] {
            #expect(result.stdout.contains(command), "\(shell): \(command)")
        }
    }

    @Test func lintTakesSeveralFilesAndFailsIfAnyIsInvalid() throws {
        let workspace = try Workspace()
        try workspace.write("bad.yaml", "schema: 1\ntitel: x\n")
        let result = try Binary.run(
            ["checklist", "lint", Binary.shippedChecklist, workspace.path + "/bad.yaml"])
        #expect(result.exitCode == 2)
        #expect(result.stdout.contains("load-test-8h.yaml: ok"))
        #expect(result.stderr.contains("bad.yaml:2:1: error"))
    }
}
