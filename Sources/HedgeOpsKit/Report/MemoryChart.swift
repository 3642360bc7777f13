import Foundation

/// `memory.svg`: memory over time in hours, one point per sample, the
/// checkpoints marked, the 1.5× hour-0 line and the fitted trend.
public enum MemoryChart {
    public static func svg(_ record: RunRecord, leakRatio: Double = 1.5) -> String {
        let width = 860.0, height = 420.0
        let left = 70.0, right = 30.0, top = 50.0, bottom = 55.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let plannedHours = (RunRecord.number(record.results["planned_duration_s"]) ?? 8 * 3600) / 3600
        let baseline = record.baselineMB
        let threshold = baseline.map { $0 * leakRatio }
        let trend = record.checkpoints.last { $0["trend"] is [String: Any] }?["trend"] as? [String: Any]
        let projected = RunRecord.number(trend?["projected_final_mb"])
        // The scale follows the run, not its first milliseconds: start-up
        // samples below the 2nd percentile are drawn at the bottom edge.
        let sorted = record.samples.map(\.rssMB).sorted()
        let floor = sorted.isEmpty ? 0 : sorted[sorted.count / 50]
        let values = [floor] + sorted.filter { $0 >= floor } + [threshold, projected, baseline].compactMap { $0 }
        let low = max(0, (values.min() ?? 0) * 0.9), high = max((values.max() ?? 1) * 1.05, low + 1)
        func x(_ hour: Double) -> Double { left + plotWidth * min(max(hour / plannedHours, 0), 1) }
        func y(_ mb: Double) -> Double { top + plotHeight * (1 - min(max((mb - low) / (high - low), 0), 1)) }
        func f(_ value: Double) -> String { String(format: "%.1f", value) }

        var svg: [String] = []
        svg.append(##"<?xml version="1.0" encoding="UTF-8"?>"##)
        svg.append(
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" viewBox="0 0 \##(Int(width)) \##(Int(height))" font-family="sans-serif" font-size="12">"##
        )
        svg.append(##"<rect width="100%" height="100%" fill="white"/>"##)
        svg.append(
            ##"<text x="\##(f(left))" y="24" font-size="15" font-weight="bold">Memory (RSS) of run \##(escape(record.runID)): \##(escape(record.verdict))</text>"##
        )
        // Axes and grid.
        svg.append(##"<g stroke="#ccc" stroke-width="1">"##)
        for hour in stride(from: 0.0, through: plannedHours, by: max(1, (plannedHours / 8).rounded())) {
            svg.append(
                ##"<line x1="\##(f(x(hour)))" y1="\##(f(top))" x2="\##(f(x(hour)))" y2="\##(f(top + plotHeight))"/>"##)
        }
        svg.append("</g>")
        svg.append(##"<g fill="#333">"##)
        for hour in stride(from: 0.0, through: plannedHours, by: max(1, (plannedHours / 8).rounded())) {
            svg.append(
                ##"<text x="\##(f(x(hour)))" y="\##(f(top + plotHeight + 18))" text-anchor="middle">\##(formatNumber(hour))</text>"##
            )
        }
        svg.append(
            ##"<text x="\##(f(left + plotWidth / 2))" y="\##(f(height - 10))" text-anchor="middle">hours</text>"##)
        for step in 0...5 {
            let mb = low + (high - low) * Double(step) / 5
            svg.append(
                ##"<text x="\##(f(left - 8))" y="\##(f(y(mb) + 4))" text-anchor="end">\##(formatNumber(mb.rounded()))</text>"##
            )
        }
        svg.append(
            ##"<text x="16" y="\##(f(top + plotHeight / 2))" transform="rotate(-90 16 \##(f(top + plotHeight / 2)))" text-anchor="middle">MB</text>"##
        )
        svg.append("</g>")
        svg.append(
            ##"<rect x="\##(f(left))" y="\##(f(top))" width="\##(f(plotWidth))" height="\##(f(plotHeight))" fill="none" stroke="#666"/>"##
        )
        // The leak threshold.
        if let threshold {
            svg.append(
                ##"<line id="threshold" x1="\##(f(left))" y1="\##(f(y(threshold)))" x2="\##(f(left + plotWidth))" y2="\##(f(y(threshold)))" stroke="#c0392b" stroke-dasharray="6 4" stroke-width="1.5"/>"##
            )
            svg.append(
                ##"<text x="\##(f(left + plotWidth - 4))" y="\##(f(y(threshold) - 6))" text-anchor="end" fill="#c0392b">\##(String(format: "%.1f", leakRatio))× hour 0 = \##(f(threshold)) MB</text>"##
            )
        }
        // The samples: one point each.
        let points = record.samples.map { "\(f(x($0.hour))),\(f(y($0.rssMB)))" }.joined(separator: " ")
        svg.append(##"<polyline id="samples" fill="none" stroke="#2471a3" stroke-width="1.5" points="\##(points)"/>"##)
        // The fitted trend, from its slope, ending at the projection.
        if let slope = RunRecord.number(trend?["slope_mb_per_h"]), let projected {
            let startHour = 0.0, startMB = projected - slope * plannedHours
            svg.append(
                ##"<line id="trend" x1="\##(f(x(startHour)))" y1="\##(f(y(startMB)))" x2="\##(f(x(plannedHours)))" y2="\##(f(y(projected)))" stroke="#7d3c98" stroke-width="1.5" stroke-dasharray="2 3"/>"##
            )
            svg.append(
                ##"<text x="\##(f(left + 6))" y="\##(f(top + 16))" fill="#7d3c98">trend \##(String(format: "%+.2f", slope)) MB/h, projected \##(f(projected)) MB</text>"##
            )
        }
        // Checkpoints.
        for checkpoint in record.checkpoints {
            guard let hour = RunRecord.number(checkpoint["hour"]), let rss = RunRecord.number(checkpoint["rss_mb"])
            else { continue }
            let missed = checkpoint["missed"] as? Bool == true
            svg.append(
                ##"<circle class="checkpoint" cx="\##(f(x(hour)))" cy="\##(f(y(rss)))" r="5" fill="\##(missed ? "white" : "#e67e22")" stroke="#e67e22" stroke-width="2"/>"##
            )
            svg.append(
                ##"<text x="\##(f(x(hour)))" y="\##(f(y(rss) - 10))" text-anchor="middle" fill="#a04000">h\##(formatNumber(hour)) \##(f(rss))\##(missed ? " (missed)" : "")</text>"##
            )
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
