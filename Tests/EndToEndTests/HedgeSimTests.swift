import Foundation
import HedgeOpsKit
import Testing

/// `hedge-sim run`: every scenario, at a large time scale, parsed from the
/// log it really wrote.
struct HedgeSimTests {
    /// 8 simulated hours in about 0.8 s of ticks.
    static let fast = ["--time-scale", "36000"]

    func run(_ scenario: String, _ extra: [String] = []) throws -> (SimBinary.Run, Workspace) {
        let workspace = try Workspace()
        let run = try SimBinary.run(["run", "--scenario", scenario] + Self.fast + extra, workspace: workspace)
        return (run, workspace)
    }

    @Test func healthyRunsEightHoursWithTheScriptsReportBlocks() throws {
        let (run, _) = try run("healthy")
        #expect(run.termination == .exited(0), "\(run.stderr.suffix(500))")
        let log = run.log
        #expect(log.records.first?.message.hasPrefix("Connecting to") == true)
        #expect(log.count("8-hour load test started") == 1)
        let reports = log.reports
        // Hourly at 1…8, then the final one from the script's `finally:` (as the load-test script does).
        #expect(reports.map(\.hours) == [1, 2, 3, 4, 5, 6, 7, 8, 8])
        let last = try #require(reports.last)
        #expect(last.int("Orders Placed") == log.count("Order placed:"))
        #expect(last.int("Orders Modified") == log.count("Order modified:"))
        #expect(last.int("WS Reconnects") == 1)
        #expect(last.int("Errors") == 1)
        #expect(last.fields["Leak Check"] == "PASS")
        #expect(log.records.filter { $0.level == "ERROR" }.count == 1)
        #expect(
            log.records.contains {
                $0.level == "WARNING" && $0.message.hasPrefix("Connection closed unexpectedly (code=1006")
            })
        #expect(log.records.contains { $0.level == "WARNING" && $0.message == "Reconnecting in 4s (attempt #1)..." })
        #expect(log.count("State transition: IDLE -> ENTRY_PENDING") > 50)
        // The simulated clock: the last record is 8 hours after the first.
        #expect(abs(log.hour(of: try #require(log.records.last)) - 8) < 0.01)
        // Memory flat within ±5 % of the first report.
        let currents = reports.compactMap { $0.megabytes("Current") }
        let first = try #require(currents.first)
        #expect(currents.allSatisfy { abs($0 / first - 1) < 0.05 }, "\(currents)")
        // Every record also went to stderr, as the script's StreamHandler does.
        #expect(run.stderr.contains("=== Load Test Report (After 8.00h) ==="))
    }

    @Test func leakFailsTheRatioByHourFour() throws {
        let (run, _) = try run("leak")
        #expect(run.termination == .exited(0))
        let byHour = Dictionary(run.log.reports.map { ($0.hours, $0) }, uniquingKeysWith: { first, _ in first })
        let hour1 = try #require(byHour[1]?.megabytes("Current"))
        let hour4 = try #require(byHour[4])
        // The load-test script's Leak Check compares with the first sample (hour 0): FAIL by hour 4.
        #expect(hour4.fields["Leak Check"] == "FAIL")
        // Against hour 1 (1.15×) hour 4 (1.6×) is about 1.39×.
        #expect(try #require(hour4.megabytes("Current")) / hour1 > 1.3)
        #expect(byHour[2]?.fields["Leak Check"] == "PASS")
    }

    @Test func slowLeakPassesTheRatioWithAClearlyRisingTrend() throws {
        let (run, _) = try run("slow-leak")
        let reports = run.log.reports
        #expect(reports.last?.fields["Leak Check"] == "PASS")
        let currents = reports.compactMap { $0.megabytes("Current") }
        #expect(currents == currents.sorted(), "rises every hour: \(currents)")
        #expect(try #require(currents.last) / (try #require(currents.first)) > 1.2)
    }

    @Test func sawtoothClimbsAndDropsBack() throws {
        let (run, _) = try run("sawtooth")
        #expect(run.log.reports.last?.fields["Leak Check"] == "PASS")
        let peak = try #require(run.log.reports.last?.megabytes("Peak"))
        let current = try #require(run.log.reports.last?.megabytes("Current"))
        #expect(peak > current * 1.05)
    }

    @Test func wsFlakyReconnectsSevenTimes() throws {
        let (run, _) = try run("ws-flaky")
        #expect(run.log.count("Connection closed unexpectedly") == 7)
        #expect(run.log.count("Reconnecting in 4s") == 7)
        #expect(run.log.reports.last?.int("WS Reconnects") == 7)
    }

    @Test func errorBurstExceedsTheErrorRate() throws {
        let (run, _) = try run("error-burst")
        let last = try #require(run.log.reports.last)
        let errors = try #require(last.int("Errors"))
        let operations = try #require(last.int("Orders Placed")) + (try #require(last.int("Orders Modified")))
        #expect(errors == run.log.records.filter { $0.level == "ERROR" }.count)
        #expect(Double(errors) / Double(operations) > 0.001)
    }

    @Test func errorLockEntersAtHourFiveAndStays() throws {
        let (run, _) = try run("error-lock")
        let lock = try #require(
            run.log.records.first { $0.level == "CRITICAL" && $0.message.contains("-> ERROR_LOCK") })
        #expect(abs(run.log.hour(of: lock) - 5) < 0.01)
        let after = run.log.records.filter { $0.seconds > lock.seconds }
        #expect(!after.contains { $0.message.hasPrefix("Order placed") || $0.message.hasPrefix("Order modified") })
        #expect(after.contains { $0.level == "CRITICAL" && $0.message.contains("ERROR_LOCK") })
    }

    @Test func crashDiesBySegfaultAtHourThree() throws {
        let (run, _) = try run("crash")
        #expect(run.termination == .signaled(SIGSEGV))
        #expect(run.log.reports.map(\.hours) == [1, 2])
        #expect(abs(run.log.hour(of: try #require(run.log.records.last)) - 3) < 0.01)
        #expect(run.stderr.contains("Fatal Python error: Segmentation fault"))
    }

    @Test func hangStopsLoggingAtHourTwoButStaysAlive() throws {
        let workspace = try Workspace()
        let process = try SimBinary.start(["run", "--scenario", "hang"] + Self.fast, workspace: workspace)
        defer { if process.isRunning { process.signalGroup(SIGKILL) } }
        // 2 simulated hours take 0.2 s; give it ample time to go silent.
        Thread.sleep(forTimeInterval: 1.5)
        let before = try SimBinary.logText(workspace)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(process.isRunning)
        #expect(try SimBinary.logText(workspace) == before, "the log must not grow once hung")
        let log = ExecutorLog(text: before)
        #expect(abs(log.hour(of: try #require(log.records.last)) - 2) < 0.01)
        kill(process.pid, SIGINT)
        #expect(process.wait(timeout: 5) == .signaled(SIGINT))
    }

    @Test func sigintLogsTheFinalReportThenDiesBySigint() throws {
        let workspace = try Workspace()
        let process = try SimBinary.start(
            ["run", "--scenario", "healthy", "--time-scale", "3600"], workspace: workspace)
        Thread.sleep(forTimeInterval: 1.5)
        kill(process.pid, SIGINT)
        let run = try SimBinary.collect(process.wait(), workspace: workspace)
        #expect(run.termination == .signaled(SIGINT))
        let final = try #require(run.log.reports.last)
        #expect(final.hours > 0.5 && final.hours < 8)
        #expect(run.log.records.last?.message == "WebSocket disconnected")
        #expect(!run.logText.contains("Test interrupted by user"))
        #expect(run.stderr.hasSuffix("KeyboardInterrupt\n"))
    }

    /// Like Python, a SIGINT inherited as ignored stays ignored: a launcher
    /// that does not reset dispositions cannot stop the run gracefully.
    @Test func anInheritedIgnoredSigintStaysIgnoredAsInPython() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let script =
            "trap '' INT; exec '\(SimBinary.path)' run --scenario healthy --time-scale 3600 --log-dir data/load_test"
        let process = try ChildProcess.spawn(
            ["/bin/sh", "-c", script], environment: Binary.baseEnvironment, workingDirectory: workspace.path)
        defer { process.signalGroup(SIGKILL) }
        Thread.sleep(forTimeInterval: 1.0)
        kill(process.pid, SIGINT)
        #expect(process.wait(timeout: 1.0) == nil, "an ignored SIGINT must not stop it")
        process.signalGroup(SIGTERM)
        #expect(process.wait(timeout: 5) == .signaled(SIGTERM))
        #expect(ExecutorLog(text: try SimBinary.logText(workspace)).reports.allSatisfy { $0.hours != 0 })
    }

    @Test func theSameRandomStartGivesTheSameRun() throws {
        let (a, _) = try run("error-burst", ["--random-start", "42", "--hours", "2"])
        let (b, _) = try run("error-burst", ["--random-start", "42", "--hours", "2"])
        #expect(a.log.reports.last?.int("Errors") == b.log.reports.last?.int("Errors"))
        #expect(a.log.reports.last?.int("Orders Modified") == b.log.reports.last?.int("Orders Modified"))
    }

    @Test func theTimeScaleAlsoComesFromTheEnvironment() throws {
        let workspace = try Workspace()
        var env = Binary.baseEnvironment
        env["HEDGEOPS_TIME_SCALE"] = "36000"
        env["HEDGE_SIM_SCENARIO"] = "ws-flaky"
        let started = Date()
        let run = try SimBinary.run(["run"], workspace: workspace, environment: env)
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(run.termination == .exited(0))
        #expect(run.log.count("Reconnecting in 4s") == 7)
    }

    @Test func aMissingLogDirectoryFailsLikeTheScript() throws {
        let workspace = try Workspace()
        let result = Process()
        result.executableURL = URL(fileURLWithPath: SimBinary.path)
        result.arguments = ["run", "--log-dir", workspace.path + "/nope"]
        let err = Pipe()
        result.standardError = err
        try result.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        result.waitUntilExit()
        #expect(result.terminationStatus == 1)
        #expect(text.contains("FileNotFoundError"))
    }

    @Test func anUnknownScenarioIsAUsageError() throws {
        let workspace = try Workspace()
        let run = try SimBinary.run(["run", "--scenario", "leek"], workspace: workspace)
        #expect(run.termination == .exited(2))
        #expect(run.stderr.contains("unknown scenario 'leek'"))
    }

    /// RSS read from /proc by the test: `leak` grows as promised, `healthy` stays flat.
    @Test func realMemoryFollowsTheScenario() throws {
        let leakSpace = try Workspace(), healthySpace = try Workspace()
        let arguments = ["run", "--hours", "4", "--time-scale", "3600"]
        let leak = try SimBinary.start(arguments + ["--scenario", "leak"], workspace: leakSpace)
        let healthy = try SimBinary.start(arguments + ["--scenario", "healthy"], workspace: healthySpace)
        defer {
            for process in [leak, healthy] where process.isRunning { process.signalGroup(SIGKILL) }
        }
        Thread.sleep(forTimeInterval: 0.6)
        let leakEarly = try #require(SimBinary.residentMB(leak.pid))
        let healthyEarly = try #require(SimBinary.residentMB(healthy.pid))
        Thread.sleep(forTimeInterval: 3.0)
        let leakLate = try #require(SimBinary.residentMB(leak.pid))
        let healthyLate = try #require(SimBinary.residentMB(healthy.pid))
        // About 3 simulated hours apart: +15 % of baseline an hour is +45 %.
        #expect(leakLate / leakEarly > 1.3, "leak \(leakEarly) -> \(leakLate) MB")
        #expect(abs(healthyLate / healthyEarly - 1) < 0.1, "healthy \(healthyEarly) -> \(healthyLate) MB")
        #expect(leak.wait() == .exited(0))
        #expect(healthy.wait() == .exited(0))
    }
}
