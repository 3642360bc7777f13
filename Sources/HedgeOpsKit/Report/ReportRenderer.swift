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
        let checklist = record.results["checklist"] as? [String: Any] ?? [:]
        out.append(
            "Run `\(record.runID)`, checklist `\(checklist["id"] as? String ?? "?")` (sha256 `\((checklist["sha256"] as? String ?? "").prefix(16))…`), recorded by hedgeops."
        )
        if let task = record.checklist?.task, !task.isEmpty { out.append("\n**\(task)**") }
        out.append("")

        out.append("## Metrics to Track")
        out.append("")
        out.append("| Checkpoint | Memory (RSS, median) | vs Hour 0 | Note |")
        out.append("|---|---|---|---|")
        let baseline = record.baselineMB
        for checkpoint in record.checkpoints {
            let label = checkpoint["label"] as? String ?? ""
            let rss = RunRecord.number(checkpoint["rss_mb"])
            let value = rss.map { String(format: "%.1f MB", $0) } ?? "_____ (missed)"
            let hour = RunRecord.number(checkpoint["hour"]) ?? 0
            let change =
                hour > 0
                ? (rss.flatMap { r in baseline.map { String(format: "%+.1f %%", (r / $0 - 1) * 100) } } ?? "—") : "—"
            let note = (checkpoint["missed"] as? Bool == true ? "MISSED. " : "") + (checkpoint["note"] as? String ?? "")
            out.append("| \(label) | \(value) | \(change) | \(note) |")
        }
        if let window = record.baselineWindow {
            let samples = record.checkpoints.first { RunRecord.number($0["hour"]) == 0 }?["samples"] as? Int ?? 0
            out.append("")
            out.append(
                "Hour 0 (the baseline) is the median of \(samples) samples taken from "
                    + "\(RunRecord.clock(window.start)) to \(RunRecord.clock(window.end)) into the run, after the warm-up."
            )
        }
        let ratio = record.criteria.first { $0["metric"] as? String == "memory_ratio" }
        let leakText = record.checklist?.monitoring.leakText ?? "Memory Hour 8 should be < 1.5x Memory Hour 0"
        out.append("")
        out.append("**Leak Threshold**: \(leakText). Measured: \(describe(ratio)).")
        out.append("")

        out.append("## Results Documentation")
        out.append("")
        let started = record.results["started_at"] as? String ?? ""
        let hours =
            RunRecord.number(record.results["duration_s"]).map {
                $0 * (RunRecord.number(record.results["time_scale"]) ?? 1) / 3600
            } ?? 0
        let scale = RunRecord.number(record.results["time_scale"]) ?? 1
        out.append("**Date**: \(started.prefix(10)) (started \(started))")
        out.append("")
        out.append(
            String(
                format: "**Duration**: %.2f hours%@", hours,
                scale == 1
                    ? ""
                    : String(
                        format: " (compressed: time scale %@, %.1f s of real time)", String(describing: scale),
                        RunRecord.number(record.results["duration_s"]) ?? 0)))
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
        let end = record.results["end"] as? [String: Any]
        out.append("- End of run: \(end?["detail"] as? String ?? "not ended")")
        for note in record.events("note") {
            out.append("- \(note["text"] as? String ?? "") (\(note["at"] as? String ?? ""))")
        }
        for warning in record.events("warning") + record.events("silence") {
            out.append("- Warning: \(warning["message"] as? String ?? "")")
        }
        out.append("")

        out.append("## Pass Criteria")
        out.append("")
        out.append("| Result | Criterion | Value | Threshold | Detail |")
        out.append("|---|---|---|---|---|")
        for criterion in record.criteria {
            let passed = criterion["passed"] as? Bool == true
            let value = RunRecord.number(criterion["value"]).map { String(format: "%.4g", $0) } ?? "not measured"
            let threshold =
                "\(criterion["op"] as? String ?? "") \(RunRecord.number(criterion["threshold"]).map { String(format: "%g", $0) } ?? "")"
            out.append(
                "| \(passed ? "PASS" : "**FAIL**") | \(criterion["title"] as? String ?? "") | \(value) | \(threshold) | \(criterion["detail"] as? String ?? "") |"
            )
        }
        out.append("")

        if let trend = record.checkpoints.last(where: { $0["trend"] is [String: Any] })?["trend"] as? [String: Any] {
            out.append("## Leak trend")
            out.append("")
            out.append(
                String(format: "- Least-squares slope: %+.2f MB/h", RunRecord.number(trend["slope_mb_per_h"]) ?? 0))
            if let sen = RunRecord.number(trend["sen_slope_mb_per_h"]) {
                out.append(
                    String(
                        format: "- Sen's slope (window minima): %+.2f MB/h; Mann–Kendall Z %.2f%@", sen,
                        RunRecord.number(trend["mann_kendall_z"]) ?? 0,
                        trend["rising"] as? Bool == true ? " (significant rise)" : ""))
            }
            out.append(
                String(
                    format: "- Projected end of run: %.1f MB (%.2f× hour 0)",
                    RunRecord.number(trend["projected_final_mb"]) ?? 0, RunRecord.number(trend["projected_ratio"]) ?? 0)
            )
            out.append("")
        }

        out.append("## Run parameters")
        out.append("")
        for (name, value) in (record.results["parameters"] as? [String: String] ?? [:]).sorted(by: { $0.key < $1.key })
        {
            out.append("- `\(name)` = `\(value)`")
        }
        out.append("")

        out.append("## Pre-flight and operator confirmations")
        out.append("")
        // A parameter checked again at the launch supersedes its pre-flight result.
        var checks: [[String: Any]] = []
        for check in record.events("check") {
            checks.removeAll { $0["id"] as? String == check["id"] as? String }
            checks.append(check)
        }
        for check in checks {
            let status = (check["status"] as? String ?? "").uppercased()
            out.append("- \(status) `\(check["id"] as? String ?? "")`: \(check["detail"] as? String ?? "")")
        }
        for answer in record.events("answer") {
            let text = answer["answer"] as? String ?? "not confirmed by operator"
            let source = answer["source"] as? String ?? "operator"
            // Only a person at the prompt confirms; --yes and answers files are automatic, and say so.
            let who = source == "operator" ? "Operator" : source == "none" ? "Nobody" : "Automatic"
            let by = source == "operator" || source == "none" ? "" : ", by \(source)"
            out.append("- \(who), `\(answer["id"] as? String ?? "")`: \(text)\(by)")
        }
        let hourly = record.events("hourly")
        let reviewed = hourly.contains { ($0["answer"] as? String ?? "") != "not confirmed by operator" }
        if !reviewed { out.append("- Hourly items: not reviewed by an operator (recorded as measured, unconfirmed)") }
        for item in hourly {
            let hour = RunRecord.number(item["hour"]).map { String(format: "%g", $0) } ?? "?"
            let miss =
                item["met"] as? Bool == false ? " **NOT AS EXPECTED** (\(item["expectation"] as? String ?? ""))" : ""
            out.append(
                "- Hour \(hour) `\(item["id"] as? String ?? "")`: \(item["measured"] as? String ?? "-")\(miss): "
                    + (item["answer"] as? String ?? "not confirmed by operator"))
        }
        out.append("")

        out.append("## TESTNET evidence")
        out.append("")
        if let gate = record.events("testnet_gate").first {
            let hosts = (gate["hosts"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }.map {
                "\($0.key) `\($0.value)`"
            }
            out.append(
                "- Gate: \(gate["allowed"] as? Bool == true ? "allowed" : "REFUSED"); flag `\(gate["flag"] as? String ?? "")`; hosts \(hosts.joined(separator: ", "))"
            )
        }
        out.append("")

        let failed = record.criteria.filter { $0["passed"] as? Bool != true }
        if !failed.isEmpty, let hints = record.checklist?.failureAnalysis, !hints.isEmpty {
            out.append("## Failure Analysis")
            out.append("")
            for (index, hint) in hints.enumerated() { out.append("\(index + 1). \(hint.title): \(hint.hint)") }
            out.append("")
        }
        out.append("---")
        out.append("")
        out.append("Journal SHA-256: `\(record.results["journal_sha256"] as? String ?? "-")`")
        if let signer { out.append("Signed by key `\(signer)` (SSHSIG, namespace hedgeops).") }
        return out.joined(separator: "\n") + "\n"
    }

    /// The checklist's Summary lines ("Memory Leak: PASS/FAIL"), from the checklist's mapping.
    static func summaryLines(_ record: RunRecord) -> [String] {
        let byID = Dictionary(
            uniqueKeysWithValues: record.criteria.compactMap { c in (c["id"] as? String).map { ($0, c) } })
        let lines =
            record.checklist?.results.summary ?? [
                SummaryLine(label: "Memory Leak", criteria: ["memory-leak"]),
                SummaryLine(label: "WS Stability", criteria: ["ws-stability"]),
                SummaryLine(label: "Error Rate", criteria: ["error-rate"]),
            ]
        return lines.map { line in
            let results = line.criteria.compactMap { byID[$0] }
            let passed = !results.isEmpty && results.allSatisfy { $0["passed"] as? Bool == true }
            return "\(line.label): \(passed ? "PASS" : "FAIL")"
        }
    }

    private static func describe(_ criterion: [String: Any]?) -> String {
        guard let criterion else { return "not measured" }
        let verdict = criterion["passed"] as? Bool == true ? "PASS" : "FAIL"
        return "\(criterion["detail"] as? String ?? ""), \(verdict)"
    }
}
