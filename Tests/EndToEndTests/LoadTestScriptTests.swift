import Foundation
import HedgeOpsKit
import Testing

/// The checklist's own load-test script, unchanged, with a small executor
/// module written for the test (Tests/EndToEndTests/Fixtures/load-test-script),
/// trading against `hedge-sim exchange` through `hedgeops run`, 8 hours in
/// about 25 seconds; WebSocket drops injected at the exchange mid-run.
struct LoadTestScriptTests {
    static let fixture = Binary.repositoryRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/load-test-script")
        .path

    /// 8 h in 25 s.
    static let timeScale = "1152"
    static let drops = 3

    /// A workspace laid out like the executor's repository: the script, the
    /// executor module, requirements.txt, the log folder, and the shipped
    /// checklist with the stream witness turned on.
    static func repository() throws -> (workspace: Workspace, checklist: String) {
        let workspace = try Workspace()
        for file in ["tests/load/load_test_8h.py", "src/core/broker/bitunix_hedge_executor.py"] {
            try workspace.write(file, try String(contentsOfFile: fixture + "/" + file, encoding: .utf8))
        }
        try workspace.write("requirements.txt", "websockets>=12\npsutil\n")
        try workspace.mkdir("data/load_test")
        let shipped = try String(contentsOfFile: Binary.shippedChecklist, encoding: .utf8)
        let websocketItem = "        max_rtt_ms: 2000\n        login: true\n"
        try #require(shipped.contains(websocketItem), "the shipped checklist's websocket item changed")
        try workspace.write(
            "checklist.yaml",
            shipped.replacingOccurrences(of: websocketItem, with: websocketItem + "        witness: true\n"))
        return (workspace, workspace.path + "/checklist.yaml")
    }

    /// The operator's shell: the venv activated, the TESTNET at the local exchange, `src` importable.
    static func environment(python: String, exchange: LocalExchange, workspace: Workspace) -> [String: String] {
        let venv = URL(fileURLWithPath: python).deletingLastPathComponent().deletingLastPathComponent().path
        var env = Binary.baseEnvironment
        env["VIRTUAL_ENV"] = venv
        env["PATH"] = venv + "/bin:" + (env["PATH"] ?? "/usr/bin:/bin")
        env["PYTHONPATH"] = workspace.path
        env["BITUNIX_API_KEY"] = LocalExchange.apiKey
        env["BITUNIX_API_SECRET"] = LocalExchange.apiSecret
        env["BITUNIX_USE_TESTNET"] = "true"
        env["BITUNIX_REST_URL"] = exchange.baseURL
        env["BITUNIX_WS_URL"] = exchange.wsURL + "/public/"
        return env
    }

    static var venvReady: Bool { (try? WebSocketsVenv.python.get()) != nil }

    @Test(.enabled(if: venvReady, "needs websockets and psutil from PyPI in a venv: PyPI is unreachable"))
    func theLoadTestScriptsReconnectsEqualTheDropsInjectedAndItsOrdersTheExchanges() throws {
        let python = try WebSocketsVenv.python.get()
        let exchange = try LocalExchange(["--tick-ms", "100", "--audit", "audit.jsonl"])
        let (workspace, checklist) = try Self.repository()
        let out = workspace.path + "/hedgeops.stdout", err = workspace.path + "/hedgeops.stderr"
        let hedgeops = try ChildProcess.spawn(
            [Binary.path, "run", "--checklist", checklist, "--time-scale", Self.timeScale, "--yes"],
            environment: Self.environment(python: python, exchange: exchange, workspace: workspace),
            workingDirectory: workspace.path, stdoutPath: out, stderrPath: err)

        // Each drop once the executor and the witness are (re)connected: two public sockets, and
        // one more "WebSocket Connected" in the executor's log than drops so far.
        var injected = 0
        var lastDrop = Date()
        let deadline = Date().addingTimeInterval(120)
        while hedgeops.poll() == nil && Date() < deadline {
            usleep(100_000)
            guard injected < Self.drops, Date().timeIntervalSince(lastDrop) > 3 else { continue }
            let connected = Self.executorLog(workspace).components(separatedBy: "WebSocket Connected").count - 1
            let state = try exchange.control("/control/state")
            let open = (state["connections"] as? [String: Any])?["public"] as? Int ?? 0
            guard connected == injected + 1, open >= 2 else { continue }
            let dropped = try exchange.control("/control/drop", #"{"channel":"public"}"#)["dropped"] as? Int
            #expect(dropped == open, "both the executor's socket and the witness's are dropped")
            injected += 1
            lastDrop = Date()
        }
        guard hedgeops.wait(timeout: max(1, deadline.timeIntervalSinceNow)) != nil else {
            hedgeops.signalGroup(SIGKILL)
            Issue.record("hedgeops run did not finish within 120 s")
            return
        }
        let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        try #require(injected == Self.drops, "drops injected: \(injected)\n\(stdout)\n\(stderr.suffix(3000))")

        let folder = try #require(try RunTests.runFolder(workspace), "no run folder: \(stdout)\(stderr)")
        let results = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/results.json")))
                as? [String: Any])
        let verdict = results["verdict"] as? String
        #expect(verdict == "PASS" || verdict == "FAIL", "the verdict is reached")
        #expect(stdout.contains("VERDICT: \(verdict ?? "-")"), "\(stdout)")
        let counts = results["counts"] as? [String: Int] ?? [:]
        let state = try exchange.control("/control/state")
        let audit = try exchange.control("/control/audit?limit=0")["counts"] as? [String: Int] ?? [:]
        #expect(state["drops"] as? Int == Self.drops, "\(state)")
        #expect(counts["ws_reconnects"] == Self.drops, "the executor's reconnects are the drops injected: \(counts)")
        #expect(counts["ws_dropped"] == Self.drops, "\(counts)")
        #expect((counts["orders_placed"] ?? 0) > 0, "\(counts)")
        #expect(
            counts["orders_placed"] == audit["placed"],
            "orders placed, by hedgeops \(counts) and at the exchange \(audit)")
        // The log file matches the exchange exactly, and hedgeops counted every line of it, those the
        // executor wrote while it shut down included.
        let log = Self.executorLog(workspace)
        let logged = (
            log.components(separatedBy: "Order placed").count - 1,
            log.components(separatedBy: "Order modified").count - 1
        )
        #expect(logged.0 == audit["placed"] && logged.1 == audit["modified"], "log \(logged), exchange \(audit)")
        let modified = counts["orders_modified"] ?? -1
        #expect(modified == logged.1, "hedgeops counted \(modified) of \(logged.1)")
        #expect(counts["errors"] == 0, "\(Self.executorLog(workspace).suffix(2000))")
        let criteria = results["criteria"] as? [[String: Any]] ?? []
        for id in ["ws-stability", "error-rate", "no-crashes", "state-machine"] {
            #expect(criteria.first { $0["id"] as? String == id }?["passed"] as? Bool == true, "\(id): \(criteria)")
        }
        // The load-test script wrote its hourly report (every 720 ticks: later than each hour at this scale).
        #expect(Self.executorLog(workspace).contains("=== Load Test Report (After "))

        // The witness saw the same drops from outside, and says so beside the executor's counts.
        let journal = try RawJournal(path: folder + "/journal.jsonl")
        let witness = journal.events.filter { $0["type"] as? String == "witness" }
        let final = try #require(witness.last, "no witness event")
        #expect(final["final"] as? Bool == true)
        #expect(final["drops"] as? Int == Self.drops && final["reconnects"] as? Int == Self.drops, "\(final)")
        #expect(final["executor_reconnects"] as? Int == Self.drops, "\(final)")
        #expect((final["messages"] as? Int ?? 0) > 50, "\(final)")
        #expect(witness.count == 7, "one per checkpoint and one at the end: \(witness.count)")
        #expect(stdout.contains("witness: "), "\(stdout)")
        let report = try Binary.run(
            ["report", folder, "--format", "md"], environment: Binary.baseEnvironment, in: workspace.path)
        #expect(report.stdout.contains("## Independent witness"), "\(report.all)")
        #expect(
            report.stdout.contains("| \(Self.drops) | \(Self.drops) | \(Self.drops) | \(Self.drops) |"),
            "\(report.stdout)")
    }

    /// The executor's log so far (the load-test script writes one file per run).
    static func executorLog(_ workspace: Workspace) -> String {
        let folder = workspace.path + "/data/load_test"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter {
            $0.hasPrefix("load_test_") && $0.hasSuffix(".log")
        }
        return names.sorted().compactMap { try? String(contentsOfFile: folder + "/" + $0, encoding: .utf8) }.joined()
    }
}
