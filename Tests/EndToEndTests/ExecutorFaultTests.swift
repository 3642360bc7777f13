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
        for _ in 0..<400 {
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
        #expect((silences.first?["message"] as? String ?? "").contains("hung"))
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
}
