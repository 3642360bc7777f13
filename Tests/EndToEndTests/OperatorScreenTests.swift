import Foundation
import HedgeOpsKit
import Testing

/// The operator's night on a real terminal (tmux at 80 and 120 columns),
/// asserted on the drawn screen: run's live progress, output that fits,
/// prompts that never trap, and a dumb terminal.
@Suite(.enabled(if: Tmux.available))
struct OperatorScreenTests {
    /// Lines of the screen (wrapped lines joined back by tmux -J) longer than `columns`:
    /// what the terminal had to cut, mid-word, because we did not.
    static func overlong(_ tmux: Tmux, columns: Int) -> [String] {
        tmux.screen(history: true).split(separator: "\n").map(String.init).filter { $0.count > columns }
    }

    /// Waits until `text` is on the screen (with scrollback) `times` times.
    static func waitFor(_ tmux: Tmux, _ text: String, times: Int, timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if tmux.screen(history: true).components(separatedBy: text).count - 1 >= times { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    /// `hedgeops run` of the demo checklist on a terminal `columns` wide, in a fresh workspace.
    static func demoRun(_ arguments: [String], columns: Int) throws -> (Workspace, Tmux) {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        var env = RunTests.environment
        env["TERM"] = "xterm"
        let tmux = try Tmux(
            [Binary.path, "run", "--checklist", RunTests.demoChecklist] + arguments, environment: env,
            in: workspace.path, columns: columns)
        return (workspace, tmux)
    }

    @Test(arguments: [80, 120])
    func runShowsALiveLineThatKeepsTheCriteriaFieldsAndEndsWithTheVerdict(columns: Int) throws {
        let (workspace, tmux) = try Self.demoRun(["--time-scale", "1440", "--yes"], columns: columns)
        #expect(tmux.waitFor("h1   rss"), "\(tmux.screen())")
        #expect(tmux.waitFor(" · errors "), "\(tmux.screen())")
        let live = tmux.screen().split(separator: "\n").last { $0.hasPrefix("elapsed ") }.map(String.init) ?? ""
        #expect(live.count < columns, "\(live)")
        for field in ["reconnects ", "errors ", "ws Connected"] {
            #expect(live.contains(field), "\(columns) columns: \(live)")
        }
        if columns >= 120 {
            #expect(live.contains("left ") && live.contains("CPU "), "\(live)")
        }
        #expect(tmux.waitForExit(timeout: 60) == 0, "\(tmux.screen())")
        let screen = tmux.screen(history: true)
        #expect(screen.contains("VERDICT: PASS"))
        // The live line is gone once the run is over: nothing is left drawn over the verdict.
        #expect(!screen.contains("elapsed "), "\(screen)")
        #expect(Self.overlong(tmux, columns: columns).isEmpty, "\(Self.overlong(tmux, columns: columns))")
        withExtendedLifetime(workspace) {}
    }

    /// Not a terminal: a plain progress line every --progress-every; none with --quiet.
    @Test func aLogGetsPeriodicLinesAndQuietGetsNone() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let run = try Binary.run(
            ["run", "--checklist", RunTests.demoChecklist, "--time-scale", "1800", "--yes", "--progress-every", "2s"],
            environment: RunTests.environment, in: workspace.path)
        #expect(run.exitCode == 0, "\(run.all.suffix(800))")
        let progress = run.stdout.split(separator: "\n").filter { $0.hasPrefix("progress: elapsed ") }
        #expect(progress.count >= 3, "\(run.stdout)")
        #expect(progress.allSatisfy { $0.contains(" · errors ") && !$0.contains("\u{1B}") })
        let quiet = try Binary.run(
            ["run", "--checklist", RunTests.demoChecklist, "--time-scale", "3600", "--yes", "--quiet"],
            environment: RunTests.environment, in: workspace.path)
        #expect(quiet.exitCode == 0, "\(quiet.all.suffix(800))")
        #expect(!quiet.stdout.contains("progress:") && quiet.stdout.contains("VERDICT: PASS"))
    }

    /// verify-env at 80 columns: every explanation on its own lines, cut at
    /// word boundaries, the 600-character TESTNET refusal too.
    @Test(arguments: [80, 120])
    func verifyEnvFitsTheTerminal(columns: Int) throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        var env = Binary.baseEnvironment
        env["TERM"] = "xterm"
        env["BITUNIX_REST_URL"] = "https://fapi.bitunix.com"
        let tmux = try Tmux(
            [Binary.path, "verify-env", "--checklist", Binary.shippedChecklist], environment: env,
            in: workspace.path, columns: columns)
        #expect(tmux.waitForExit() == 3, "\(tmux.screen(history: true))")
        let screen = tmux.screen(history: true)
        #expect(screen.contains("BITUNIX_API_KEY not set"), "\(screen)")
        #expect(screen.contains("TESTNET gate: REFUSED"))
        #expect(Self.overlong(tmux, columns: columns).isEmpty, "\(Self.overlong(tmux, columns: columns))")
    }

    /// Every prompt before the launch takes help, back and quit; Tab offers
    /// what the prompt takes, and the values of the parameter being set.
    @Test func promptsBeforeTheLaunchNeverTrap() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let tmux = try Tmux(
            [Binary.path, "session", "--checklist", RunTests.demoChecklist, "--time-scale", "1440"],
            environment: RunTests.sessionEnvironment(workspace), in: workspace.path, columns: 80)
        #expect(tmux.waitFor("hedgeops [preflight 1/3]>"), "\(tmux.screen())")
        try tmux.line("help")
        #expect(tmux.waitFor("back: the previous question"), "\(tmux.screen())")
        #expect(tmux.screen().contains("quit: leave; nothing has been launched"))
        try tmux.send("Tab")
        #expect(tmux.waitFor("back  help  no  quit  skip  yes"), "\(tmux.screen())")
        try tmux.line("y")
        #expect(tmux.waitFor("hedgeops [preflight 2/3]>"))
        try tmux.line("back")
        #expect(Self.waitFor(tmux, "hedgeops [preflight 1/3]>", times: 2), "\(tmux.screen())")
        try SessionTerminalTests.walk(tmux)
        try tmux.type("set scen")
        try tmux.send("Tab")
        #expect(tmux.waitFor("hedgeops [parameters]> set scenario "), "\(tmux.screen())")
        try tmux.send("Tab")
        #expect(tmux.waitFor("slow-leak"), "\(tmux.screen())")
        try tmux.type("lea")
        try tmux.send("Tab", "Enter")
        #expect(tmux.waitFor("scenario = leak (recorded)"), "\(tmux.screen())")
        try tmux.line("back")
        #expect(Self.waitFor(tmux, "hedgeops [preflight 3/3]>", times: 2), "\(tmux.screen())")
        // Ctrl-D: said, on a line of its own, and nothing launched.
        try tmux.send("C-d")
        #expect(tmux.waitFor("\nquit: nothing was launched"), "\(tmux.screen())")
        #expect(tmux.waitForExit() == 4)
        let events = try RawJournal(path: try #require(try RunTests.runFolder(workspace)) + "/journal.jsonl").events
        let answers = events.filter { $0["type"] as? String == "answer" }.compactMap { $0["id"] as? String }
        #expect(answers == ["venv", "venv", "requirements", "memory-profiling"], "\(answers)")
        #expect(!events.contains { $0["type"] as? String == "launch" })
    }

    /// TERM=dumb: what is typed shows once, output never lands after a
    /// prompt, and `quit` after the verdict leaves (not "detached").
    @Test func aDumbTerminalWorks() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        var env = try RunTests.sessionEnvironment(workspace)
        env["TERM"] = "dumb"
        let tmux = try Tmux(
            [Binary.path, "session", "--checklist", RunTests.demoChecklist, "--time-scale", "3600"],
            environment: env, in: workspace.path, columns: 100)
        try SessionTerminalTests.walk(tmux)
        try SessionTerminalTests.launch(tmux)
        #expect(tmux.waitFor("VERDICT: PASS", timeout: 60), "\(tmux.screen())")
        try tmux.line("quit")
        #expect(tmux.waitForExit() == 0, "\(tmux.screen(history: true))")
        let screen = tmux.screen(history: true)
        #expect(!screen.contains("detached"), "\(screen)")
        #expect(screen.contains("the run is over (PASS)"))
        #expect(!screen.contains("launch\nlaunch\n"), "typed once, shown once: \(screen)")
        for line in screen.split(separator: "\n") where line.contains("]> ") {
            let after = line.split(separator: ">", maxSplits: 1).last.map(String.init) ?? ""
            #expect(!after.contains("rss") && !after.contains("VERDICT"), "output glued to a prompt: \(line)")
        }
    }
}
