import Foundation
import HedgeOpsKit
import Testing

/// Debian's `prometheus` package: the server and `promtool`. Installed with
/// apt-get when missing and this process may (root); otherwise the tests
/// that need it are skipped, saying so.
enum Prometheus {
    static let server = "/usr/bin/prometheus"
    static let promtool = "/usr/bin/promtool"

    static let available: Bool = {
        let present = {
            FileManager.default.isExecutableFile(atPath: server)
                && FileManager.default.isExecutableFile(atPath: promtool)
        }
        if present() { return true }
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/apt-get") else { return false }
        var env = Binary.baseEnvironment
        env["DEBIAN_FRONTEND"] = "noninteractive"
        for argv in [
            ["/usr/bin/apt-get", "install", "-y", "-qq", "--no-install-recommends", "prometheus"],
            ["/usr/bin/apt-get", "update", "-qq"],
            ["/usr/bin/apt-get", "install", "-y", "-qq", "--no-install-recommends", "prometheus"],
        ] where !present() {
            _ = try? ChildProcess.spawn(argv, environment: env, workingDirectory: "/").wait(timeout: 600)
        }
        return present()
    }()

    static let skipReason: Comment =
        "Debian's prometheus package (prometheus, promtool) is not installed and could not be: run as root, or apt-get install prometheus"

    /// promtool's exit code and everything it printed.
    static func promtool(_ arguments: [String], stdin: String? = nil, in directory: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            try input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8))
            try input.fileHandleForWriting.close()
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// A loopback port free now.
    static func freePort() throws -> Int {
        let server = try MetricsServer(address: .init(host: "127.0.0.1", port: 0))
        defer { server.close() }
        return server.address.port
    }
}

/// Prometheus against the real thing: the rule files generated from the
/// shipped checklists, promtool's unit tests of them, and a real server
/// scraping a compressed run and answering queries over its HTTP API.
struct PrometheusTests {
    static let monitoring = Binary.repositoryRoot.appendingPathComponent("monitoring").path

    @Test(arguments: ["load-test-8h", "demo"])
    func theShippedRuleFilesAreWhatTheChecklistsGenerate(_ name: String) throws {
        let generated = try Binary.run(
            ["checklist", "rules", "checklists/\(name).yaml"], in: Binary.repositoryRoot.path)
        #expect(generated.exitCode == 0, "\(generated.stderr)")
        let shipped = try String(contentsOfFile: Self.monitoring + "/\(name).rules.yml", encoding: .utf8)
        #expect(
            generated.stdout == shipped,
            "regenerate: hedgeops checklist rules checklists/\(name).yaml > monitoring/\(name).rules.yml")
    }

    @Test func anInvalidChecklistGivesNoRules() throws {
        let workspace = try Workspace()
        try workspace.write("bad.yaml", "schema: 1\nid: x\n")
        let result = try Binary.run(["checklist", "rules", "bad.yaml"], in: workspace.path)
        #expect(result.exitCode == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("bad.yaml:"))
    }

    @Test(.enabled(if: Prometheus.available, Prometheus.skipReason), arguments: ["load-test-8h", "demo"])
    func promtoolAcceptsTheRuleFiles(_ name: String) throws {
        let (code, output) = try Prometheus.promtool(["check", "rules", "\(name).rules.yml"], in: Self.monitoring)
        #expect(code == 0, "\(output)")
        #expect(output.contains("SUCCESS: 8 rules found"), "\(output)")
    }

    /// A leak, a reconnect storm and a healthy run, as series: the right
    /// alerts fire, and none for the healthy run (monitoring/*.test.yml).
    @Test(.enabled(if: Prometheus.available, Prometheus.skipReason))
    func promtoolUnitTestsFireTheRightAlerts() throws {
        let (code, output) = try Prometheus.promtool(
            ["test", "rules", "load-test-8h.rules.test.yml"], in: Self.monitoring)
        #expect(code == 0, "\(output)")
        #expect(output.contains("SUCCESS"), "\(output)")
    }

    @Test(.enabled(if: Prometheus.available, Prometheus.skipReason))
    func aRealPrometheusScrapesACompressedRunAndHoldsItsFigures() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let metricsPort = try Prometheus.freePort()
        let webPort = try Prometheus.freePort()
        let rules = try Binary.run([
            "checklist", "rules", RunTests.demoChecklist, "--output", workspace.path + "/rules.yml",
        ])
        #expect(rules.exitCode == 0, "\(rules.stderr)")
        try workspace.write(
            "prometheus.yml",
            """
            global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }
            rule_files: [rules.yml]
            scrape_configs:
              - job_name: hedgeops
                static_configs: [{ targets: ["127.0.0.1:\(metricsPort)"] }]

            """)
        let server = try ChildProcess.spawn(
            [
                Prometheus.server, "--config.file=prometheus.yml", "--storage.tsdb.path=tsdb",
                "--web.listen-address=127.0.0.1:\(webPort)",
            ], environment: Binary.baseEnvironment, workingDirectory: workspace.path,
            stdoutPath: workspace.path + "/prometheus.log", stderrPath: workspace.path + "/prometheus.log")
        defer {
            server.signalGroup(SIGTERM)
            if server.wait(timeout: 10) == nil { server.signalGroup(SIGKILL) }
        }
        let api = "http://127.0.0.1:\(webPort)"
        let log = { (try? String(contentsOfFile: workspace.path + "/prometheus.log", encoding: .utf8)) ?? "" }
        try #require(Self.waitReady(api), "prometheus did not start: \(log())")

        // While the run goes, one scrape of our own, for promtool check metrics.
        let scraped = ScrapeBox.untilHourOne(port: metricsPort)
        let run = try Binary.run(
            [
                "run", "--checklist", RunTests.demoChecklist, "--time-scale", "1800", "--yes", "--set",
                "scenario=healthy", "--metrics-listen", "127.0.0.1:\(metricsPort)", "--metrics-linger", "20",
            ], environment: RunTests.environment, in: workspace.path)
        #expect(run.exitCode == 0, "\(run.all)")
        #expect(run.stdout.contains("metrics for Prometheus: http://127.0.0.1:\(metricsPort)/metrics"))
        let folder = try #require(try RunTests.runFolder(workspace))
        let data = try #require(FileManager.default.contents(atPath: folder + "/results.json"))
        let results = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let runID = try #require(results["run_id"] as? String)

        // Every checkpoint's memory, as recorded in results.json.
        let checkpoints = try Self.query(api, "last_over_time(hedgeops_memory_checkpoint_bytes[10m])")
        let recorded = results["checkpoints"] as? [[String: Any]] ?? []
        #expect(recorded.count == 6)
        for checkpoint in recorded {
            let hour = formatNumber(checkpoint["hour"] as? Double ?? -1)
            let series = checkpoints.first { $0.labels["hour"] == hour }
            let mb = try #require(checkpoint["rss_mb"] as? Double)
            #expect(series?.labels["run_id"] == runID)
            #expect(series?.labels["rehearsal"] == "true")
            #expect(series?.labels["symbol"] == "BTCUSDT")
            #expect(
                abs((series?.value ?? 0) / 1_048_576 - mb) < 0.01,
                "hour \(hour): \(String(describing: series)) vs \(mb) MB")
        }
        // The counters and the verdict as the supervisor had them at the end.
        let counts = results["counts"] as? [String: Int] ?? [:]
        let placed = try Self.query(api, #"last_over_time(hedgeops_log_matches_total{pattern="orders_placed"}[10m])"#)
        #expect(placed.first?.value == Double(counts["orders_placed"] ?? -1), "\(placed) vs \(counts)")
        #expect((counts["orders_placed"] ?? 0) > 0)
        #expect(try Self.query(api, "last_over_time(hedgeops_run_verdict[10m])").first?.value == 1)
        let passing = try Self.query(api, "last_over_time(hedgeops_criterion_pass[10m])")
        #expect(passing.count == (results["criteria"] as? [Any])?.count)
        #expect(passing.allSatisfy { $0.value == 1 }, "\(passing)")
        let baseline = try Self.query(api, "last_over_time(hedgeops_memory_baseline_bytes[10m])").first?.value ?? 0
        #expect(abs(baseline / 1_048_576 - (recorded.first?["rss_mb"] as? Double ?? 0)) < 0.01)
        #expect(try Self.query(api, "max_over_time(hedgeops_executor_up[10m])").first?.value == 1)
        #expect((try Self.query(api, "max_over_time(hedgeops_run_elapsed_seconds[10m])").first?.value ?? 0) >= 8 * 3600)
        // The rules loaded, and a healthy run fired none of them.
        #expect(try Self.get(api + "/api/v1/rules").contains(#""health":"ok""#))
        #expect(!(try Self.get(api + "/api/v1/rules").contains(#""health":"err""#)))
        let fired = try Self.query(api, "max_over_time(ALERTS[10m])")
        #expect(fired.isEmpty, "\(fired)")

        let text = try #require(scraped.text.withLock { $0 }, "no scrape of /metrics during the run")
        let (code, lint) = try Prometheus.promtool(["check", "metrics"], stdin: text, in: workspace.path)
        #expect(code == 0, "\(lint)")
        #expect(lint.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "promtool check metrics: \(lint)")
        #expect(!text.contains("demo-secret-never-shown-0001"))
    }

    /// The first scrape of `/metrics` on `port` that holds hour 1's
    /// checkpoint, taken by a thread of its own while the run goes (a minute at most).
    final class ScrapeBox: Sendable {
        let text = Locked<String?>(nil)

        static func untilHourOne(port: Int) -> ScrapeBox {
            let scraped = ScrapeBox()
            Thread {
                let deadline = Date().addingTimeInterval(60)
                while Date() < deadline {
                    if case .success(let response) = HTTPClient.perform(
                        HTTPRequest(url: "http://127.0.0.1:\(port)/metrics", timeout: 2)),
                        let text = String(data: response.body, encoding: .utf8), text.contains(#"hour="1""#)
                    {
                        scraped.text.withLock { $0 = text }
                        return
                    }
                    usleep(50_000)
                }
            }.start()
            return scraped
        }
    }

    struct Series: CustomStringConvertible {
        var labels: [String: String]
        var value: Double
        var description: String { "\(labels) \(value)" }
    }

    static func get(_ url: String) throws -> String {
        let response = try HTTPClient.perform(HTTPRequest(url: url, timeout: 5)).get()
        return String(decoding: response.body, as: UTF8.self)
    }

    /// An instant query over Prometheus's HTTP API.
    static func query(_ api: String, _ promql: String) throws -> [Series] {
        let encoded = promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? promql
        let body = try get(api + "/api/v1/query?query=" + encoded)
        let document = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        guard document?["status"] as? String == "success" else { throw QueryFailed(description: "\(promql): \(body)") }
        let result = (document?["data"] as? [String: Any])?["result"] as? [[String: Any]] ?? []
        return result.map { entry in
            let value = (entry["value"] as? [Any])?.last as? String ?? "NaN"
            return Series(labels: entry["metric"] as? [String: String] ?? [:], value: Double(value) ?? .nan)
        }
    }

    struct QueryFailed: Error, CustomStringConvertible {
        var description: String
    }

    static func waitReady(_ api: String) -> Bool {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if case .success(let response) = HTTPClient.perform(HTTPRequest(url: api + "/-/ready", timeout: 1)),
                response.status == 200
            {
                return true
            }
            usleep(100_000)
        }
        return false
    }
}

/// `hedgeops status` over several data directories: every run of the host in one table.
struct StatusFleetTests {
    @Test func severalDataDirectoriesAndAGlobGiveOneTableOfEveryRun() throws {
        let pass = try #require(SignOffTests.passRun, "no finished PASS run")
        let fail = try #require(SignOffTests.failRun, "no finished FAIL run")
        let workspace = try Workspace()
        for (host, run) in [("btc", pass), ("eth", fail)] {
            try workspace.mkdir("\(host)/data/runs")
            let copy = workspace.path + "/\(host)/data/runs/" + URL(fileURLWithPath: run.folder).lastPathComponent
            try FileManager.default.copyItem(atPath: run.folder, toPath: copy)
        }
        let passID = URL(fileURLWithPath: pass.folder).lastPathComponent
        let failID = URL(fileURLWithPath: fail.folder).lastPathComponent
        let table = try Binary.run(["status", "--data-dir", "btc/data", "--data-dir", "eth/data"], in: workspace.path)
        #expect(table.exitCode == 0, "\(table.all)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("DATA DIR") == true, "\(table.stdout)")
        #expect(lines.count == 3, "\(table.stdout)")
        #expect(lines.contains { $0.hasPrefix("btc/data") && $0.contains(passID) && $0.hasSuffix("PASS") })
        #expect(lines.contains { $0.hasPrefix("eth/data") && $0.contains(failID) && $0.hasSuffix("FAIL") })
        // A quoted glob names the same directories; JSON has one object a run.
        let json = try Binary.run(["status", "--data-dir", "*/data", "--json"], in: workspace.path)
        #expect(json.exitCode == 0, "\(json.all)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(Set(rows.compactMap { $0["run_id"] as? String }) == [passID, failID])
        #expect(Set(rows.compactMap { $0["verdict"] as? String }) == ["PASS", "FAIL"])
        // One data directory keeps the single run's view.
        let single = try Binary.run(["status", "--data-dir", "btc/data"], in: workspace.path)
        #expect(single.stdout.hasPrefix("run \(passID): finished, verdict PASS"), "\(single.stdout)")
    }
}

/// The session's supervisor process serves the metrics too (`--metrics-listen` handed down).
struct SessionMetricsTests {
    @Test func theSessionsSupervisorServesTheRunsMetrics() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let port = try Prometheus.freePort()
        let scraped = PrometheusTests.ScrapeBox.untilHourOne(port: port)
        let result = try Binary.run(
            [
                "session", "--checklist", RunTests.demoChecklist, "--time-scale", "3600", "--metrics-listen",
                "127.0.0.1:\(port)", "--metrics-linger", "0",
            ], environment: RunTests.environment, in: workspace.path, stdin: "y\ny\ny\nlaunch\nlaunch\n")
        #expect(result.stdout.contains("VERDICT: PASS"), "\(result.all.suffix(1500))")
        let text = try #require(scraped.text.withLock { $0 }, "the supervisor served no metrics")
        let folder = try #require(try RunTests.runFolder(workspace))
        #expect(text.contains(#"run_id="\#(URL(fileURLWithPath: folder).lastPathComponent)""#))
        #expect(text.contains("hedgeops_executor_up{"))
        // With no linger the port closes with the verdict (the supervisor may take a moment to get there).
        let deadline = Date().addingTimeInterval(10)
        var served = true
        while served && Date() < deadline {
            if case .success = HTTPClient.perform(HTTPRequest(url: "http://127.0.0.1:\(port)/metrics", timeout: 1)) {
                usleep(100_000)
            } else {
                served = false
            }
        }
        #expect(!served, "the metrics are still served 10 s after the verdict with --metrics-linger 0")
    }
}
