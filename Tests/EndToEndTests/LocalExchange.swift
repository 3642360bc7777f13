import Foundation
import HedgeOpsKit

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A running `hedge-sim exchange` on 127.0.0.1; stopped with SIGINT when
/// the test is done.
final class LocalExchange: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static let apiKey = "exchange-test-key"
    static let apiSecret = "exchange-test-secret"

    let process: ChildProcess
    let baseURL: String
    let workspace: Workspace

    /// `files` are written into the exchange's folder before it starts.
    init(_ arguments: [String] = [], files: [String: String] = [:]) throws {
        workspace = try Workspace()
        for (name, text) in files { try workspace.write(name, text) }
        let out = workspace.path + "/exchange-stdout.txt"
        process = try ChildProcess.spawn(
            [SimBinary.path, "exchange", "--port", "0", "--api-key", Self.apiKey, "--api-secret", Self.apiSecret]
                + arguments, environment: Binary.baseEnvironment, workingDirectory: workspace.path,
            stdoutPath: out, stderrPath: workspace.path + "/exchange-stderr.txt")
        var announced = ""
        for _ in 0..<1000 where !announced.contains("\n") {
            announced = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if !process.isRunning { break }
            usleep(10_000)
        }
        guard let line = announced.split(separator: "\n").first, line.hasPrefix("listening on http://127.0.0.1:") else {
            process.signalGroup(SIGKILL)
            let log = (try? String(contentsOfFile: workspace.path + "/exchange-stderr.txt", encoding: .utf8)) ?? ""
            throw Failure(description: "no 'listening on' line: \(announced) \(log)")
        }
        baseURL = String(line.dropFirst("listening on ".count))
    }

    deinit {
        process.signalGroup(SIGINT)
        if process.wait(timeout: 5) == nil {
            process.signalGroup(SIGKILL)
            _ = process.wait(timeout: 5)
        }
    }

    /// Runs `hedge-sim` with `arguments` to its end (for refusals at start).
    static func refusal(_ arguments: [String], in workspace: Workspace) throws -> (status: Int32, stderr: String) {
        let err = workspace.path + "/refusal-stderr.txt"
        let process = try ChildProcess.spawn(
            [SimBinary.path] + arguments, environment: Binary.baseEnvironment, workingDirectory: workspace.path,
            stdoutPath: workspace.path + "/refusal-stdout.txt", stderrPath: err)
        guard let termination = process.wait(timeout: 10) else {
            process.signalGroup(SIGKILL)
            _ = process.wait(timeout: 5)
            return (-1, "still running after 10 s")
        }
        let status: Int32 = if case .exited(let code) = termination { code } else { -1 }
        return (status, (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }

    var wsURL: String { baseURL.replacingOccurrences(of: "http://", with: "ws://") }

    var accessLog: String {
        (try? String(contentsOfFile: workspace.path + "/exchange-stderr.txt", encoding: .utf8)) ?? ""
    }

    /// A control-endpoint call: GET without a body, POST with one.
    @discardableResult
    func control(_ path: String, _ body: String? = nil) throws -> [String: Any] {
        guard let url = URL(string: baseURL + path) else { throw Failure(description: "bad control path '\(path)'") }
        var request = URLRequest(url: url)
        request.timeoutInterval = 10
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
        }
        let data = try Self.fetch(request).data
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure(description: "\(path): not a JSON object")
        }
        return object
    }

    /// One HTTP exchange, synchronously.
    static func fetch(_ request: URLRequest) throws -> (data: Data, response: HTTPURLResponse) {
        let box = ResultBox()
        let task = URLSession.shared.dataTask(with: request) { data, response, error in
            box.set(data, response as? HTTPURLResponse, error)
        }
        task.resume()
        guard box.semaphore.wait(timeout: .now() + 15) == .success else {
            task.cancel()
            throw Failure(description: "\(request.url?.absoluteString ?? ""): no answer within 15 s")
        }
        guard let data = box.data, let response = box.response else {
            throw Failure(description: "\(request.url?.absoluteString ?? ""): \(String(describing: box.error))")
        }
        return (data, response)
    }

    private final class ResultBox: @unchecked Sendable {
        let semaphore = DispatchSemaphore(value: 0)
        var data: Data?
        var response: HTTPURLResponse?
        var error: (any Error)?
        func set(_ data: Data?, _ response: HTTPURLResponse?, _ error: (any Error)?) {
            self.data = data
            self.response = response
            self.error = error
            semaphore.signal()
        }
    }
}

/// A Python virtual environment with the `websockets` and `psutil`
/// packages from PyPI, made once and kept between runs: pip downloads them
/// the first time only.
enum WebSocketsVenv {
    struct Unavailable: Error, CustomStringConvertible { var description: String }

    static let python: Result<String, Unavailable> = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hedgeops-e2e-websockets-venv").path
        let python = dir + "/bin/python"
        if run([python, "-c", "import websockets, psutil"]) == 0 { return .success(python) }
        try? FileManager.default.removeItem(atPath: dir)
        guard run(["/usr/bin/env", "python3", "-m", "venv", dir]) == 0 else {
            return .failure(Unavailable(description: "python3 -m venv \(dir) failed"))
        }
        guard run([python, "-m", "pip", "install", "--quiet", "websockets>=12", "psutil"]) == 0 else {
            return .failure(
                Unavailable(description: "pip install websockets psutil into \(dir) failed: PyPI must be reachable"))
        }
        return .success(python)
    }()

    /// The exit status of `arguments`, output discarded.
    static func run(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Runs `script` with the venv's Python; stdout, stderr and the status.
    static func runScript(_ script: String, arguments: [String], in workspace: Workspace, timeout: Double = 60)
        throws -> (status: Int32, stdout: String, stderr: String)
    {
        let python = try Self.python.get()
        let path = workspace.path + "/client-\(UUID().uuidString.prefix(6)).py"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let out = path + ".out", err = path + ".err"
        let process = try ChildProcess.spawn(
            [python, path] + arguments, environment: Binary.baseEnvironment, workingDirectory: workspace.path,
            stdoutPath: out, stderrPath: err)
        guard let termination = process.wait(timeout: timeout) else {
            process.signalGroup(SIGKILL)
            _ = process.wait(timeout: 5)
            throw Unavailable(description: "the Python client did not finish within \(Int(timeout)) s")
        }
        let status: Int32 = if case .exited(let code) = termination { code } else { -1 }
        return (
            status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
            (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        )
    }
}
