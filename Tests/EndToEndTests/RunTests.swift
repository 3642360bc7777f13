import Foundation
import HedgeOpsKit
import Testing

/// `hedgeops run` on checklists/demo.yaml with hedge-sim, 8 hours in 8 seconds.
struct RunTests {
    static let demoChecklist = Binary.repositoryRoot.appendingPathComponent("checklists/demo.yaml").path

    /// One mock TESTNET API for every run test in this process; it exits
    /// with the test process (`--parent`).
    static let mockAPI: String = {
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("hedgeops-mock-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
        let out = workspace + "/stdout.txt"
        _ = try? ChildProcess.spawn(
            [
                SimBinary.path, "exchange", "--port", "0", "--api-key", "demo-key-0001", "--api-secret",
                "demo-secret-never-shown-0001", "--parent", String(getpid()),
            ], environment: Binary.baseEnvironment, workingDirectory: workspace, stdoutPath: out)
        for _ in 0..<500 {
            if let text = try? String(contentsOfFile: out, encoding: .utf8),
                let line = text.split(separator: "\n").first
            {
                return String(line.dropFirst("listening on ".count))
            }
            usleep(10_000)
        }
        return "http://127.0.0.1:9"
    }()

    static var environment: [String: String] {
        var env = Binary.baseEnvironment
        env["BITUNIX_API_KEY"] = "demo-key-0001"
        env["BITUNIX_API_SECRET"] = "demo-secret-never-shown-0001"
        env["BITUNIX_USE_TESTNET"] = "true"
        env["BITUNIX_REST_URL"] = mockAPI
        env["BITUNIX_WS_URL"] = mockAPI.replacingOccurrences(of: "http:", with: "ws:") + "/public/"
        return env
    }

    /// The session on a terminal: the mock TESTNET, a private libedit
    /// history under the workspace, and a terminal type.
    static func sessionEnvironment(_ workspace: Workspace) throws -> [String: String] {
        try workspace.mkdir("state")
        var env = environment
        env["XDG_STATE_HOME"] = workspace.path + "/state"
        env["TERM"] = "xterm"
        return env
    }

    /// A finished run: its output, results.json and journal.
    struct Finished {
        var result: Binary.Result
        var workspace: Workspace
        var folder: String
        var results: [String: Any]
        var journal: RawJournal

        func criterion(_ id: String) -> [String: Any]? {
            (results["criteria"] as? [[String: Any]])?.first { $0["id"] as? String == id }
        }

        func checkpoint(_ hour: Double) -> [String: Any]? {
            (results["checkpoints"] as? [[String: Any]])?.first { ($0["hour"] as? Double) == hour }
        }

        func events(_ type: String) -> [[String: Any]] { journal.events.filter { $0["type"] as? String == type } }
    }

    static func runFolder(_ workspace: Workspace) throws -> String? {
        let runs = workspace.path + "/data/runs"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []
        return names.first.map { runs + "/" + $0 }
    }

    func run(_ scenario: String, scale: String = "3600", extra: [String] = []) throws -> Finished {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let result = try Binary.run(
            ["run", "--checklist", Self.demoChecklist, "--time-scale", scale, "--yes", "--set", "scenario=\(scenario)"]
                + extra, environment: Self.environment, in: workspace.path)
        let folder = try #require(try Self.runFolder(workspace), "no run folder: \(result.all)")
        let data = try #require(FileManager.default.contents(atPath: folder + "/results.json"))
        let results = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return Finished(
            result: result, workspace: workspace, folder: folder, results: results,
            journal: try RawJournal(path: folder + "/journal.jsonl"))
    }

    @Test func healthyPassesWithEveryCheckpointAndAValidJournal() throws {
        let run = try run("healthy")
        #expect(run.result.exitCode == 0, "\(run.result.all)")
        #expect(run.result.stdout.contains("VERDICT: PASS"))
        #expect(run.results["verdict"] as? String == "PASS")
        #expect(run.results["schema"] as? String == "hedgeops.results/1")
        for hour in [0.0, 1, 2, 4, 6, 8] {
            let checkpoint = try #require(run.checkpoint(hour), "checkpoint \(hour)")
            #expect(checkpoint["missed"] as? Bool == false)
            #expect((checkpoint["rss_mb"] as? Double ?? 0) > 20)
        }
        #expect(run.journal.isValid, "\(String(describing: run.journal.problem))")
        #expect(run.journal.tornTail == nil)
        #expect(run.journal.events.first?["prev"] as? String == String(repeating: "0", count: 64))
        #expect(run.results["journal_sha256"] as? String == Journal.fileSHA256(run.folder + "/journal.jsonl"))
        #expect(run.events("launch").count == 1)
        #expect(run.events("sample").count > 100)
        #expect(run.events("verdict").first?["verdict"] as? String == "PASS")
        // The load-test script under SIGINT: the final report, then death by SIGINT, a normal end.
        let end = try #require(run.results["end"] as? [String: Any])
        #expect(end["kind"] as? String == "normal")
        let journalText = try String(contentsOfFile: run.folder + "/journal.jsonl", encoding: .utf8)
        #expect(!journalText.contains("demo-secret-never-shown-0001"))
        #expect(!run.result.all.contains("demo-secret-never-shown-0001"))
        let csv = try String(contentsOfFile: run.folder + "/samples.csv", encoding: .utf8)
        #expect(csv.hasPrefix("hour,at,rss_mb,"))
    }

    @Test func leakFailsAndTheHourTwoProjectionAlreadySaysSo() throws {
        let run = try run("leak")
        #expect(run.result.exitCode == 1)
        #expect(run.criterion("memory-leak")?["passed"] as? Bool == false)
        let hour2 = try #require(run.checkpoint(2)?["trend"] as? [String: Any])
        #expect((hour2["projected_ratio"] as? Double ?? 0) >= 1.5, "\(hour2)")
        #expect(run.result.stderr.contains("warning: memory projected to"))
        #expect(!run.events("warning").isEmpty)
    }

    @Test func slowLeakPassesTheRatioWithAPositiveSlope() throws {
        let run = try run("slow-leak")
        #expect(run.criterion("memory-leak")?["passed"] as? Bool == true)
        let trend = try #require(run.checkpoint(8)?["trend"] as? [String: Any])
        #expect((trend["slope_mb_per_h"] as? Double ?? 0) > 1)
        #expect((trend["sen_slope_mb_per_h"] as? Double ?? 0) > 1)
        #expect(trend["rising"] as? Bool == true)
    }

    @Test func wsFlakyFailsOnReconnects() throws {
        let run = try run("ws-flaky")
        #expect(run.result.exitCode == 1)
        let criterion = try #require(run.criterion("ws-stability"))
        #expect(criterion["passed"] as? Bool == false)
        #expect(criterion["value"] as? Double == 7)
    }

    @Test func errorBurstFailsTheErrorRate() throws {
        let run = try run("error-burst")
        let criterion = try #require(run.criterion("error-rate"))
        #expect(criterion["passed"] as? Bool == false)
        #expect((criterion["value"] as? Double ?? 0) > 0.001)
        #expect(!run.events("log").filter { $0["pattern"] as? String == "errors" }.isEmpty)
    }

    @Test func errorLockFailsTheStateMachine() throws {
        let run = try run("error-lock")
        #expect(run.criterion("state-machine")?["passed"] as? Bool == false)
        #expect(run.checkpoint(6)?["error_lock"] as? Bool == true)
        #expect(run.checkpoint(4)?["error_lock"] as? Bool == false)
    }

    @Test func crashFailsWithCheckpointsFourSixEightMissed() throws {
        let run = try run("crash")
        #expect(run.result.exitCode == 1)
        let criterion = try #require(run.criterion("no-crashes"))
        #expect(criterion["passed"] as? Bool == false)
        #expect((criterion["detail"] as? String ?? "").contains("Segmentation fault"))
        for hour in [0.0, 1, 2] { #expect(run.checkpoint(hour)?["missed"] as? Bool == false) }
        for hour in [4.0, 6, 8] { #expect(run.checkpoint(hour)?["missed"] as? Bool == true) }
        #expect((run.results["end"] as? [String: Any])?["kind"] as? String == "crashed")
    }

    @Test func hangIsRecordedAsSilenceAndFails() throws {
        let run = try run("hang")
        let silence = try #require(run.events("silence").first)
        #expect((silence["hour"] as? Double ?? 0) > 2)
        #expect(run.criterion("state-machine")?["passed"] as? Bool == false)
    }

    @Test func aRefusedGateStartsNothing() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        var env = Self.environment
        env["BITUNIX_REST_URL"] = "https://fapi.bitunix.com"
        let result = try Binary.run(
            ["run", "--checklist", Self.demoChecklist, "--yes"], environment: env, in: workspace.path)
        #expect(result.exitCode == 3)
        #expect(try Self.runFolder(workspace) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/data/load_test").isEmpty)
    }

    /// REFERENCE: started in the background of a script, hedgeops inherits
    /// SIGINT ignored; its child must still get a working SIGINT at the end.
    @Test func aBackgroundedHedgeopsStillStopsTheRunGracefully() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        // The sim is told to run 10 hours, so only hedgeops' SIGINT at hour 8 can end it.
        let checklist = try String(contentsOfFile: Self.demoChecklist, encoding: .utf8)
            .replacingOccurrences(
                of: "command: [hedge-sim, run, --log-dir, data/load_test]",
                with: "command: [hedge-sim, run, --hours, \"10\", --log-dir, data/load_test]")
        try workspace.write("ten-hours.yaml", checklist)
        let script = "'\(Binary.path)' run --checklist ten-hours.yaml --time-scale 3600 --yes > out.txt 2>&1 & wait $!"
        let shell = try ChildProcess.spawn(
            ["/bin/sh", "-c", script], environment: Self.environment, workingDirectory: workspace.path)
        #expect(shell.wait(timeout: 60) == .exited(0))
        let folder = try #require(try Self.runFolder(workspace))
        let data = try #require(FileManager.default.contents(atPath: folder + "/results.json"))
        let results = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let end = try #require(results["end"] as? [String: Any])
        #expect((end["detail"] as? String ?? "").contains("shut down on SIGINT"), "\(end)")
        // The script's `finally:` ran: a last report, then the disconnect.
        let log = ExecutorLog(text: try SimBinary.logText(workspace))
        #expect(log.records.last?.message == "WebSocket disconnected")
        #expect(log.records.dropLast().last?.message.contains("=== Load Test Report (After") == true)
    }

    @Test func theFirstSigintAbortsGracefullyWithExitFour() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let process = try ChildProcess.spawn(
            [Binary.path, "run", "--checklist", Self.demoChecklist, "--time-scale", "360", "--yes"],
            environment: Self.environment, workingDirectory: workspace.path, stdoutPath: workspace.path + "/out.txt",
            stderrPath: workspace.path + "/err.txt")
        defer { process.signalGroup(SIGKILL) }
        Thread.sleep(forTimeInterval: 3)
        let folder = try #require(try Self.runFolder(workspace))
        let journal = try RawJournal(path: folder + "/journal.jsonl")
        let pid = try #require(journal.events.first { $0["type"] as? String == "launch" }?["pid"] as? Int)
        kill(process.pid, SIGHUP)
        Thread.sleep(forTimeInterval: 0.3)
        #expect(process.isRunning, "SIGHUP is ignored")
        kill(process.pid, SIGINT)
        #expect(process.wait(timeout: 30) == .exited(4))
        #expect(kill(Int32(pid), 0) != 0, "the executor was stopped")
        let after = try RawJournal(path: folder + "/journal.jsonl")
        #expect(after.isValid)
        let types = after.events.compactMap { $0["type"] as? String }
        #expect(types.contains("signal"))
        let verdict = try #require(after.events.last { $0["type"] as? String == "verdict" })
        #expect(verdict["end"] as? String == "aborted")
        #expect(verdict["verdict"] as? String == "FAIL")
    }

    @Test func oneRunPerDataDirectory() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let first = try ChildProcess.spawn(
            [Binary.path, "run", "--checklist", Self.demoChecklist, "--time-scale", "360", "--yes"],
            environment: Self.environment, workingDirectory: workspace.path)
        defer {
            first.signalGroup(SIGINT)
            _ = first.wait(timeout: 30)
        }
        Thread.sleep(forTimeInterval: 1.5)
        let second = try Binary.run(
            ["run", "--checklist", Self.demoChecklist, "--yes"], environment: Self.environment, in: workspace.path)
        #expect(second.exitCode == 2)
        #expect(second.stderr.contains("another hedgeops (pid \(first.pid)) holds"))
    }
}

/// `--answers FILE`: manual items answered up front, recorded in the journal.
struct AnswersFileTests {
    @Test func answersAreRecordedAndABadFileIsAUsageError() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        try workspace.write("bad.yaml", "venv: yes\nmemroy-profiling: yes\n")
        let bad = try Binary.run(
            ["run", "--checklist", RunTests.demoChecklist, "--answers", "bad.yaml"], environment: RunTests.environment,
            in: workspace.path)
        #expect(bad.exitCode == 2)
        #expect(
            bad.stderr.contains(
                "bad.yaml:2:1: error: 'memroy-profiling' is not a manual item of the checklist; did you mean 'memory-profiling'?"
            ))
        try workspace.write("skip.yaml", "requirements: skip\n")
        let noReason = try Binary.run(
            ["run", "--checklist", RunTests.demoChecklist, "--answers", "skip.yaml"], environment: RunTests.environment,
            in: workspace.path)
        #expect(noReason.exitCode == 2)
        #expect(noReason.stderr.contains("a skip needs a reason"))

        try workspace.write(
            "answers.yaml",
            "venv: yes\nrequirements: {answer: skip, note: hedge-sim needs none}\nmemory-profiling: no\n")
        let run = try Binary.run(
            ["run", "--checklist", RunTests.demoChecklist, "--answers", "answers.yaml", "--time-scale", "7200"],
            environment: RunTests.environment, in: workspace.path)
        #expect(run.exitCode == 0 || run.exitCode == 1, "\(run.all)")
        let folder = try #require(try RunTests.runFolder(workspace))
        let journal = try RawJournal(path: folder + "/journal.jsonl")
        let answers = Dictionary(
            uniqueKeysWithValues: journal.events.filter { $0["type"] as? String == "answer" }.compactMap { event in
                (event["id"] as? String).map { ($0, event["answer"] as? String ?? "") }
            })
        #expect(answers == ["venv": "yes", "requirements": "skip: hedge-sim needs none", "memory-profiling": "no"])
    }
}
