/// A Prometheus rule file made from a checklist's pass criteria: one alert
/// per criterion, with the checklist's thresholds, over the series a run's
/// supervisor serves (``RunMetrics``), so a fleet pages on the rules the
/// verdict uses. Each alert fires when its criterion does *not* hold now;
/// the selector `checklist="ID"` keeps one checklist's rules to its runs.
public struct AlertRules: Sendable {
    /// One alerting rule.
    public struct Rule: Sendable, Equatable {
        public var alert: String
        public var expr: String
        public var severity: String
        /// The criterion it mirrors, empty for the rules of the run as a whole.
        public var criterion: String
        public var summary: String
        public var description: String
    }

    public let checklist: Checklist

    public init(checklist: Checklist) {
        self.checklist = checklist
    }

    /// The label selector of one checklist's runs, plus `extra` matchers.
    func selector(_ extra: String...) -> String {
        "{" + (["checklist=\"\(checklist.id)\""] + extra).joined(separator: ",") + "}"
    }

    /// `{{ $labels.run_id }} (SYMBOL on HOST)`, the run an alert names.
    static let who = "run {{ $labels.run_id }} ({{ $labels.symbol }} on {{ $labels.host }}, {{ $labels.executor }})"

    public var rules: [Rule] {
        checklist.criteria.items.flatMap(rules(for:)) + [
            Rule(
                alert: "HedgeopsVerdictFail", expr: "hedgeops_run_verdict\(selector()) == 0", severity: "page",
                criterion: "", summary: "\(Self.who): VERDICT FAIL",
                description: "The run's verdict is FAIL: see results.json in its run folder.")
        ]
    }

    /// The alerts of one criterion: its figure compared the other way round.
    /// The fewest real seconds of log silence the silence alert waits: a
    /// rule compares `time()` with a figure scraped up to one scrape interval
    /// earlier (15 s by Prometheus's default), so a compressed run's limit in
    /// real seconds (10 minutes at 1800× is a third of a second) would fire on
    /// scrape lag alone in a healthy run.
    static let silenceFloor = 60.0

    func rules(for criterion: Criterion) -> [Rule] {
        let failing = Self.negated(criterion.comparison)
        let threshold = formatNumber(criterion.threshold)
        let name =
            "Hedgeops"
            + criterion.id.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        let id = "criterion=\"\(criterion.id)\""
        let judged = "\(criterion.metric.rawValue) \(criterion.comparison.rawValue) \(threshold)"
        func rule(_ alert: String, _ expr: String, _ severity: String, _ summary: String, _ detail: String) -> Rule {
            Rule(
                alert: alert, expr: expr, severity: severity, criterion: criterion.id,
                summary: "\(Self.who): \(summary)",
                description: "\(detail) Value {{ $value }}. The pass criterion \"\(criterion.title)\" needs \(judged).")
        }
        func pattern(_ id: String) -> String { "hedgeops_log_matches_total\(selector("pattern=\"\(id)\""))" }
        switch criterion.metric {
        case .memoryRatio:
            return [
                rule(
                    name,
                    "hedgeops_memory_projected_ratio\(selector()) \(failing) \(threshold) or on(run_id) "
                        + "hedgeops_criterion_value\(selector(id)) \(failing) \(threshold)",
                    "warning", "memory projected past \(threshold)× hour 0",
                    "The memory trend projects the end of the run at this multiple of the hour-0 baseline "
                        + "(or the final checkpoint measured it).")
            ]
        case .wsReconnects:
            return [
                rule(
                    name, "\(pattern(CriteriaEvaluator.reconnectsPattern)) \(failing) \(threshold)", "page",
                    "WebSocket reconnects past the limit", "WebSocket reconnects counted in the executor's log.")
            ]
        case .errorRate:
            let operations = criterion.operations.joined(separator: "|")
            let expr =
                "sum without(pattern) (\(pattern(CriteriaEvaluator.errorsPattern))) / sum without(pattern) "
                + "(hedgeops_log_matches_total\(selector("pattern=~\"\(operations)\""))) \(failing) \(threshold)"
            return [
                rule(
                    name, expr, "warning", "error rate past the limit",
                    "Errors per operation (\(criterion.operations.joined(separator: " + "))) in the executor's log.")
            ]
        case .fullDuration:
            return [
                rule(
                    name,
                    // Stopped by hedgeops at the planned end is no crash, before the verdict says so too.
                    "hedgeops_executor_up\(selector()) == 0 unless on(run_id) "
                        + "(hedgeops_criterion_pass\(selector(id)) == 1 or hedgeops_run_elapsed_seconds\(selector()) "
                        + ">= on(run_id) hedgeops_run_planned_seconds\(selector()))",
                    "page", "the executor is gone before the planned end",
                    "The executor's process tree ended, and not at the planned end.")
            ]
        case .errorLock:
            let silenceLimit = formatNumber(checklist.run.silenceLimit)
            return [
                rule(
                    name, "\(pattern(CriteriaEvaluator.errorLockPattern)) \(failing) \(threshold)", "page",
                    "ERROR_LOCK in the executor's log", "ERROR_LOCK lines counted in the executor's log."),
                rule(
                    name + "LogSilent",
                    "time() - hedgeops_log_last_line_timestamp_seconds\(selector()) > "
                        + "clamp_min(\(silenceLimit) / hedgeops_run_time_scale\(selector()), "
                        + "\(formatNumber(Self.silenceFloor))) "
                        + "and on(run_id) hedgeops_executor_up\(selector()) == 1",
                    "page", "the executor's log is silent: is it stuck?",
                    "Real seconds since the log's last line, past the checklist's silence limit "
                        + "(\(formatNumber(checklist.run.silenceLimit / 60)) min of run time)."),
            ]
        case .cpuAverage:
            return [
                rule(
                    name,
                    "hedgeops_executor_cpu_average_ratio\(selector()) \(failing) \(formatNumber(criterion.threshold / 100))",
                    "warning", "average CPU past the limit",
                    "Average CPU of the executor's tree after the warm-up, in cores.")
            ]
        }
    }

    /// The PromQL comparison that holds exactly when `comparison` does not.
    static func negated(_ comparison: Criterion.Comparison) -> String {
        switch comparison {
        case .lessThan: ">="
        case .atMost: ">"
        case .equal: "!="
        case .atLeast: "<"
        case .greaterThan: "<="
        }
    }

    /// The rule file (YAML), for `promtool check rules` and Prometheus's `rule_files`.
    public var yaml: String {
        var out = """
            # Prometheus alerting rules for the checklist \(Self.quoted(checklist.id)): \(checklist.title)
            # One alert per pass criterion, over the series `hedgeops run --metrics-listen` serves.
            # Generated by `hedgeops checklist rules`; regenerate rather than edit.
            groups:
              - name: \(Self.quoted("hedgeops-" + checklist.id))
                rules:

            """
        for rule in rules {
            out += """
                      - alert: \(rule.alert)
                        expr: \(Self.quoted(rule.expr))
                        labels:
                          severity: \(rule.severity)

                """
            if !rule.criterion.isEmpty { out += "          criterion: \(Self.quoted(rule.criterion))\n" }
            out += """
                        annotations:
                          summary: \(Self.quoted(rule.summary))
                          description: \(Self.quoted(rule.description))

                """
        }
        return out
    }

    /// A YAML double-quoted scalar: a JSON string is one (YAML 1.2), so the
    /// journal's encoder writes it.
    static func quoted(_ text: String) -> String { JSONValue.string(text).serialized }
}
