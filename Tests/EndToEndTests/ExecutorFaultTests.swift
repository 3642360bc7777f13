import Foundation
import HedgeOpsKit
import Testing

/// Faults of the executor itself, from outside, during a compressed run:
/// killed by SIGKILL (a crash, with its signal), frozen by SIGSTOP (silence
/// and no CPU recorded, the operator warned, no false crash).
struct ExecutorFaultTests {
    /// `hedgeops run` in the background (1 hour = 2.5 s) and its executor's pid once launched.
    func start(_ workspace: Workspace) throws -> (ChildProcess, String, Int32) {
        try workspace.mkdir("data/load_test")
        let run = try ChildProcess.spawn(
            [Binary.path, "run", "--checklist", RunTests.demoChecklist, "--time-scale", "1440", "--yes"],
            environment: RunTests.environment, workingDirectory: workspace.path,
            stdoutPath: workspace.path + "/run.out", stderrPath: workspace.path + "/run.err")
        for _ in 0..<1200 {
            usleep(25_000)
            if let folder = try? RunTests.runFolder(workspace),
                let launch = (try? RawJournal(path: folder + "/journal.jsonl"))?.events.first(where: {
                    $0["type"] as? String == "launch"
                }), let pid = (launch["pid"] as? Int).flatMap(Int32.init(exactly:))
            {
                return (run, folder, pid)
            }
        }
        run.signalGroup(SIGKILL)
        throw TestFailure("the run never launched")
    }

    struct TestFailure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test func anExecutorKilledFromOutsideIsACrashWithItsSignal() throws {
        let workspace = try Workspace()
        let (run, folder, executor) = try start(workspace)
        defer { run.signalGroup(SIGKILL) }
        usleep(7_000_000)  // about hour 3
        kill(executor, SIGKILL)
        #expect(run.wait(timeout: 30) == .exited(1))
        let results = try RunResults(path: folder + "/results.json")
        #expect(results.end?.kind == "crashed")
        #expect(results.end?.detail.contains("SIGKILL") == true, "\(String(describing: results.end))")
        #expect(results.criterion("no-crashes")?.passed == false)
        for checkpoint in results.checkpoints where checkpoint.hour >= 4 {
            #expect(checkpoint.missed && checkpoint.note?.contains("not reached") == true, "\(checkpoint)")
        }
    }

    @Test func aFrozenExecutorIsSilenceAndNoCPUButNotACrash() throws {
        let workspace = try Workspace()
        let (run, folder, executor) = try start(workspace)
        defer {
            kill(-executor, SIGCONT)
            run.signalGroup(SIGKILL)
        }
        usleep(3_000_000)  // past the warm-up and hour 0
        kill(-executor, SIGSTOP)
        let frozenAt = Date()
        usleep(3_000_000)  // 2 h of run time frozen
        kill(-executor, SIGCONT)
        #expect(run.wait(timeout: 60) != nil)
        let journal = try RawJournal(path: folder + "/journal.jsonl")
        let silences = journal.events.filter { $0["type"] as? String == "silence" }
        #expect(silences.count == 1, "the freeze is one silence, said once")
        let message: String = silences.first?["message"] as? String ?? ""
        #expect(message.contains("hung"))
        // Samples taken while frozen show no CPU at all.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let frozen = journal.events.filter { event in
            guard event["type"] as? String == "sample", let at = (event["at"] as? String).flatMap(formatter.date)
            else { return false }
            return at > frozenAt.addingTimeInterval(1) && at < frozenAt.addingTimeInterval(2.8)
        }
        #expect(frozen.count > 10)
        #expect(frozen.allSatisfy { ($0["cpu_pct"] as? Double ?? ($0["cpu_pct"] as? Int).map(Double.init) ?? 1) < 1 })
        let results = try RunResults(path: folder + "/results.json")
        #expect(results.end?.kind == "normal", "\(String(describing: results.end))")
        #expect(results.criterion("no-crashes")?.passed == true)
        let output = (try? String(contentsOfFile: workspace.path + "/run.out", encoding: .utf8)) ?? ""
        #expect(output.contains("silent"), "the operator is warned: \(output)")
    }

    /// The executor stays flat while a second process of its tree leaks: the
    /// tree's memory is judged, not the parent's alone, and the leak fails.
    static let leakingChild = #"""
        import os, signal, sys, time
        os.makedirs("data/load_test", exist_ok=True)
        log = open("data/load_test/load_test_1.log", "a")
        child = os.fork()
        if child == 0:
            hog = []
            while True:
                block = bytearray(512 * 1024)
                for i in range(0, len(block), 4096):
                    block[i] = 1
                hog.append(block)
                time.sleep(0.05)
        def stop(*_):
            os.kill(child, signal.SIGKILL)
            sys.exit(0)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while True:
            log.write(time.strftime("%Y-%m-%d %H:%M:%S") + ",000 - load_test - INFO - Order placed\n")
            log.flush()
            time.sleep(0.05)
        """#

    @Test func aLeakInASecondProcessOfTheTreeFailsTheLeakCriterion() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        try workspace.write("leaky.py", Self.leakingChild)
        let text = try String(contentsOfFile: RunTests.demoChecklist, encoding: .utf8)
        try workspace.write(
            "leaky.yaml",
            text.replacingOccurrences(
                of: "command: [hedge-sim, run, --log-dir, data/load_test]", with: "command: [python3, leaky.py]"))
        // Eight hours in 16 s: the child gains about 10 MB a second, the parent nothing.
        let result = try Binary.run(
            ["run", "--checklist", workspace.path + "/leaky.yaml", "--yes", "--time-scale", "1800"],
            environment: RunTests.environment, in: workspace.path)
        let folder = try #require(try RunTests.runFolder(workspace), "\(result.all)")
        let results = try RunResults(path: folder + "/results.json")
        let leak = try #require(results.criterion("memory-leak"))
        #expect(!leak.passed, "\(leak.detail)")
        let hour0 = try #require(results.checkpoints.first { $0.hour == 0 }?.rssMB)
        let hour8 = try #require(results.checkpoints.first { $0.hour == 8 }?.rssMB)
        #expect(hour8 > 3 * hour0, "hour 0 \(hour0) MB, hour 8 \(hour8) MB")
        let samples = try RawJournal(path: folder + "/journal.jsonl").events.filter {
            $0["type"] as? String == "sample"
        }
        #expect(samples.contains { ($0["processes"] as? Int ?? 0) >= 2 }, "the child is in the tree")
    }

    /// The executor's log truncated in place, then renamed away, then deleted,
    /// while the executor goes on writing to it: every line is counted once,
    /// as many orders as the executor's own final report says it placed.
    @Test func aLogTruncatedRotatedAndDeletedMidRunIsCountedOnceEach() throws {
        let workspace = try Workspace()
        let (run, folder, _) = try start(workspace)
        defer { run.signalGroup(SIGKILL) }
        func log() -> String? {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: workspace.path + "/data/load_test")) ?? []
            return names.first { $0.hasPrefix("load_test_") && $0.hasSuffix(".log") }.map {
                workspace.path + "/data/load_test/" + $0
            }
        }
        usleep(4_000_000)
        let path = try #require(log())
        #expect(truncate(path, 0) == 0, "truncated in place")
        usleep(4_000_000)
        #expect(rename(path, path + ".1") == 0, "rotated away (the executor keeps writing to it)")
        usleep(4_000_000)
        #expect(unlink(path + ".1") == 0, "deleted (the executor keeps writing to it)")
        #expect(run.wait(timeout: 60) != nil)
        let results = try RunResults(path: folder + "/results.json")
        // The executor's own count, from its final report on stderr (every log record goes there too).
        let stderr = try String(contentsOfFile: folder + "/executor.stderr", encoding: .utf8)
        let reported = try #require(
            stderr.components(separatedBy: "Orders Placed: ").last.flatMap { Int($0.prefix { $0.isNumber }) })
        #expect(reported > 50)
        #expect(
            results.counts["orders_placed"] == reported,
            "counted \(results.counts["orders_placed"] ?? -1) of \(reported)")
    }
}
