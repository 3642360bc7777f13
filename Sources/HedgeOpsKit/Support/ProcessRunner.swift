public import Foundation

/// What a finished (or timed-out) child process left behind.
public struct ProcessOutcome: Sendable {
    public var exitCode: Int32
    public var stdout: Data
    public var stderr: Data
    public var timedOut: Bool
    public var launchError: String?

    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// Runs a short-lived command with a hard timeout, so no check can hang.
/// For checks only; the supervised run has its own launcher.
public enum ProcessRunner {
    static func run(
        _ argv: [String], environment: [String: String], workingDirectory: String, stdin: Data? = nil,
        timeout: Double, toolDirectories: [String] = []
    ) -> ProcessOutcome {
        guard let program = argv.first else {
            return ProcessOutcome(
                exitCode: -1, stdout: Data(), stderr: Data(), timedOut: false, launchError: "empty command")
        }
        guard
            let executable = resolveExecutable(
                program, environment: environment, workingDirectory: workingDirectory, toolDirectories: toolDirectories)
        else {
            return ProcessOutcome(
                exitCode: -1, stdout: Data(), stderr: Data(), timedOut: false,
                launchError: "'\(program)' not found on PATH")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(argv.dropFirst())
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: workingDirectory)
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        // Drain both pipes concurrently: a chatty child must not block on a full pipe. Threads,
        // not a dispatch queue: dispatch's worker pool, once started, wakes the process every
        // second for good, and `run` goes on to sample for hours after its checks.
        let collected = OutputCollector()
        let drained = DispatchSemaphore(value: 0)
        for (handle, isOut) in [(out.fileHandleForReading, true), (err.fileHandleForReading, false)] {
            Thread {
                let data = (try? handle.readToEnd()) ?? Data()
                collected.store(data, isStdout: isOut)
                drained.signal()
            }.start()
        }
        do {
            try process.run()
        } catch {
            return ProcessOutcome(
                exitCode: -1, stdout: Data(), stderr: Data(), timedOut: false,
                launchError: "could not start '\(program)': \(error.localizedDescription)")
        }
        // A child that exits without reading its input must not trap us (EPIPE).
        if let stdin { try? input.fileHandleForWriting.write(contentsOf: stdin) }
        try? input.fileHandleForWriting.close()
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            done.wait()
        }
        let drainDeadline = DispatchTime.now() + 2
        for _ in 0..<2 { _ = drained.wait(timeout: drainDeadline) }
        let (stdoutData, stderrData) = collected.snapshot()
        return ProcessOutcome(
            exitCode: process.terminationStatus, stdout: stdoutData, stderr: stderrData, timedOut: timedOut,
            launchError: nil)
    }

    /// `program` as a path, or looked up on the given environment's PATH,
    /// then in `toolDirectories`.
    public static func resolveExecutable(
        _ program: String, environment: [String: String], workingDirectory: String, toolDirectories: [String] = []
    ) -> String? {
        if program.contains("/") {
            let path = program.hasPrefix("/") ? program : workingDirectory + "/" + program
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        }
        let path = (environment["PATH"] ?? "").split(separator: ":").map(String.init) + toolDirectories
        for directory in path where !directory.isEmpty {
            let candidate = "\(directory)/\(program)"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return nil
    }
}

private final class OutputCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()

    func store(_ data: Data, isStdout: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if isStdout { out = data } else { err = data }
    }

    func snapshot() -> (Data, Data) {
        lock.lock()
        defer { lock.unlock() }
        return (out, err)
    }
}
