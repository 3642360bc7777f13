import Foundation
import HedgeOpsKit

/// Runs the real `hedge-sim` binary.
enum SimBinary {
    static var path: String {
        URL(fileURLWithPath: Binary.path).deletingLastPathComponent().appendingPathComponent("hedge-sim").path
    }

    struct Run {
        var termination: ChildProcess.Termination
        var log: ExecutorLog
        var logText: String
        var stderr: String
    }

    /// Starts `hedge-sim` with its log directory in `workspace`; stderr goes
    /// to a file. Launched as hedgeops launches the executor: own process
    /// group, default signal dispositions, empty signal mask (a test runner's
    /// thread blocks SIGINT, and Foundation's Process passes that on).
    static func start(
        _ arguments: [String], workspace: Workspace, environment: [String: String] = Binary.baseEnvironment
    )
        throws -> ChildProcess
    {
        try workspace.mkdir("data/load_test")
        return try ChildProcess.spawn(
            [path] + arguments + ["--log-dir", workspace.path + "/data/load_test"], environment: environment,
            workingDirectory: workspace.path, stderrPath: workspace.path + "/stderr.txt")
    }

    /// Runs a scenario to its end and parses what it logged.
    static func run(_ arguments: [String], workspace: Workspace, environment: [String: String] = Binary.baseEnvironment)
        throws -> Run
    {
        let process = try start(arguments, workspace: workspace, environment: environment)
        return try collect(process.wait(), workspace: workspace)
    }

    static func collect(_ termination: ChildProcess.Termination, workspace: Workspace) throws -> Run {
        let text = try logText(workspace)
        let stderr = (try? String(contentsOfFile: workspace.path + "/stderr.txt", encoding: .utf8)) ?? ""
        return Run(termination: termination, log: ExecutorLog(text: text), logText: text, stderr: stderr)
    }

    static func logText(_ workspace: Workspace) throws -> String {
        let directory = workspace.path + "/data/load_test"
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter {
            $0.hasPrefix("load_test_") && $0.hasSuffix(".log")
        }
        guard files.count == 1, let name = files.first else { return "" }
        return try String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)
    }

    /// VmRSS of a live process, in MB, read from /proc as hedgeops will.
    static func residentMB(_ pid: Int32) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kb / 1024
    }
}
