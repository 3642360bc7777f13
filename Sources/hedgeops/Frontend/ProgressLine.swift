import Foundation
import HedgeOpsKit

/// One line of where the run stands: the session's status line and `run`'s
/// live line. When the terminal is narrow, the fields no criterion reads go
/// first (the next checkpoint, the time left, CPU), and words shorten; errors,
/// reconnects and the WebSocket state stay, the criteria judge them.
struct ProgressLine {
    var elapsedHours: Double
    var plannedHours: Double
    var live: LiveFigures?
    var nextCheckpointHour: Double?

    /// The line, as long as it needs to be, or at most `width` characters.
    func text(width: Int? = nil) -> String {
        guard let live else { return "elapsed \(Self.clock(elapsedHours)) · starting the executor…" }
        let counts = live.counts
        let errorLock = (counts[CriteriaEvaluator.errorLockPattern] ?? 0) > 0
        // (full, short, kept when narrow) in the order shown.
        var fields: [(String, String, Bool)] = [
            ("elapsed \(Self.clock(elapsedHours))", Self.clock(elapsedHours), true),
            (
                "left \(Self.clock(plannedHours - elapsedHours))", "left \(Self.clock(plannedHours - elapsedHours))",
                false
            ),
            ("RSS \(fixedPoint(live.rssMB, places: 1)) MB", "\(fixedPoint(live.rssMB, places: 0)) MB", true),
        ]
        if let cpu = live.cpuPercent {
            fields.append(("CPU \(fixedPoint(cpu, places: 1)) %", "CPU \(fixedPoint(cpu, places: 0))%", false))
        }
        let reconnects = counts["ws_reconnects"] ?? 0
        let errors = counts["errors"] ?? 0
        fields.append(("reconnects \(reconnects)", "rc \(reconnects)", true))
        fields.append(("errors \(errors)", "err \(errors)", true))
        if let ws = live.wsState { fields.append(("ws \(ws)", "ws \(ws)", true)) }
        if errorLock { fields.append(("ERROR_LOCK", "ERROR_LOCK", true)) }
        if let next = nextCheckpointHour {
            let text = "next h\(formatNumber(next)) in \(Self.clock(next - elapsedHours))"
            fields.append((text, text, false))
        }
        let full = fields.map(\.0).joined(separator: " · ")
        guard let width, full.count > width else { return full }
        // Dropped one at a time, the least needed first: next checkpoint, time left, CPU.
        var kept = fields
        for dropped in ["next ", "left ", "CPU "] {
            kept.removeAll { !$0.2 && $0.0.hasPrefix(dropped) }
            let long = kept.map(\.0).joined(separator: " · ")
            if long.count <= width { return long }
        }
        let short = kept.map(\.1).joined(separator: " ")
        return short.count <= width ? short : String(short.prefix(max(1, width - 1))) + "…"
    }

    static func clock(_ hours: Double) -> String {
        // Clamped: a figure read back from a journal is not trusted to fit an integer.
        let seconds = Int(min(max(0, hours.isFinite ? hours : 0), 1e6) * 3600)
        return [seconds / 3600, seconds / 60 % 60, seconds % 60].map { zeroPadded($0, width: 2) }.joined(separator: ":")
    }
}
