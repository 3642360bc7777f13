import Foundation
import HedgeOpsKit

/// What the session shows: hourly items, checklist, results, memory, log.
extension GuidedSession {
    func hourlyItems(_ due: HourlyReview.Due) -> String {
        var lines = [
            "\nhour \(formatNumber(due.hour)): the hourly items (`ok` to confirm, `flag TEXT` for the hour, "
                + "`flag ITEM TEXT` for one item)"
        ]
        for item in due.items {
            let miss = item.met == false ? "  <- NOT AS EXPECTED (\(item.expectation ?? ""))" : ""
            lines.append("  [ ] \(item.title) [\(item.id)]: \(item.measured)\(miss)")
        }
        return lines.joined(separator: "\n")
    }

    func help(_ command: String) {
        let entries = command.isEmpty ? Self.commandHelp : Self.commandHelp.filter { $0.0.hasPrefix(command) }
        guard !entries.isEmpty else {
            terminal.out("no command '\(command)'; help lists them")
            return
        }
        for (name, text) in entries {
            terminal.out("  \(name.padding(toLength: 11, withPad: " ", startingAt: 0)) \(text)")
        }
    }

    func showChecklist() {
        guard let folder = runFolder, let recorded = try? RunReader(folder: folder) else { return }
        let checks = Dictionary(recorded.latestChecks.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        let answers = Dictionary(recorded.answers.map { ($0.id, $0.answer) }, uniquingKeysWith: { $1 })
        for section in checklist.preflight {
            terminal.out(section.title)
            for item in section.items {
                let state =
                    answers[item.id].map { "answered: \($0)" }
                    ?? checks[item.id].map { $0.status.uppercased() + ": " + $0.detail }
                    ?? "-"
                let done = answers[item.id] != nil || checks[item.id]?.status == "pass"
                terminal.out("  [\(done ? "x" : " ")] \(item.title): \(state)")
            }
        }
        terminal.out("hourly items recorded: \(recorded.hourly.count)")
    }

    func showResults() {
        guard let folder = runFolder, let results = try? RunResults(path: folder + "/results.json") else {
            terminal.out("no results yet: they are written at the first checkpoint")
            return
        }
        terminal.out("verdict so far: \(results.verdict)")
        for criterion in results.criteria {
            terminal.out("  \(criterion.passed ? "PASS" : "FAIL")  \(criterion.id): \(criterion.detail)")
        }
    }

    func status() {
        guard let folder = runFolder, let status = try? RunStatus(folder: folder, checklist: checklist) else {
            return
        }
        terminal.out(
            String(
                format: "run %@: %.2f h of %.0f h; rss %@; errors %d, reconnects %d; projected %@", status.runID,
                status.elapsedHours ?? 0,
                status.plannedHours, status.rssMB.map { String(format: "%.1f MB", $0) } ?? "-",
                status.counts["errors"] ?? 0,
                status.counts["ws_reconnects"] ?? 0, status.projectedVerdict ?? "-"))
    }

    /// The checkpoints (median of their window, change since hour 0), the
    /// latest sample, and the trend with its projection.
    func memory() {
        guard let folder = runFolder, let status = try? RunStatus(folder: folder, checklist: checklist) else {
            return
        }
        CheckpointTable(checkpoints: status.checkpoints).lines.forEach { terminal.out($0) }
        if let rss = status.rssMB { terminal.out(String(format: "  now    %9.1f MB   (latest sample)", rss)) }
        if let trend = CheckpointTable.trendLine(
            status.checkpoints, plannedHours: status.plannedHours, leakRatio: checklist.monitoring.leakRatio)
        {
            terminal.out(trend)
        }
    }

    func log(_ count: Int) {
        guard let folder = runFolder,
            let path = (try? RunResults(path: folder + "/results.json"))?.logFile,
            let text = try? String(contentsOfFile: path, encoding: .utf8)
        else {
            terminal.out("no executor log yet")
            return
        }
        text.split(separator: "\n").suffix(max(1, min(count, 200))).forEach { terminal.out(String($0)) }
    }

}
