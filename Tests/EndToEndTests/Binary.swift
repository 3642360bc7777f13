import Foundation

/// Runs the real `hedgeops` binary, as an operator or a script would.
enum Binary {
    struct Result {
        var exitCode: Int32
        var stdout: String
        var stderr: String
        var all: String { stdout + stderr }
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built binary: $HEDGEOPS_BIN, else beside the test bundle, else .build/debug.
    static let path: String = {
        if let explicit = ProcessInfo.processInfo.environment["HEDGEOPS_BIN"] { return explicit }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("hedgeops").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return repositoryRoot.appendingPathComponent(".build/debug/hedgeops").path
    }()

    static let shippedChecklist = repositoryRoot.appendingPathComponent("checklists/load-test-8h.yaml").path

    /// A minimal environment: nothing of the developer's leaks into a test,
    /// and the fingerprint key goes to a folder of this test process, not ~/.config.
    static var baseEnvironment: [String: String] {
        let env = ProcessInfo.processInfo.environment
        return [
            "PATH": env["PATH"] ?? "/usr/bin:/bin", "HOME": env["HOME"] ?? "/tmp", "LANG": "C.UTF-8",
            "HEDGEOPS_CONFIG_DIR": configDirectory,
        ]
    }

    static let configDirectory = FileManager.default.temporaryDirectory
        .appendingPathComponent("hedgeops-e2e-config-\(getpid())").path

    static func run(
        _ arguments: [String], environment: [String: String] = baseEnvironment, in directory: String? = nil,
        stdin: String? = nil, executable: String? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable ?? path)
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            input.fileHandleForWriting.write(Data(stdin.utf8))
            try? input.fileHandleForWriting.close()
        }
        // Read before waiting so a large output cannot fill the pipe and stall.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            exitCode: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// A scratch directory laid out like the executor's repository.
final class Workspace: @unchecked Sendable {
    let path: String

    init() throws {
        path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("hedgeops-e2e-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relative: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func mkdir(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: "\(path)/\(relative)", withIntermediateDirectories: true)
    }

    func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: "\(path)/\(relative)") }
}

/// One real Python virtual environment, made once for the whole run
/// (`python3 -m venv` takes a few seconds), with pip installed in it.
enum SharedVenv {
    static let path: String? = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hedgeops-e2e-venv-\(getpid())").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "venv", dir]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        return process.terminationStatus == 0 ? dir : nil
    }()
}
