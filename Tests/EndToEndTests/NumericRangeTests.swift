import Foundation
import HedgeOpsKit
import Testing

/// Numbers an operator types (in the checklist, an option or the
/// environment) are checked against a range before anything starts, so a
/// slip is an error that names the range, never a crash mid-run.
struct NumericRangeTests {
    func demoChecklist(replacing old: String, with new: String, in workspace: Workspace) throws -> String {
        let text = try String(contentsOfFile: RunTests.demoChecklist, encoding: .utf8)
        #expect(text.contains(old))
        try workspace.write("checklist.yaml", text.replacingOccurrences(of: old, with: new))
        return workspace.path + "/checklist.yaml"
    }

    @Test func aHugeRunDurationIsALintErrorAndNothingIsLaunched() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let checklist = try demoChecklist(
            replacing: "duration: 8h", with: "duration: 99999999999999999999h", in: workspace)
        let lint = try Binary.run(["checklist", "lint", checklist], in: workspace.path)
        #expect(lint.exitCode == 2, "\(lint.all)")
        #expect(lint.all.contains("checklist.yaml:136:13: error: run.duration:"), "\(lint.all)")
        #expect(lint.all.contains("use a duration above 0s and at most 7d"), "\(lint.all)")
        let run = try Binary.run(
            ["run", "--checklist", checklist, "--time-scale", "3600", "--yes"], environment: RunTests.environment,
            in: workspace.path)
        #expect(run.exitCode == 2, "\(run.all)")
        #expect(try RunTests.runFolder(workspace) == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/data/load_test").isEmpty)
    }

    @Test(arguments: ["1e300", "1e-300", "inf", "0"])
    func aTimeScaleOutOfRangeIsAUsageError(_ scale: String) throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let option = try Binary.run(
            ["run", "--checklist", RunTests.demoChecklist, "--time-scale", scale, "--yes"],
            environment: RunTests.environment, in: workspace.path)
        #expect(option.exitCode == 2, "\(option.all)")
        #expect(option.stderr.contains("--time-scale is out of range: use a number from 0.01 to 1000000"))
        var environment = RunTests.environment
        environment["HEDGEOPS_TIME_SCALE"] = scale
        let variable = try Binary.run(
            ["run", "--checklist", RunTests.demoChecklist, "--yes"], environment: environment, in: workspace.path)
        #expect(variable.exitCode == 2, "\(variable.all)")
        #expect(variable.stderr.contains("HEDGEOPS_TIME_SCALE='\(scale)' is out of range"), "\(variable.all)")
        #expect(try RunTests.runFolder(workspace) == nil)
    }

    @Test(arguments: [
        (["--hours", "1e300"], [:], "--hours is out of range"),
        (["--base-mb", "1e300"], [:], "--base-mb is out of range"),
        ([], ["LOAD_TEST_TICK_SECONDS": "0"], "LOAD_TEST_TICK_SECONDS='0' is out of range"),
        ([], ["HEDGEOPS_TIME_SCALE": "1e-300"], "HEDGEOPS_TIME_SCALE='1e-300' is out of range"),
    ])
    func theSimulatorRefusesNumbersThatWouldCrashIt(
        _ arguments: [String], _ variables: [String: String], _ message: String
    ) throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let process = try ChildProcess.spawn(
            [SimBinary.path, "run", "--log-dir", "data/load_test"] + arguments,
            environment: Binary.baseEnvironment.merging(variables) { $1 }, workingDirectory: workspace.path,
            stdoutPath: workspace.path + "/out", stderrPath: workspace.path + "/err")
        let termination = process.wait(timeout: 20)
        if termination == nil { process.signalGroup(SIGKILL) }
        #expect(termination == .exited(2))
        let err = (try? String(contentsOfFile: workspace.path + "/err", encoding: .utf8)) ?? ""
        #expect(err.contains(message), "\(err.suffix(400))")
    }
}
