import Foundation
import Testing

@testable import HedgeOpsKit

/// The run as Prometheus sees it: the exposition's text, its labels, the
/// address it is served on, the server, and the rules made from a checklist.
struct RunMetricsTests {
    static func checklist() throws -> Checklist {
        try ChecklistLoader.load(path: Fixture.shippedChecklist)
    }

    static func metrics(verdict: String? = nil, labels: RunLabels? = nil) throws -> RunMetrics {
        let checklist = try checklist()
        var hour0 = CriteriaEvaluatorTests.record(0, 100)
        hour0.pssMB = 90
        var hour1 = CriteriaEvaluatorTests.record(1, 110)
        hour1.trend = LeakTrend(
            slopeMBPerHour: 10, senSlopeMBPerHour: 10, mannKendallZ: 3, projectedFinalMB: 180, projectedRatio: 1.8)
        let counts = ["errors": 2, "ws_reconnects": 3, "orders_placed": 500, "orders_modified": 1500]
        let facts = RunFacts(
            baselineMB: 100, finalMB: nil, counts: counts, fullDuration: nil, endDetail: "still running",
            cpuAverage: 12.5)
        return RunMetrics(
            labels: labels
                ?? RunLabels(
                    runID: "20260113T100000-3f2a", checklist: checklist.id, host: "box", symbol: "BTCUSDT",
                    executor: "python load_test_8h.py", rehearsal: false),
            executorUp: true,
            sample: ProcessSample(
                monotonic: 10, rssMB: 112, rssAnonMB: 100, swapMB: 0, cpuPercent: 25, threads: 9, openFiles: 14,
                processes: 2),
            cpuSeconds: 42.5, cpuAveragePercent: 12.5, pssMB: 90, patterns: checklist.logPatterns.map(\.id),
            counts: counts, lastLineUnixTime: 1_768_298_400.25, silences: 0, checkpoints: [hour0, hour1],
            elapsedHours: 1.5, plannedHours: 8, timeScale: 1,
            criteria: CriteriaEvaluator.evaluate(checklist.criteria.items, facts: facts), verdict: verdict)
    }

    /// The value of the line that starts with `prefix` (name and the first labels).
    static func value(_ text: String, _ name: String, _ labels: String = "") -> String? {
        text.split(separator: "\n").first { line in
            line.hasPrefix(name + "{") && (labels.isEmpty || line.contains(labels))
        }.map { String($0.split(separator: " ").last ?? "") }
    }

    @Test func everyFigureIsInBaseUnitsWithHelpTypeAndTheRunsLabels() throws {
        let text = try Self.metrics().text
        let labels =
            #"{run_id="20260113T100000-3f2a",checklist="load-test-8h",host="box",symbol="BTCUSDT","#
            + #"executor="python load_test_8h.py",rehearsal="false"}"#
        #expect(text.contains("hedgeops_executor_resident_memory_bytes\(labels) 117440512\n"))
        #expect(text.contains("# TYPE hedgeops_executor_cpu_seconds_total counter\n"))
        #expect(text.contains("# HELP hedgeops_executor_up "))
        #expect(Self.value(text, "hedgeops_executor_cpu_usage_ratio") == "0.25")
        #expect(Self.value(text, "hedgeops_memory_baseline_bytes") == "104857600")
        #expect(Self.value(text, "hedgeops_memory_checkpoint_bytes", #"hour="1""#) == "115343360")
        #expect(Self.value(text, "hedgeops_memory_projected_ratio") == "1.8")
        #expect(Self.value(text, "hedgeops_executor_proportional_memory_bytes") == "94371840")
        #expect(Self.value(text, "hedgeops_log_matches_total", #"pattern="ws_reconnects""#) == "3")
        // A pattern that matched nothing is a zero, not a missing series.
        #expect(Self.value(text, "hedgeops_log_matches_total", #"pattern="error_lock""#) == "0")
        #expect(Self.value(text, "hedgeops_run_elapsed_seconds") == "5400")
        #expect(Self.value(text, "hedgeops_run_planned_seconds") == "28800")
        // Each family once, each with its help and type.
        for family in try Self.metrics().families {
            #expect(text.components(separatedBy: "# TYPE \(family.name) ").count == 2, "\(family.name)")
            if family.kind == .counter { #expect(family.name.hasSuffix("_total")) }
        }
    }

    @Test func aCriterionNotDecidableYetIsNaNAndTheVerdictAppearsOnceReached() throws {
        let running = try Self.metrics().text
        // No final checkpoint yet, no end yet: not decidable.
        #expect(Self.value(running, "hedgeops_criterion_pass", #"criterion="memory-leak""#) == "NaN")
        #expect(Self.value(running, "hedgeops_criterion_pass", #"criterion="no-crashes""#) == "NaN")
        #expect(Self.value(running, "hedgeops_criterion_pass", #"criterion="ws-stability""#) == "1")
        #expect(Self.value(running, "hedgeops_criterion_value", #"criterion="error-rate""#) == "0.001")
        #expect(Self.value(running, "hedgeops_criterion_pass", #"criterion="error-rate""#) == "0")
        #expect(Self.value(running, "hedgeops_criterion_threshold", #"criterion="cpu""#) == "30")
        #expect(Self.value(running, "hedgeops_run_verdict") == nil)
        #expect(Self.value(try Self.metrics(verdict: "FAIL").text, "hedgeops_run_verdict") == "0")
        #expect(Self.value(try Self.metrics(verdict: "PASS").text, "hedgeops_run_verdict") == "1")
    }

    @Test func labelsHoldNoSecretAndNoUnboundedValue() throws {
        var checklist = try Self.checklist()
        let secret = "s3cr3t-value-of-the-api-secret-0123456789"
        checklist.run.argv = ["/opt/venv/bin/python", "-u", "tests/load/load_test_8h.py", "--key", secret]
        let redactor = SecretRedactor(environment: ["BITUNIX_API_SECRET": secret], checklist: checklist)
        let labels = RunLabels(
            runID: "r1", checklist: checklist, parameters: ["symbol": "BTC" + secret],
            host: String(repeating: "h", count: 500) + "\u{1b}[31m", timeScale: 3600, redactor: redactor)
        #expect(labels.symbol == "redacted")
        #expect(labels.executor == "python load_test_8h.py")
        #expect(labels.host.count == RunLabels.maximumLength)
        #expect(labels.rehearsal)
        let text = try Self.metrics(labels: labels).text
        #expect(!text.contains(secret))
        #expect(!text.contains("\u{1b}"))
        // A quote or backslash in a value is escaped, never ends the value.
        let odd = RunLabels(runID: #"a"b\c"#, checklist: "x", host: "h", symbol: "", executor: "", rehearsal: false)
        #expect(try Self.metrics(labels: odd).text.contains(#"run_id="a\"b\\c""#))
    }

    @Test func aPortAloneIsLoopbackAndBadAddressesSayHowToWriteThem() throws {
        #expect(try MetricsListenAddress(parsing: "9464") == MetricsListenAddress(host: "127.0.0.1", port: 9464))
        #expect(try MetricsListenAddress(parsing: "0.0.0.0:9464").isLoopback == false)
        #expect(try MetricsListenAddress(parsing: "[::1]:9464") == MetricsListenAddress(host: "::1", port: 9464))
        #expect(try MetricsListenAddress(parsing: "[::1]:9464").description == "[::1]:9464")
        for bad in ["127.0.0.1:99999", "host:", ":9464", "::1:9464", "[::1]", "abc"] {
            #expect(throws: MetricsAddressError.self, "\(bad)") { try MetricsListenAddress(parsing: bad) }
        }
        let error = try #require(throws: MetricsAddressError.self) { try MetricsListenAddress(parsing: "x:y") }
        #expect(error.description.contains("127.0.0.1:9464"))
    }

    @Test func theServerAnswersMetricsOnLoopbackAndNothingElse() throws {
        let server = try MetricsServer(address: .init(host: "127.0.0.1", port: 0))
        defer { server.close() }
        let base = "http://\(server.address)"
        #expect(server.address.port > 0)
        // Before the first snapshot: an empty, valid exposition.
        let empty = try HTTPClient.perform(HTTPRequest(url: base + "/metrics")).get()
        #expect(empty.status == 200)
        #expect(empty.body.isEmpty)
        server.publish(try Self.metrics())
        let scrape = try HTTPClient.perform(HTTPRequest(url: base + "/metrics")).get()
        #expect(scrape.status == 200)
        #expect(scrape.headers["content-type"] == MetricFamily.contentType)
        #expect(String(decoding: scrape.body, as: UTF8.self) == (try Self.metrics().text))
        #expect(try HTTPClient.perform(HTTPRequest(url: base + "/other")).get().status == 404)
        #expect(try HTTPClient.perform(HTTPRequest(method: "DELETE", url: base + "/metrics")).get().status == 405)
        #expect(server.scrapes == 2)
        // The verdict is waited for until a scrape took it.
        #expect(!server.awaitVerdictScrape(seconds: 0))
        server.publish(try Self.metrics(verdict: "PASS"))
        #expect(!server.awaitVerdictScrape(seconds: 0.1))
        _ = try HTTPClient.perform(HTTPRequest(url: base + "/metrics")).get()
        #expect(server.awaitVerdictScrape(seconds: 0))
    }

    @Test func aBusyPortIsRefusedWithTheFix() throws {
        let first = try MetricsServer(address: .init(host: "127.0.0.1", port: 0))
        defer { first.close() }
        let error = try #require(throws: MetricsAddressError.self) {
            _ = try MetricsServer(address: first.address)
        }
        #expect(error.description.contains("--metrics-listen"))
        #expect(error.description.contains("\(first.address)"))
    }

    @Test func eachCriterionBecomesAnAlertThatFiresWhenItDoesNotHold() throws {
        let rules = AlertRules(checklist: try Self.checklist())
        let names = rules.rules.map(\.alert)
        #expect(
            names == [
                "HedgeopsMemoryLeak", "HedgeopsWsStability", "HedgeopsErrorRate", "HedgeopsNoCrashes",
                "HedgeopsStateMachine", "HedgeopsStateMachineLogSilent", "HedgeopsCpu", "HedgeopsVerdictFail",
            ])
        let expr = Dictionary(uniqueKeysWithValues: rules.rules.map { ($0.alert, $0.expr) })
        #expect(expr["HedgeopsWsStability"]?.hasSuffix(#"pattern="ws_reconnects"} > 5"#) == true)
        #expect(expr["HedgeopsMemoryLeak"]?.contains("hedgeops_memory_projected_ratio") == true)
        #expect(expr["HedgeopsMemoryLeak"]?.contains(">= 1.5") == true)
        #expect(expr["HedgeopsErrorRate"]?.contains(#"pattern=~"orders_placed|orders_modified""#) == true)
        #expect(expr["HedgeopsErrorRate"]?.hasSuffix(">= 0.001") == true)
        #expect(expr["HedgeopsCpu"]?.hasSuffix(">= 0.3") == true)
        #expect(rules.rules.allSatisfy { $0.expr.contains(#"checklist="load-test-8h""#) })
        for comparison in Criterion.Comparison.allCases {
            // The alert's comparison holds exactly where the criterion's does not.
            for (value, threshold) in [(1.0, 2.0), (2.0, 2.0), (3.0, 2.0)] {
                let fires: Bool
                switch AlertRules.negated(comparison) {
                case ">=": fires = value >= threshold
                case ">": fires = value > threshold
                case "!=": fires = value != threshold
                case "<": fires = value < threshold
                default: fires = value <= threshold
                }
                #expect(fires == !comparison.holds(value, threshold), "\(comparison) \(value)")
            }
        }
    }
}
