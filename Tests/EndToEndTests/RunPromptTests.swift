import Foundation
import HedgeOpsKit
import Testing

/// The questions asked while the run goes on never trap: each takes
/// `help`, `back` and `quit`, Tab offers only what it accepts, Ctrl-D goes
/// back saying how to leave, and nothing is recorded until an answer is given.
/// Asserted on the drawn screen (tmux, 80 columns) and on the journal.
@Suite(.enabled(if: Tmux.available))
struct RunPromptTests {
    /// Waits until `text` is on the screen `times` times.
    func waitFor(_ tmux: Tmux, _ text: String, times: Int) -> Bool {
        OperatorScreenTests.waitFor(tmux, text, times: times)
    }

    @Test func questionsDuringTheRunTakeHelpBackAndQuitAndRecordNothingUnanswered() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        // 10 s an hour: hour 1's items are waiting while the questions are put.
        let tmux = try Tmux(
            [Binary.path, "session", "--checklist", RunTests.demoChecklist, "--time-scale", "360"],
            environment: RunTests.sessionEnvironment(workspace), in: workspace.path, columns: 80)
        try SessionTerminalTests.walk(tmux)
        try SessionTerminalTests.launch(tmux)
        let runPrompt = "hedgeops [run "
        #expect(tmux.waitFor("hour 1: the hourly items", timeout: 40), "\(tmux.screen())")
        let folder = try #require(try RunTests.runFolder(workspace))
        let journal = folder + "/journal.jsonl"
        let before = try RawJournal(path: journal).events.count

        // The abort confirmation: help says what it takes, Tab offers only that, back leaves it.
        try tmux.line("abort")
        #expect(tmux.waitFor("type `abort` to stop the run>"), "\(tmux.screen())")
        try tmux.line("help")
        #expect(tmux.waitFor("abort: stop the run now"), "\(tmux.screen())")
        #expect(tmux.waitFor("back: leave this unanswered and return to the run's prompt; nothing is recorded"))
        #expect(tmux.waitFor("quit: leave the session; the run goes on"))
        try tmux.send("Tab")
        #expect(tmux.waitFor("\nabort  back  help  quit\n"), "\(tmux.screen())")
        try tmux.line("stop")
        #expect(tmux.waitFor("answer `abort`, `back`, `help` or `quit`"), "\(tmux.screen())")
        try tmux.line("back")
        #expect(tmux.waitFor("back at the run's prompt: nothing recorded"), "\(tmux.screen())")
        #expect(tmux.waitFor("not aborted: the run goes on"))

        // A flag with no finding asks for it; help says what is recorded; back records nothing.
        try tmux.line("flag")
        #expect(tmux.waitFor("finding for the hour>"), "\(tmux.screen())")
        try tmux.line("help")
        #expect(tmux.waitFor("recorded as the flag of the hour as a whole"), "\(tmux.screen())")
        try tmux.send("Tab")
        #expect(tmux.waitFor("\nback  help  quit\n"), "\(tmux.screen())")
        try tmux.line("back")
        #expect(waitFor(tmux, "back at the run's prompt: nothing recorded", times: 2), "\(tmux.screen())")

        // A note with no text asks for it; Ctrl-D there goes back and says how to leave.
        try tmux.line("note")
        #expect(tmux.waitFor("note>"), "\(tmux.screen())")
        try tmux.send("C-d")
        #expect(
            tmux.waitFor("end of input: back at the run's prompt, nothing recorded; `detach` (or `quit`) there"),
            "\(tmux.screen())")
        #expect(tmux.screen().split(separator: "\n").last?.hasPrefix(runPrompt) == true, "\(tmux.screen())")
        // Back at the run's prompt, Tab offers the run's commands again.
        try tmux.type("sta")
        try tmux.send("Tab")
        #expect(tmux.waitFor("]> status "), "\(tmux.screen())")
        try tmux.send("C-c")  // the half-typed line dropped

        // Ctrl-D at the run's prompt asks; its question takes back, and Tab offers its answers.
        try tmux.send("C-d")
        #expect(tmux.waitFor("detach, abort or continue>"), "\(tmux.screen())")
        try tmux.send("Tab")
        #expect(tmux.waitFor("\nabort  back  continue  detach  help  quit\n"), "\(tmux.screen())")
        try tmux.line("back")
        #expect(waitFor(tmux, "back at the run's prompt: nothing recorded", times: 3), "\(tmux.screen())")

        // Nothing was recorded by any of it.
        let unanswered = try RawJournal(path: journal).events.dropFirst(before)
        let recorded = unanswered.compactMap { $0["type"] as? String }
        #expect(
            !recorded.contains("note") && !recorded.contains("aborted") && !recorded.contains("detach"), "\(recorded)")
        #expect(!unanswered.contains { ($0["answer"] as? String)?.hasPrefix("flagged") == true }, "\(unanswered)")

        // quit at a question says first what happens to the run, then leaves the session.
        try tmux.line("note")
        #expect(waitFor(tmux, "note>", times: 2), "\(tmux.screen())")
        try tmux.line("quit")
        #expect(
            tmux.waitFor("quit: the session leaves, the run does not stop: its supervisor keeps sampling"),
            "\(tmux.screen())")
        #expect(tmux.waitFor("`hedgeops attach` brings you back"))
        #expect(tmux.waitForExit() == 0, "\(tmux.screen())")

        // The supervisor samples on with no session; the journal holds the detach, no note.
        let samples = { (try? String(contentsOfFile: folder + "/samples.csv", encoding: .utf8))?.count ?? 0 }
        let sampled = samples()
        Thread.sleep(forTimeInterval: 1)
        #expect(samples() > sampled, "the supervisor still samples after quit")
        let status = try Binary.run(["status", "--json"], environment: RunTests.environment, in: workspace.path)
        let document = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect(document?["phase"] as? String == "running", "\(status.all)")
        let events = try RawJournal(path: journal).events
        let types = events.compactMap { $0["type"] as? String }
        #expect(!types.contains("note") && !types.contains("aborted"), "\(types)")
        let detach = events.last { $0["type"] as? String == "detach" }
        #expect(detach?["reason"] as? String == "quit", "\(types)")
        if let launch = events.first(where: { $0["type"] as? String == "launch" }), let pid = launch["pid"] as? Int {
            kill(-Int32(pid), SIGKILL)
        }
    }

    /// `ok` on an hour with an item not as expected asks before confirming
    /// it; back records nothing, `f` flags the item with the finding asked for.
    @Test func okOnAMissAsksAndFlagsTheItemWithTheFindingAskedFor() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        // Any error in an hour is a miss; the error-burst scenario has some every hour.
        let text = try String(contentsOfFile: RunTests.demoChecklist, encoding: .utf8)
        let strict = text.replacingOccurrences(of: "measure: log_errors }", with: "measure: log_errors, max: 0 }")
        #expect(strict != text)
        try workspace.write("strict.yaml", strict)
        let tmux = try Tmux(
            [Binary.path, "session", "--checklist", workspace.path + "/strict.yaml", "--time-scale", "240"],
            environment: RunTests.sessionEnvironment(workspace), in: workspace.path, columns: 80)
        try SessionTerminalTests.walk(tmux)
        try tmux.line("set scenario error-burst")
        #expect(tmux.waitFor("scenario = error-burst (recorded)"), "\(tmux.screen())")
        try SessionTerminalTests.launch(tmux)
        #expect(tmux.waitFor("hour 1: the hourly items", timeout: 40), "\(tmux.screen())")
        #expect(tmux.waitFor("[hourly-errors]: "), "\(tmux.screen())")
        #expect(tmux.screen(history: true).contains("NOT AS EXPECTED"), "\(tmux.screen())")

        try tmux.line("ok")
        #expect(tmux.waitFor("hour 1: hourly-errors is not as expected"), "\(tmux.screen())")
        #expect(tmux.waitFor("confirm hour 1 anyway? [y]es / [f]lag>"), "\(tmux.screen())")
        try tmux.send("Tab")
        #expect(tmux.waitFor("\nback  flag  help  quit  yes\n"), "\(tmux.screen())")
        try tmux.line("help")
        #expect(tmux.waitFor("flag (f): flag hourly-errors instead; the finding is asked for"), "\(tmux.screen())")
        try tmux.line("back")
        #expect(tmux.waitFor("back at the run's prompt: nothing recorded"), "\(tmux.screen())")
        let folder = try #require(try RunTests.runFolder(workspace))
        let hour1 = { try SessionTerminalTests.answers(1, in: RawJournal(path: folder + "/journal.jsonl").events) }
        #expect(try hour1().isEmpty, "back recorded nothing")

        try tmux.line("ok")
        #expect(OperatorScreenTests.waitFor(tmux, "confirm hour 1 anyway?", times: 2), "\(tmux.screen())")
        try tmux.line("f")
        #expect(tmux.waitFor("finding for hourly-errors>"), "\(tmux.screen())")
        try tmux.line("a burst of order errors")
        #expect(tmux.waitFor("hour 1: hourly-errors flagged, the others confirmed (recorded)"), "\(tmux.screen())")
        #expect(try hour1() == ["flagged: a burst of order errors", "confirmed by operator"])

        // The abort confirmation, answered: the run stops, the session exits 4.
        try tmux.line("abort")
        #expect(tmux.waitFor("type `abort` to stop the run>"), "\(tmux.screen())")
        try tmux.line("abort")
        #expect(tmux.waitForExit(timeout: 60) == 4, "\(tmux.screen(history: true))")
    }
}
