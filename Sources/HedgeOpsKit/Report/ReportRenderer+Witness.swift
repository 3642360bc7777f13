import Foundation

extension ReportRenderer {
    /// The independent witness's section: what hedgeops's own subscription
    /// to the public stream saw, checkpoint by checkpoint, beside what the
    /// executor logged. Empty when no witness watched the run.
    static func witnessLines(_ record: RunRecord) -> [String] {
        let figures = record.reader?.witness ?? []
        guard let first = figures.first else { return [] }
        var out = ["## Independent witness", ""]
        out.append(
            "hedgeops watched `\(first.url)` (\(first.channel) \(first.symbol)) itself during the run; "
                + "a gap is a silence of more than \(formatNumber(first.gapThresholdSeconds)) s of real time.")
        out.append("")
        out.append(
            "| When | Pushes | Per minute | Gaps (longest) | Drops seen | Reconnects seen | Executor logged reconnects | Executor logged drops |"
        )
        out.append("|---|---|---|---|---|---|---|---|")
        for figure in figures {
            let when =
                figure.final ? "End (h\(String(format: "%.2f", figure.hour)))" : "Hour \(formatNumber(figure.hour))"
            let executorReconnects = figure.executorReconnects.map(String.init) ?? "—"
            let executorDrops = figure.executorDrops.map(String.init) ?? "—"
            out.append(
                "| \(when) | \(figure.messages) | \(String(format: "%.1f", figure.messagesPerMinute)) | "
                    + "\(figure.gaps) (\(String(format: "%.1f", figure.longestGapSeconds)) s) | \(figure.drops) | "
                    + "\(figure.reconnects) | \(executorReconnects) | \(executorDrops) |")
        }
        if let last = figures.last {
            if let problem = last.problem { out.append(""); out.append("Witness: \(problem).") }
            if let logged = last.executorReconnects, logged != last.reconnects {
                out.append("")
                out.append(
                    "**The executor logged \(logged) reconnects; the witness saw \(last.drops) drops and "
                        + "\(last.reconnects) reconnects.**")
            }
        }
        out.append("")
        return out
    }
}
