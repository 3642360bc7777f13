import Foundation
import HedgeOpsKit
import Testing

/// The guided session on a real terminal (tmux): what the operator types,
/// and what the screen shows once the terminal has drawn it.
@Suite(.enabled(if: Tmux.available))
struct SessionTerminalTests {
    static func session(_ workspace: Workspace, scale: String = "1440") throws -> Tmux {
        try Tmux(
            [Binary.path, "session", "--checklist", RunTests.demoChecklist, "--time-scale", scale],
            environment: RunTests.sessionEnvironment(workspace), in: workspace.path)
    }

    /// Answers the three manual items of checklists/demo.yaml.
    static func walk(_ tmux: Tmux) throws {
        for position in 1...3 {
            #expect(tmux.waitFor("hedgeops [preflight \(position)/3]>"), "\(tmux.screen())")
            try tmux.send("y", "Enter")
        }
        #expect(tmux.waitFor("hedgeops [parameters]>"))
    }

    /// `launch`, and the confirmation typed in full.
    static func launch(_ tmux: Tmux) throws {
        try tmux.line("launch")
        #expect(tmux.waitFor("type `launch` to start it>"))
        try tmux.line("launch")
    }

    /// The answers recorded for an hour's items.
    static func answers(_ hour: Double, in events: [[String: Any]]) -> Set<String> {
        Set(
            events.filter { $0["type"] as? String == "hourly" && $0["hour"] as? Double == hour }.compactMap {
                $0["answer"] as? String
            })
    }

    /// Eight hours at 5 s each, answered through the terminal: a
    /// parameter changed, Ctrl-C on a half-typed line, output arriving
    /// while a line is half typed, hours ticked, flagged and left
    /// unanswered, Ctrl-D answered "continue", export after the verdict.
    @Test func aFullRehearsalAnsweredThroughTheTerminal() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let keygen = try Binary.run(["keygen", "--out", "op_ed25519"], in: workspace.path)
        #expect(keygen.exitCode == 0)
        try workspace.write("allowed_signers", keygen.stdout)
        // 5 s an hour: room to answer each hour before the next, on a busy CI machine too.
        let tmux = try Self.session(workspace, scale: "720")
        try Self.walk(tmux)
        try tmux.line("set offset 0.0007")
        #expect(tmux.waitFor("offset = 0.0007 (recorded)"))
        try Self.launch(tmux)

        // The status line is drawn above the prompt.
        #expect(tmux.waitFor("elapsed 0"), "\(tmux.screen())")
        #expect(tmux.screen().contains(" · RSS "))

        // Ctrl-C drops a half-typed line; the run goes on.
        try tmux.type("stat")
        try tmux.send("C-c")
        #expect(tmux.waitFor("stat^C"), "\(tmux.screen())")
        try tmux.line("status")
        #expect(tmux.waitFor(" h of 8 h"), "\(tmux.screen())")

        // Hour 1 ticked, hour 2 flagged.
        #expect(tmux.waitFor("hour 1: the hourly items"))
        try tmux.send("ok", "Enter")
        #expect(tmux.waitFor("hour 1 confirmed (recorded)"))
        #expect(tmux.waitFor("hour 2: the hourly items"))
        try tmux.line("flag ws reconnected once")
        #expect(tmux.waitFor("hour 2 flagged (recorded)"))

        // A line half typed while hour 4 arrives stays intact at the
        // bottom, under the status line, after the hourly items.
        try tmux.type("note half")
        #expect(tmux.waitFor("hour 4: the hourly items"))
        Thread.sleep(forTimeInterval: 1.2)  // a status redraw or two
        let rows = tmux.screen().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let lastRows = Array(rows.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.suffix(2))
        #expect(lastRows.count == 2)
        #expect(lastRows.last?.hasPrefix("hedgeops [run ") == true, "\(rows.joined(separator: "\n"))")
        #expect(lastRows.last?.hasSuffix("]> note half") == true, "\(rows.joined(separator: "\n"))")
        #expect(lastRows.first?.hasPrefix("elapsed ") == true, "\(rows.joined(separator: "\n"))")
        #expect(rows.filter { $0.hasPrefix("elapsed ") }.count == 1, "one status line, redrawn in place")
        try tmux.line(" line")
        #expect(tmux.waitFor("noted"))

        // Ctrl-D asks; "continue" goes back to the run. Hour 4 onwards is
        // left unanswered.
        try tmux.send("C-d")
        #expect(tmux.waitFor("detach, abort or continue>"))
        try tmux.send("c", "Enter")

        // After the verdict the session stays: export, then quit.
        #expect(tmux.waitFor("hedgeops [done · PASS]>", timeout: 90), "\(tmux.screen())")
        try tmux.send("report", "Enter")
        #expect(tmux.waitFor("/memory.svg"), "\(tmux.screen())")
        try tmux.type("export op_")
        try tmux.send("Tab")  // file names: op_ed25519 and op_ed25519.pub share "op_ed25519"
        #expect(tmux.waitFor("]> export op_ed25519"), "\(tmux.screen())")
        try tmux.line(" signoff.tar.gz")
        #expect(tmux.waitFor("signed bundle: signoff.tar.gz"), "\(tmux.screen())")
        try tmux.send("quit", "Enter")
        #expect(tmux.waitForExit() == 0)

        let verified = try Binary.run(
            ["verify", "signoff.tar.gz", "--allowed-signers", "allowed_signers"], in: workspace.path)
        #expect(verified.exitCode == 0, "\(verified.all)")

        let folder = try #require(try RunTests.runFolder(workspace))
        #expect(FileManager.default.fileExists(atPath: folder + "/report.md"), "`report` wrote it")
        let events = try RawJournal(path: folder + "/journal.jsonl").events
        func answers(_ hour: Double) -> Set<String> { Self.answers(hour, in: events) }
        #expect(answers(1) == ["confirmed by operator"])
        #expect(answers(2) == ["flagged: ws reconnected once"])
        #expect(answers(4) == ["not confirmed by operator"])
        #expect(answers(8) == ["not confirmed by operator"])
        let notes = events.filter { $0["type"] as? String == "note" }.compactMap { $0["text"] as? String }
        #expect(notes == ["half line"])
        #expect(events.contains { $0["type"] as? String == "parameter_set" && $0["value"] as? String == "0.0007" })
        #expect(!events.contains { $0["type"] as? String == "aborted" || $0["type"] as? String == "detach" })
        #expect(events.last?["type"] as? String == "verdict", "the journal is sealed at the verdict")
    }

    /// What was typed in one session is recalled with Up in the next.
    @Test func historyIsRecalledAfterARestart() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        do {
            let first = try Self.session(workspace)
            try Self.walk(first)
            try first.type("sh")
            try first.send("Tab")  // the one command starting "sh"
            #expect(first.waitFor("hedgeops [parameters]> show"), "\(first.screen())")
            try first.send("Enter")
            #expect(first.waitFor("]> show \n  log_level"), "\(first.screen())")  // completed with a space
            try first.line("set offset 0.0009")
            #expect(first.waitFor("offset = 0.0009 (recorded)"))
            try first.send("quit", "Enter")
            #expect(first.waitForExit() != nil)
            try FileManager.default.removeItem(atPath: workspace.path + "/exit-status")
        }
        let second = try Self.session(workspace)
        try Self.walk(second)
        try second.send("Up", "Up", "Up")  // past this session's "y" and the first one's "quit"
        #expect(second.waitFor("hedgeops [parameters]> set offset 0.0009"), "\(second.screen())")
        try second.send("Enter")
        #expect(second.waitFor("offset = 0.0009 (recorded)"), "\(second.screen())")
        try second.send("quit", "Enter")
        #expect(second.waitForExit() != nil)
    }

    /// `hedgeops demo --interactive`: the guided session on the demo's own
    /// throwaway TESTNET, answered through the terminal, then signed.
    @Test func theInteractiveDemoIsTheGuidedSession() throws {
        let workspace = try Workspace()
        var env = Binary.baseEnvironment
        env["XDG_STATE_HOME"] = workspace.path + "/state"
        env["TERM"] = "xterm"
        let tmux = try Tmux(
            [
                Binary.path, "demo", "--interactive", "--hour-seconds", "1", "--checklist", RunTests.demoChecklist,
            ], environment: env, in: workspace.path)
        #expect(tmux.waitFor("local TESTNET exchange (hedge-sim exchange) listening on"), "\(tmux.screen())")
        try Self.walk(tmux)
        try Self.launch(tmux)
        #expect(tmux.waitFor("hedgeops [done · PASS]>", timeout: 60), "\(tmux.screen())")
        try tmux.send("quit", "Enter")
        #expect(tmux.waitFor("ssh-keygen -Y verify"), "\(tmux.screen())")
        #expect(tmux.waitForExit() == 0)
        let screen = tmux.screen(history: true)
        let bundleLine = try #require(
            screen.split(separator: "\n").first { $0.hasPrefix("  hedgeops verify ") })
        let arguments = bundleLine.split(separator: " ").dropFirst().map(String.init)
        #expect(try Binary.run(arguments, in: workspace.path).exitCode == 0)
        let events = try RawJournal(path: try #require(try RunTests.runFolder(workspace)) + "/journal.jsonl").events
        let answers = events.filter { $0["type"] as? String == "answer" }
        #expect(answers.count == 3 && answers.allSatisfy { $0["source"] as? String == "operator" })
    }

    /// The run outlives every session: detached, killed with SIGKILL, its
    /// terminal closed. The supervisor samples on with no gap, `status`
    /// from another terminal names it, `attach` re-opens the session, and
    /// every answer given before each disruption is in the journal.
    @Test func theRunOutlivesEverySessionAndAttachReachesTheVerdict() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        // One sample a simulated minute (1/6 s real): a gap above two intervals would be a real stall.
        let text = try String(contentsOfFile: RunTests.demoChecklist, encoding: .utf8)
        try workspace.write(
            "minute.yaml", text.replacingOccurrences(of: "sample_interval: 5s", with: "sample_interval: 60s"))
        let environment = try RunTests.sessionEnvironment(workspace)
        // 10 s an hour: room for three disruptions in 80 s.
        let first = try Tmux(
            [Binary.path, "session", "--checklist", workspace.path + "/minute.yaml", "--time-scale", "360"],
            environment: environment, in: workspace.path)
        try Self.walk(first)
        try Self.launch(first)
        #expect(first.waitFor("hour 1: the hourly items"), "\(first.screen())")
        try first.line("ok")
        #expect(first.waitFor("hour 1 confirmed (recorded)"), "\(first.screen())")
        try first.line("note before detach")
        #expect(first.waitFor("noted"))
        let sessionPID = first.commandPID()
        try first.line("detach")
        #expect(first.waitForExit() == 0)
        try FileManager.default.removeItem(atPath: workspace.path + "/exit-status")

        // A second terminal: the run is supervised, by a process that is not the session.
        let status = try Binary.run(["status", "--json"], environment: environment, in: workspace.path)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(document["phase"] as? String == "running", "\(status.all)")
        let supervisor = try #require(document["supervisor"] as? [String: Any], "\(status.all)")
        let supervisorPID = try #require(supervisor["pid"] as? Int)
        #expect(Int32(supervisorPID) != sessionPID)

        // Attach, flag hour 2, then kill the session with SIGKILL.
        let second = try Tmux([Binary.path, "attach"], environment: environment, in: workspace.path)
        #expect(second.waitFor("attached to run"), "\(second.screen())")
        #expect(second.waitFor("hour 2: the hourly items", timeout: 40), "\(second.screen())")
        try second.line("flag hourly-ws dropped once")
        #expect(second.waitFor("hour 2: hourly-ws flagged, the others confirmed (recorded)"), "\(second.screen())")
        let secondPID = try #require(second.commandPID())
        kill(secondPID, SIGKILL)
        #expect(second.waitForExit() != nil)
        try FileManager.default.removeItem(atPath: workspace.path + "/exit-status")

        // Attach again, note, then close the terminal.
        let third = try Tmux([Binary.path, "attach"], environment: environment, in: workspace.path)
        #expect(third.waitFor("attached to run"), "\(third.screen())")
        try third.line("note after the kill")
        #expect(third.waitFor("noted"), "\(third.screen())")
        third.close()

        // Without a terminal, attach follows the run to its verdict.
        let last = try Binary.run(["attach"], environment: environment, in: workspace.path)
        #expect(last.exitCode == 0, "\(last.all)")
        #expect(last.stdout.contains("VERDICT: PASS"), "\(last.all)")

        let folder = try #require(try RunTests.runFolder(workspace))
        let events = try RawJournal(path: folder + "/journal.jsonl").events
        func answers(_ hour: Double) -> Set<String> { Self.answers(hour, in: events) }
        #expect(answers(1) == ["confirmed by operator"])
        // The flag is the item's it names; the hour's other items are confirmed.
        let ws = events.first {
            $0["type"] as? String == "hourly" && $0["hour"] as? Double == 2 && $0["id"] as? String == "hourly-ws"
        }
        #expect(ws?["answer"] as? String == "flagged: dropped once")
        #expect(answers(2) == ["flagged: dropped once", "confirmed by operator"])
        #expect(answers(8) == ["not confirmed by operator"])
        let notes = events.filter { $0["type"] as? String == "note" }.compactMap { $0["text"] as? String }
        #expect(notes == ["before detach", "after the kill"])
        let types = events.compactMap { $0["type"] as? String }
        #expect(types.filter { $0 == "attach" }.count >= 3)
        #expect(types.contains("detach"))
        #expect(!types.contains("resume"), "the supervisor never died")
        #expect(types.last == "verdict")

        // No gap in the sampling above twice the interval (1 simulated minute).
        let hours = try String(contentsOfFile: folder + "/samples.csv", encoding: .utf8).split(separator: "\n")
            .dropFirst().compactMap { $0.split(separator: ",").first.flatMap { Double($0) } }
        let gaps = zip(hours, hours.dropFirst()).map { ($1 - $0) * 60 }
        #expect(hours.count > 400)
        #expect((gaps.max() ?? 99) <= 2, "largest gap between samples: \(gaps.max() ?? 0) simulated minutes")
    }
}
