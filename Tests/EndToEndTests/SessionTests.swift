import Foundation
import HedgeOpsKit
import Testing

/// The guided session, scripted (one answer a line) and under a real pty.
struct SessionTests {
    func journal(_ workspace: Workspace) throws -> [[String: Any]] {
        let folder = try #require(try RunTests.runFolder(workspace))
        return try RawJournal(path: folder + "/journal.jsonl").events
    }

    @Test func aScriptedSessionRecordsEveryAnswerAndMarksUnansweredHours() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let secret = "demo-secret-never-shown-0001"
        let script =
            "y\nmaybe\ns\nno python here\ny\nset offset 5\nset scenario slow-leak\nlaunch\nlaunch\nnote key \(secret) rotated\nfoo\n"
            + "help ok\nchecklist\n"
        let result = try Binary.run(
            ["session", "--checklist", RunTests.demoChecklist, "--time-scale", "3600"],
            environment: RunTests.environment,
            in: workspace.path, stdin: script)
        #expect(result.exitCode == 0, "\(result.all.suffix(1500))")
        #expect(result.stdout.contains("hedgeops [preflight 2/3]> maybe\nanswer y, n or s"))
        #expect(result.stdout.contains("error: --set offset=5: must be at most 0.01"))
        #expect(result.stdout.contains("This starts the 8-hour run on TESTNET"))
        #expect(result.stdout.contains("unknown command 'foo'"))
        #expect(result.stdout.contains("ok          confirm the hourly items"))
        #expect(result.stdout.contains("[x] Python virtual environment activated: answered: yes"))
        #expect(result.stdout.contains("since hour 0) ▁"), "the hourly memory item has its sparkline")
        #expect(result.stdout.contains("VERDICT: PASS"))
        #expect(!result.all.contains(secret), "a secret on screen")
        let events = try journal(workspace)
        let text = try String(
            contentsOfFile: try #require(try RunTests.runFolder(workspace)) + "/journal.jsonl", encoding: .utf8)
        #expect(!text.contains(secret), "a secret in the journal")
        let answers = events.filter { $0["type"] as? String == "answer" }.compactMap { $0["answer"] as? String }
        #expect(answers == ["yes", "skip: no python here", "yes"])
        #expect(events.contains { $0["type"] as? String == "parameter_set" && $0["value"] as? String == "slow-leak" })
        let notes = events.filter { $0["type"] as? String == "note" }.compactMap { $0["text"] as? String }
        #expect(notes == ["key [redacted BITUNIX_API_SECRET] rotated"])
        // Nobody answered the hourly prompts: every checkpoint is still there, every hour "not confirmed".
        let hourly = events.filter { $0["type"] as? String == "hourly" }
        #expect(Set(hourly.compactMap { $0["hour"] as? Double }) == [1, 2, 4, 6, 8])
        #expect(hourly.allSatisfy { $0["answer"] as? String == "not confirmed by operator" })
        #expect(events.filter { $0["type"] as? String == "checkpoint" }.count == 6)
    }

    @Test func launchNeedsTheWordTypedInFullAndARequiredItemCannotBeSkipped() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let strict = try String(contentsOfFile: RunTests.demoChecklist, encoding: .utf8)
            .replacingOccurrences(
                of:
                    "        kind: manual\n        title: \"Python virtual environment activated\"\n        required: false\n",
                with: "        kind: manual\n        title: \"Python virtual environment activated\"\n")
        try workspace.write("strict.yaml", strict)
        let result = try Binary.run(
            ["session", "--checklist", "strict.yaml"], environment: RunTests.environment, in: workspace.path,
            stdin: "s\ny\ny\ny\nlaunch\nyes\n")
        #expect(result.stdout.contains("a required item cannot be skipped"))
        #expect(result.stdout.contains("not launched (the confirmation must be typed in full)"))
        #expect(result.exitCode == 4, "end of input before launching is an abort")
        #expect(!(try journal(workspace)).contains { $0["type"] as? String == "launch" })
    }

    /// Under a real pseudo-terminal (util-linux `script`): libedit's prompt,
    /// history kept across sessions without the secret line, detach.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func onATerminalTheSessionUsesLibeditAndKeepsSecretsOutOfHistory() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let env = try RunTests.sessionEnvironment(workspace)
        let secret = "demo-secret-never-shown-0001"
        let input = "y\ny\ny\nlaunch\nlaunch\nnote rotate \(secret)\nhelp\ndetach\n"
        try workspace.write("input.txt", input)
        let command = "'\(Binary.path)' session --checklist '\(RunTests.demoChecklist)' --time-scale 360"
        let process = try ChildProcess.spawn(
            ["/bin/sh", "-c", "script -qec \"\(command)\" /dev/null < input.txt > screen.txt 2>&1"], environment: env,
            workingDirectory: workspace.path)
        #expect(process.wait(timeout: 60) == .exited(0))
        let screen = try String(contentsOfFile: workspace.path + "/screen.txt", encoding: .utf8)
        #expect(screen.contains("hedgeops [preflight 1/3]> "))
        #expect(screen.contains("hedgeops [run "))
        #expect(screen.contains("detached: the run goes on"))
        let history = try String(contentsOfFile: workspace.path + "/state/hedgeops/history", encoding: .utf8)
        #expect(history.contains("help") && history.contains("launch"))
        #expect(!history.contains(secret), "a secret in the history file")
        // The detached run goes on; stop it.
        let launch = try journal(workspace).first { $0["type"] as? String == "launch" }
        let pid = try #require(launch?["pid"] as? Int)
        #expect(kill(Int32(pid), 0) == 0, "the run outlives the detached session")
        kill(-Int32(pid), SIGKILL)
    }
}
