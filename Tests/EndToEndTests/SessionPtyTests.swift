import Foundation
import HedgeOpsKit
import Testing

/// Keystroke-level behaviour on a real pseudo-terminal, driven by pexpect
/// (Python's expect), byte for byte: Tab completion and UTF-8 input. What
/// the screen shows is checked through tmux in SessionTerminalTests.
struct SessionPtyTests {
    static let hasPexpect: Bool = {
        let process = try? ChildProcess.spawn(
            ["python3", "-c", "import pexpect"], environment: Binary.baseEnvironment, workingDirectory: "/")
        return process?.wait() == .exited(0)
    }()

    /// A workspace's environment for drive.py: the session's, UTF-8, and where hedgeops and the checklist are.
    static func environment(_ workspace: Workspace) throws -> [String: String] {
        try workspace.mkdir("data/load_test")
        var env = try RunTests.sessionEnvironment(workspace)
        env["LANG"] = "C.UTF-8"
        env["HEDGEOPS"] = Binary.path
        env["CHECKLIST"] = RunTests.demoChecklist
        return env
    }

    /// Runs the workspace's drive.py to its end; on failure shows what it and the screen said.
    func drive(_ workspace: Workspace, environment: [String: String], timeout: Double) {
        let driver = try? ChildProcess.spawn(
            ["python3", "drive.py"], environment: environment, workingDirectory: workspace.path,
            stdoutPath: workspace.path + "/driver.out", stderrPath: workspace.path + "/driver.out")
        let ended = driver?.wait(timeout: timeout)
        let output = (try? String(contentsOfFile: workspace.path + "/driver.out", encoding: .utf8)) ?? ""
        let screen = (try? String(contentsOfFile: workspace.path + "/screen.txt", encoding: .utf8)) ?? ""
        #expect(ended == .exited(0), "\(output.suffix(800))\n--- screen ---\n\(screen.suffix(1500))")
    }

    @Test(.enabled(if: hasPexpect)) func tabCompletionAndUTF8WorkAtThePrompt() throws {
        let workspace = try Workspace()
        let env = try Self.environment(workspace)
        try workspace.write(
            "drive.py",
            #"""
            import os, sys, pexpect
            child = pexpect.spawn(os.environ["HEDGEOPS"], ["session", "--checklist", os.environ["CHECKLIST"], "--time-scale", "120"],
                                  env=dict(os.environ), encoding="utf-8", timeout=30)
            child.logfile_read = open("screen.txt", "w")
            for _ in range(3):
                child.expect_exact("]> ")
                child.send("y\r")
            child.expect_exact("hedgeops [parameters]> ")
            child.send("lau\t")                      # Tab completes the command
            child.expect_exact("nch ")
            child.send("\r")
            child.expect_exact("type `launch` to start it> ")
            child.send("launch\r")
            child.expect_exact("hedgeops [run ")
            child.send("note Müller prüft ✓ für Stunde 1\r")
            child.expect_exact("noted")
            child.send("sta\t\r")
            child.expect("run .*: .* h of 8 h")
            child.send("detach\r")
            child.expect_exact("detached")
            child.expect(pexpect.EOF)
            print("driven")
            """#)
        drive(workspace, environment: env, timeout: 90)
        let events = try RawJournal(path: try #require(try RunTests.runFolder(workspace)) + "/journal.jsonl").events
        let notes = events.filter { $0["type"] as? String == "note" }.compactMap { $0["text"] as? String }
        #expect(notes == ["Müller prüft ✓ für Stunde 1"], "UTF-8 intact")
        #expect(events.contains { $0["type"] as? String == "launch" })
        let launch = events.first { $0["type"] as? String == "launch" }
        if let pid = launch?["pid"] as? Int { kill(-Int32(pid), SIGKILL) }
    }

    /// A 100 KB line, control characters, escape sequences and invalid UTF-8
    /// typed at the prompts: each is answered, the session goes on, and the
    /// journal stays whole.
    @Test(.enabled(if: hasPexpect)) func hostileInputAtThePromptsIsAnsweredAndTheRecordStaysWhole() throws {
        let workspace = try Workspace()
        let env = try Self.environment(workspace)
        try workspace.write(
            "drive.py",
            #"""
            import os, sys, pexpect
            child = pexpect.spawn(os.environ["HEDGEOPS"], ["session", "--checklist", os.environ["CHECKLIST"], "--time-scale", "120"],
                                  env=dict(os.environ), encoding="utf-8", codec_errors="replace", timeout=60, searchwindowsize=4000)
            child.logfile_read = open("screen.txt", "w")
            def raw(data):
                os.write(child.child_fd, data)
            child.expect_exact("]> ")
            raw(b"a" * 100_000 + b"\r")                 # a 100 KB answer
            child.expect_exact("answer y, n or s")
            raw(b"\x01\x02\x1b[99;99H\x07\x1b]0;title\x07\r")   # control characters and escape sequences
            child.expect_exact("]> ")
            raw(b"\xff\xfe\xc3\r")                         # invalid UTF-8
            child.expect_exact("]> ")
            for _ in range(3):
                child.send("y\r")
                child.expect_exact("]> ")             # the next item's prompt, then the parameters'
            child.send("launch\r")
            child.expect_exact("type `launch` to start it> ")
            child.send("launch\r")
            child.expect_exact("hedgeops [run ")
            raw(b"note " + b"x" * 100_000 + b"\r")
            child.expect(["noted", "too long"])
            raw(b"note bad \xff\xfe\xc3 bytes\r")
            child.expect_exact("noted")
            raw(b"note bell \x07 and title \x1b]0;owned\x07 done\r")
            child.expect_exact("noted")
            child.send("detach\r")
            child.expect_exact("detached")
            child.expect(pexpect.EOF)
            print("driven")
            """#)
        drive(workspace, environment: env, timeout: 120)
        let folder = try #require(try RunTests.runFolder(workspace))
        let journal = try RawJournal(path: folder + "/journal.jsonl")
        #expect(journal.isValid, "\(String(describing: journal.problem))")
        let notes = journal.events.filter { $0["type"] as? String == "note" }.compactMap { $0["text"] as? String }
        // The bytes that are not UTF-8 are dropped; what follows them is kept.
        #expect(notes.contains("bad  bytes"), "\(notes.map { $0.prefix(40) })")
        #expect(notes.contains { $0.hasPrefix("bell ") && $0.hasSuffix(" done") }, "\(notes.map { $0.prefix(40) })")
        // No control character reaches the record, where a reviewer's terminal would run it.
        #expect(
            !notes.joined().unicodeScalars.contains { $0.properties.generalCategory == .control },
            "a control character was recorded")
        if let launch = journal.events.first(where: { $0["type"] as? String == "launch" }),
            let pid = launch["pid"] as? Int
        {
            kill(-Int32(pid), SIGKILL)
        }
    }
}
