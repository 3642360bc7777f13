import Foundation
import HedgeOpsKit
import Testing

/// Hour 0 is the median of a window after the warm-up, never one start-up
/// sample: the leak verdict is then the same run after run.
struct BaselineTests {
    /// The verdict and the hour-0 checkpoint of one compressed run.
    static func run(_ scenario: String) throws -> (
        exit: Int32, verdict: String?, hour0: [String: Any]?, folder: String?
    ) {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let result = try Binary.run(
            [
                "run", "--checklist", RunTests.demoChecklist, "--time-scale", "7200", "--yes", "--set",
                "scenario=\(scenario)",
            ],
            environment: RunTests.environment, in: workspace.path)
        guard let folder = try RunTests.runFolder(workspace),
            let data = FileManager.default.contents(atPath: folder + "/results.json"),
            let results = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return (result.exitCode, nil, nil, nil) }
        let hour0 = (results["checkpoints"] as? [[String: Any]])?.first { ($0["hour"] as? Double) == 0 }
        // The leak criterion's own verdict: on a busy machine the CPU criterion may fail a compressed run.
        let leak = (results["criteria"] as? [[String: Any]])?.first { $0["metric"] as? String == "memory_ratio" }
        let leakVerdict = (leak?["passed"] as? Bool).map { $0 ? "PASS" : "FAIL" }
        _ = try Binary.run(["report", folder], environment: RunTests.environment, in: workspace.path)
        let report = try? String(contentsOfFile: folder + "/report.md", encoding: .utf8)
        #expect(report?.contains("Hour 0 (the baseline) is the median of") == true)
        let chart = try? String(contentsOfFile: folder + "/memory.svg", encoding: .utf8)
        #expect(chart?.contains(#"id="baseline-window""#) == true)
        return (result.exitCode, leakVerdict, hour0, folder)
    }

    @Test func theLeakCriterionPassesSlowLeakAndFailsLeakTwentyTimesOutOfTwenty() throws {
        let scenarios = Array(repeating: "slow-leak", count: 20) + Array(repeating: "leak", count: 20)
        let outcomes = Locked<[(scenario: String, verdict: String?, samples: Int, start: Double, end: Double)]>([])
        // Two at a time: the machine has two cores, and each run is 4 s.
        DispatchQueue.concurrentPerform(iterations: 2) { lane in
            for index in stride(from: lane, to: scenarios.count, by: 2) {
                let outcome = try? Self.run(scenarios[index])
                let hour0 = outcome?.hour0
                let summary = (
                    scenario: scenarios[index], verdict: outcome?.verdict, samples: hour0?["samples"] as? Int ?? 0,
                    start: hour0?["window_start_h"] as? Double ?? 0, end: hour0?["window_end_h"] as? Double ?? 0
                )
                outcomes.withLock { $0.append(summary) }
            }
        }
        let all = outcomes.withLock { $0 }
        #expect(all.count == 40)
        for (scenario, verdict, samples, start, end) in all {
            #expect(verdict == (scenario == "leak" ? "FAIL" : "PASS"), "\(scenario): \(verdict ?? "no verdict")")
            #expect(samples >= 5, "hour 0 is a median of at least five samples, got \(samples)")
            // The demo checklist's warm-up is 60 s, at least 0.2 s of real time: 1440 s at this scale.
            #expect(start * 3600 >= 1440 - 1, "the window starts after the warm-up: \(start) h")
            #expect(end > start)
        }
    }
}
