import Foundation
import HedgeOpsKit

/// The line printed at each checkpoint (hours 0/1/2/4/6/8): one line when
/// it fits, else its fields over several, each field whole. The figures a
/// criterion reads (memory and its growth, errors, reconnects) come first,
/// so the first line keeps them on a narrow terminal.
struct CheckpointLine {
    let record: CheckpointRecord
    let baselineMB: Double?
    let leakRatio: Double
    let durationHours: Double
    let terminal: Terminal

    /// Continuation lines start under the memory figure.
    static let indent = "     "

    /// The fields in the order they are read; a field is never cut.
    var fields: [String] {
        var hour = "h\(Self.formatted(record.hour))"
        hour += String(repeating: " ", count: max(0, 4 - hour.count))
        guard !record.missed, let rss = record.rssMB else {
            return [hour, "\(record.label):", "MISSED", "(\(record.note ?? "no sample"))"]
        }
        var memory = "\(hour) rss \(fixedPoint(rss, places: 1, width: 7)) MB"
        if let baselineMB, record.hour > 0 {
            memory += " (\(fixedPoint((rss / baselineMB - 1) * 100, places: 1, sign: true)) %)"
        }
        var fields = [memory]
        if let cpu = record.cpuPercent { fields.append("cpu \(fixedPoint(cpu, places: 1, width: 5)) %") }
        fields.append("reconnects \(record.counts["ws_reconnects"] ?? 0)")
        fields.append("errors \(record.counts["errors"] ?? 0)")
        if let ws = record.wsState { fields.append("ws \(ws)") }
        if record.errorLockSeen { fields.append(terminal.paint("ERROR_LOCK", .boldRed)) }
        if let trend = record.trend, record.hour > 0 {
            var text =
                "trend \(fixedPoint(trend.slopeMBPerHour, places: 1, sign: true)) MB/h -> "
                + "h\(Self.formatted(durationHours)) \(fixedPoint(trend.projectedFinalMB, places: 1)) MB"
            if let ratio = trend.projectedRatio {
                let shown = " (\(fixedPoint(ratio, places: 2))×)"
                text += ratio >= leakRatio ? terminal.paint(shown, .red) : shown
            }
            fields.append(text)
        }
        return fields
    }

    /// The line at `width` columns (nil: one line, for a file or a pipe).
    /// When it must shrink, the CPU figure moves after the criteria's, then
    /// lines break between fields.
    func lines(width: Int?) -> [String] {
        var fields = fields
        let whole = fields.joined(separator: "  ")
        guard let width, TextWrap.visibleCount(whole) > width, !record.missed else { return [whole] }
        if let cpu = fields.firstIndex(where: { $0.hasPrefix("cpu ") }) {
            let moved = fields.remove(at: cpu)
            let after = fields.lastIndex { $0.hasPrefix("errors ") } ?? fields.count - 1
            fields.insert(moved, at: after + 1)
        }
        var lines = [fields[0]]
        for field in fields.dropFirst() {
            let joined = lines[lines.count - 1] + "  " + field
            if TextWrap.visibleCount(joined) <= width {
                lines[lines.count - 1] = joined
            } else {
                lines.append(Self.indent + field)
            }
        }
        return lines
    }

    /// An hour or a scale as the run's lines show it: whole, or with two decimals.
    static func formatted(_ value: Double) -> String {
        value == value.rounded() ? formatNumber(value) : fixedPoint(value, places: 2)
    }
}

/// The pass criteria and the verdict, as `run` and the session print them:
/// at a narrow width each detail wraps at word boundaries under itself, the
/// mark and the criterion's id kept on its first line.
struct VerdictTable {
    let criteria: [CriterionResult]
    let terminal: Terminal

    func lines(width: Int?) -> [String] {
        var lines = ["pass criteria:"]
        for criterion in criteria {
            let mark = criterion.passed ? terminal.paint("PASS", .green) : terminal.paint("FAIL", .red)
            let head = "  \(mark)  \(criterion.id.padding(toLength: 14, withPad: " ", startingAt: 0)) "
            let line = head + criterion.detail
            guard let width, TextWrap.visibleCount(line) > width else {
                lines.append(line)
                continue
            }
            let hanging = TextWrap.visibleCount(head)
            if hanging <= width / 2 {
                // The detail wraps under itself, beside the mark and the id.
                let detail = TextWrap.lines(
                    criterion.detail, width: width, indent: String(repeating: " ", count: hanging))
                lines.append(head + detail[0])
                lines += detail.dropFirst()
            } else {
                // A very narrow terminal: the detail on lines of its own.
                lines.append("  \(mark)  \(criterion.id)")
                lines += TextWrap.lines(criterion.detail, width: width, indent: "        ", indentFirst: true)
            }
        }
        return lines
    }
}
