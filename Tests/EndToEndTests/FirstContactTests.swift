import Foundation
import HedgeOpsKit
import Testing

/// What a newcomer meets first: a misspelt command, the version, a busy
/// port, a recipe that runs as printed, one exit code for input errors.
struct FirstContactTests {
    @Test(arguments: [
        (["stauts"], "error: unknown command 'stauts' for 'hedgeops'; did you mean 'status'?"),
        (
            ["checklist", "lnit", "x.yaml"],
            "error: unknown command 'lnit' for 'hedgeops checklist'; did you mean 'lint'?"
        ),
        (["frobnicate"], "error: unknown command 'frobnicate' for 'hedgeops'\nsee 'hedgeops --help'"),
    ])
    func aMisspeltCommandIsNamedWithTheClosestOneAndExitsTwo(arguments: [String], message: String) throws {
        let result = try Binary.run(arguments)
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!result.stderr.contains("Unexpected argument"))
    }

    @Test func hedgeSimNamesAMisspeltCommandToo() throws {
        let workspace = try Workspace()
        let result = try LocalExchange.refusal(["exchang", "--port", "0"], in: workspace)
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown command 'exchang' for 'hedge-sim'; did you mean 'exchange'?"))
    }

    @Test(arguments: [["-V"], ["version"], ["--version"]])
    func theVersionIsOneWordAway(arguments: [String]) throws {
        let result = try Binary.run(arguments)
        #expect(result.exitCode == 0)
        #expect(result.stdout.hasPrefix("hedgeops 0."), "\(result.all)")
    }

    /// A busy port is said at once, with the address, for both servers.
    @Test(arguments: ["api", "exchange"])
    func aBusyPortIsSaidAtOnce(command: String) throws {
        let taken = try LocalExchange()
        let port = taken.baseURL.split(separator: ":").last.map(String.init) ?? ""
        let workspace = try Workspace()
        let started = Date()
        let result = try LocalExchange.refusal([command, "--port", port], in: workspace)
        #expect(Date().timeIntervalSince(started) < 2, "took \(Date().timeIntervalSince(started)) s")
        #expect(result.status == 1)
        #expect(result.stderr.contains("address 127.0.0.1:\(port) already in use"), "\(result.stderr)")
        #expect(!result.stderr.contains("Timeout"))
    }

    /// `eval "$(hedgeops demo --print-env)"` against `hedge-sim exchange` on
    /// that port: the demo checklist's pre-flight passes as printed.
    @Test func printEnvGivesARunnablePreflight() throws {
        let exchange = try LocalExchange()
        let port = exchange.baseURL.split(separator: ":").last.map(String.init) ?? ""
        let exports = try Binary.run(["demo", "--print-env", "--port", port], in: Binary.repositoryRoot.path)
        #expect(exports.exitCode == 0)
        #expect(exports.stdout.contains("export BITUNIX_REST_URL=http://127.0.0.1:\(port)\n"))
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        // The printed key is demo-key/demo-secret: the exchange here was started with its own.
        let script = exports.stdout
            .replacingOccurrences(of: "=demo-key", with: "=\(LocalExchange.apiKey)")
            .replacingOccurrences(of: "=demo-secret", with: "=\(LocalExchange.apiSecret)")
        try workspace.write("env.sh", script)
        let shell = try Binary.run(
            ["-c", ". ./env.sh && exec \"$HEDGEOPS\" verify-env"],
            environment: Binary.baseEnvironment.merging(["HEDGEOPS": Binary.path]) { $1 }, in: workspace.path,
            executable: "/bin/sh")
        #expect(shell.exitCode == 0, "\(shell.all)")
        #expect(shell.stdout.contains("ready:"))
    }

    /// A run folder left before the launch is never the default run, and a
    /// missing results.json is an input error for report and export alike.
    @Test func aRunNeverLaunchedIsNotTheDefaultAndReportAndExportAgree() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let session = try Binary.run(
            ["session", "--checklist", RunTests.demoChecklist], environment: RunTests.environment,
            in: workspace.path, stdin: "y\nquit\n")
        #expect(session.exitCode == 4, "\(session.all.suffix(800))")
        #expect(session.stdout.contains("quit: nothing was launched"), "\(session.stdout.suffix(800))")
        let runs = try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/data/runs")
        #expect(runs.count == 1, "the answers are kept")
        for command in [["status"], ["report"], ["export", "--key", "none"]] {
            let result = try Binary.run(command, in: workspace.path)
            #expect(result.exitCode == 2, "\(command): \(result.all)")
            #expect(result.stderr.contains("no runs in data/runs"), "\(command): \(result.stderr)")
        }
        let folder = "data/runs/" + runs[0]
        let report = try Binary.run(["report", folder], in: workspace.path)
        let export = try Binary.run(["export", folder, "--key", "none"], in: workspace.path)
        #expect(report.exitCode == 2 && export.exitCode == 2, "\(report.all)\n\(export.all)")
    }
}
