import Foundation
import HedgeOpsKit

/// The checkpoints as a table: what the operator reads at hour 5 (`memory`)
/// and what the demo ends with.
struct CheckpointTable {
    let checkpoints: [CheckpointRecord]

    var lines: [String] {
        let base = checkpoints.first { $0.hour == 0 && !$0.missed }?.rssMB
        var lines = ["  hour   RSS (median)   vs h0    CPU      reconnects  errors  samples"]
        for checkpoint in checkpoints {
            let hour = "h\(formatNumber(checkpoint.hour))".padding(toLength: 5, withPad: " ", startingAt: 0)
            guard let rss = checkpoint.rssMB, !checkpoint.missed else {
                lines.append("  \(hour)  missed: \(checkpoint.note ?? "no sample")")
                continue
            }
            let change = base.map { String(format: "%+6.1f %%", (rss / $0 - 1) * 100) } ?? "     -  "
            let cpu = checkpoint.cpuPercent.map { String(format: "%5.1f %%", $0) } ?? "    -  "
            lines.append(
                String(
                    format: "  %@  %9.1f MB   %@   %@  %10d  %6d  %7d", hour, rss, change, cpu,
                    checkpoint.counts["ws_reconnects"] ?? 0, checkpoint.counts["errors"] ?? 0, checkpoint.samples))
        }
        return lines
    }

    /// The latest trend and its projection against the leak limit.
    static func trendLine(_ checkpoints: [CheckpointRecord], plannedHours: Double, leakRatio: Double) -> String? {
        guard let trend = checkpoints.last(where: { $0.trend != nil })?.trend else { return nil }
        var line = String(format: "  trend %+.2f MB/h (least squares)", trend.slopeMBPerHour)
        if let sen = trend.senSlopeMBPerHour {
            line += String(format: ", Sen %+.2f MB/h (median of pairwise slopes)", sen)
        }
        line += String(format: "; projected h%@ %.1f MB", formatNumber(plannedHours), trend.projectedFinalMB)
        if let ratio = trend.projectedRatio {
            line += String(format: " = %.2f× hour 0 (limit %.2f×)", ratio, leakRatio)
        }
        if trend.rising { line += "; a steady rise (Mann-Kendall test: not chance)" }
        return line
    }
}
