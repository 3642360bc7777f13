import Foundation

/// The checklist's results sheet, filled in from what was recorded: "Metrics to
/// Track", "Results Documentation" with its Summary block, every criterion,
/// the trend, the parameters, what the operator confirmed, and the TESTNET
/// evidence. A FAIL says FAIL in every place the checklist has a Pass/Fail blank.
public enum ReportRenderer {
    public static func markdown(_ record: RunRecord, signer: String? = nil) -> String {
        var out: [String] = []
        let title = record.checklist?.title ?? "8-Hour Load Test Checklist - Bitunix HEDGE Execution"
        out.append(
            "# \(title): results" + (record.rehearsal.map { " (\($0.prefix(1).uppercased() + $0.dropFirst()))" } ?? ""))
        out.append("")
        if let rehearsal = record.rehearsal {
            out.append(
                "> **This was a rehearsal** (\(rehearsal)): the schedule was compressed, so it proves the workflow, "
                    + "not the executor's eight hours. It is not a release sign-off.")
            out.append("")
        }
        let checklist = record.results.checklist
        out.append(
            "Run `\(record.runID)`, checklist `\(checklist.id)` (sha256 `\(checklist.sha256.prefix(16))…`), recorded by hedgeops."
        )
        if let task = record.checklist?.task, !task.isEmpty { out.append("\n**\(task)**") }
        out.append("")

        out.append("## Metrics to Track")
        out.append("")
        out.append("| Checkpoint | Memory (RSS, median) | vs Hour 0 | Note |")
        out.append("|---|---|---|---|")
        let baseline = record.baselineMB
        for checkpoint in record.checkpoints {
            let rss = checkpoint.rssMB
            let value = rss.map { String(format: "%.1f MB", $0) } ?? "_____ (missed)"
            let change =
                checkpoint.hour > 0
                ? (rss.flatMap { r in baseline.map { String(format: "%+.1f %%", (r / $0 - 1) * 100) } } ?? "—") : "—"
            let note = (checkpoint.missed ? "MISSED. " : "") + (checkpoint.note ?? "")
            out.append("| \(checkpoint.label) | \(value) | \(change) | \(note) |")
        }
        if let window = record.baselineWindow {
            let samples = record.baseline?.samples ?? 0
            out.append("")
            out.append(
                "Hour 0 (the baseline) is the median of \(samples) samples taken from "
                    + "\(RunRecord.clock(window.start)) to \(RunRecord.clock(window.end)) into the run, after the warm-up."
            )
        }
        let ratio = record.criteria.first { $0.metric == "memory_ratio" }
        let leakText = record.checklist?.monitoring.leakText ?? "Memory Hour 8 should be < 1.5x Memory Hour 0"
        out.append("")
        out.append("**Leak Threshold**: \(leakText). Measured: \(describe(ratio)).")
        out.append("")

        out.append("## Results Documentation")
        out.append("")
        let started = record.results.startedAt
        let scale = record.results.timeScale
        let hours = record.results.durationSeconds * scale / 3600
        out.append("**Date**: \(started.prefix(10)) (started \(started))")
        out.append("")
        out.append(
            String(
                format: "**Duration**: %.2f hours%@", hours,
                scale == 1
                    ? ""
                    : String(
                        format: " (compressed: time scale %@, %.1f s of real time)", String(describing: scale),
                        record.results.durationSeconds)))
        out.append("")
        out.append("**Pass/Fail**: \(record.verdict)")
        out.append("")
        out.append("**Summary**:")
        out.append("```")
        for line in summaryLines(record) { out.append(line) }
        out.append("Overall: \(record.verdict)")
        out.append("```")
        out.append("")
        out.append("**Notes**:")
        out.append("- End of run: \(record.results.end?.detail ?? "not ended")")
        for (note, at) in record.reader?.notes ?? [] {
            out.append("- \(note.text) (\(at))")
        }
        for warning in record.reader?.warnings ?? [] {
            out.append("- Warning: \(warning)")
        }
        out.append("")

        out.append("## Pass Criteria")
        out.append("")
        out.append("| Result | Criterion | Value | Threshold | Detail |")
        out.append("|---|---|---|---|---|")
        for criterion in record.criteria {
            out.append(
                "| \(criterion.passed ? "PASS" : "**FAIL**") | \(criterion.title) | \(criterion.valueText) | "
                    + "\(criterion.thresholdText) | \(criterion.detail) |")
        }
        out.append("")

        out.append(contentsOf: witnessLines(record))

        if let trend = record.latestTrend {
            out.append("## Leak trend")
            out.append("")
            out.append(String(format: "- Least-squares slope: %+.2f MB/h", trend.slopeMBPerHour))
            if let sen = trend.senSlopeMBPerHour {
                out.append(
                    String(
                        format:
                            "- Sen's slope (window minima): %+.2f MB/h: the median of the slopes between every "
                            + "two points, which one spike cannot move"
                            + "\n- Mann–Kendall Z %.2f: how consistently memory rises over time (above 1.96 "
                            + "is a rise that chance explains less than 1 time in 20)%@",
                        sen, trend.mannKendallZ ?? 0, trend.rising ? ": a significant rise" : ""))
            }
            out.append(
                String(
                    format: "- Projected end of run: %.1f MB (%.2f× hour 0)", trend.projectedFinalMB,
                    trend.projectedRatio ?? 0))
            out.append("")
        }

        out.append("## Run parameters")
        out.append("")
        for (name, value) in record.results.parameters.sorted(by: { $0.key < $1.key }) {
            out.append("- `\(name)` = `\(value)`")
        }
        out.append("")

        out.append("## Pre-flight and operator confirmations")
        out.append("")
        // A parameter checked again at the launch supersedes its pre-flight result.
        for check in record.reader?.latestChecks ?? [] {
            out.append("- \(check.status.uppercased()) `\(check.id)`: \(check.detail)")
        }
        for answer in record.reader?.answers ?? [] {
            let source = answer.source
            // Only a person at the prompt confirms; --yes and answers files are automatic, and say so.
            let who = source == "operator" ? "Operator" : source == "none" ? "Nobody" : "Automatic"
            let by = source == "operator" || source == "none" ? "" : ", by \(source)"
            out.append("- \(who), `\(answer.id)`: \(answer.answer)\(by)")
        }
        let hourly = record.reader?.hourly ?? []
        let reviewed = hourly.contains { $0.answer != HourlyReview.unconfirmed }
        if !reviewed { out.append("- Hourly items: not reviewed by an operator (recorded as measured, unconfirmed)") }
        for item in hourly {
            let miss = item.met == false ? " **NOT AS EXPECTED** (\(item.expectation ?? ""))" : ""
            out.append(
                "- Hour \(String(format: "%g", item.hour)) `\(item.id)`: \(item.measured)\(miss): \(item.answer)")
        }
        out.append("")

        out.append("## TESTNET evidence")
        out.append("")
        if let gate = record.reader?.gate {
            let hosts = gate.hosts.sorted { $0.key < $1.key }.map { "\($0.key) `\($0.value)`" }
            out.append(
                "- Gate: \(gate.allowed ? "allowed" : "REFUSED"); flag `\(gate.flag)`; hosts \(hosts.joined(separator: ", "))"
            )
        }
        out.append("")

        let failed = record.criteria.filter { !$0.passed }
        if !failed.isEmpty, let hints = record.checklist?.failureAnalysis, !hints.isEmpty {
            out.append("## Failure Analysis")
            out.append("")
            for (index, hint) in hints.enumerated() { out.append("\(index + 1). \(hint.title): \(hint.hint)") }
            out.append("")
        }
        out.append("---")
        out.append("")
        out.append("Journal SHA-256: `\(record.results.journalSHA256 ?? "-")`")
        if let signer { out.append("Signed by key `\(signer)` (SSHSIG, namespace hedgeops).") }
        return out.joined(separator: "\n") + "\n"
    }

    /// The checklist's Summary lines ("Memory Leak: PASS/FAIL"), from the checklist's mapping.
    static func summaryLines(_ record: RunRecord) -> [String] {
        let byID = Dictionary(record.criteria.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let lines =
            record.checklist?.results.summary ?? [
                SummaryLine(label: "Memory Leak", criteria: ["memory-leak"]),
                SummaryLine(label: "WS Stability", criteria: ["ws-stability"]),
                SummaryLine(label: "Error Rate", criteria: ["error-rate"]),
            ]
        return lines.map { line in
            let results = line.criteria.compactMap { byID[$0] }
            let passed = !results.isEmpty && results.allSatisfy(\.passed)
            return "\(line.label): \(passed ? "PASS" : "FAIL")"
        }
    }

    private static func describe(_ criterion: CriterionResult?) -> String {
        guard let criterion else { return "not measured" }
        return "\(criterion.detail), \(criterion.passed ? "PASS" : "FAIL")"
    }
}
