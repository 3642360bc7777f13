import Foundation

/// `memory.svg`: memory over time in hours, one point per sample, the
/// checkpoints marked, the 1.5× hour-0 line and the fitted trend.
public enum MemoryChart {
    /// A round step near `raw`: 1, 2 or 5 times a power of ten.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let residual = raw / magnitude
        return (residual > 5 ? 10 : residual > 2 ? 5 : residual > 1 ? 2 : 1) * magnitude
    }

    static func tick(_ value: Double, step: Double) -> String {
        step >= 1 ? String(Int(value.rounded())) : String(format: "%.\(Int(-log10(step).rounded(.up)))f", value)
    }

    /// Index ranges of samples taken without a gap: a pause longer than five
    /// times the usual spacing starts a new segment.
    static func segments(_ hours: [Double]) -> [Range<Int>] {
        guard hours.count > 1 else { return hours.isEmpty ? [] : [0..<1] }
        let spacings = zip(hours, hours.dropFirst()).map { $1 - $0 }.sorted()
        let usual = spacings[spacings.count / 2]
        var result: [Range<Int>] = []
        var start = 0
        for index in 1..<hours.count where hours[index] - hours[index - 1] > max(5 * usual, 1e-9) {
            result.append(start..<index)
            start = index
        }
        result.append(start..<hours.count)
        return result
    }

    public static func svg(_ record: RunRecord, leakRatio: Double = 1.5) -> String {
        let width = 860.0, height = 420.0
        let left = 70.0, right = 30.0, top = 50.0, bottom = 55.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let plannedHours = record.results.plannedDurationSeconds / 3600
        let baseline = record.baselineMB
        let threshold = baseline.map { $0 * leakRatio }
        let trend = record.latestTrend
        let projected = trend?.projectedFinalMB
        // The scale follows the run, not its first milliseconds: start-up
        // samples below the 2nd percentile are drawn at the bottom edge.
        let sorted = record.samples.map(\.rssMB).sorted()
        let floor = sorted.isEmpty ? 0 : sorted[sorted.count / 50]
        let values = [floor] + sorted.filter { $0 >= floor } + [threshold, projected, baseline].compactMap { $0 }
        // Round ticks: a step of 1, 2 or 5 × 10^k, the axis ends on steps.
        let rawLow = max(0, (values.min() ?? 0) * 0.95), rawHigh = max((values.max() ?? 1) * 1.03, rawLow + 1)
        let step = niceStep((rawHigh - rawLow) / 5)
        let low = (rawLow / step).rounded(.down) * step, high = (rawHigh / step).rounded(.up) * step
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
            ##"<text x="\##(f(left))" y="24" font-size="15" font-weight="bold">Memory (RSS) of run \##(escape(record.runID)): \##(escape(record.verdict))\##(record.rehearsal.map { " (" + escape($0) + ")" } ?? "")</text>"##
        )
        // Axes and grid.
        svg.append(##"<g stroke="#ccc" stroke-width="1">"##)
        for hour in stride(from: 0.0, through: plannedHours, by: max(1, (plannedHours / 8).rounded())) {
            svg.append(
                ##"<line x1="\##(f(x(hour)))" y1="\##(f(top))" x2="\##(f(x(hour)))" y2="\##(f(top + plotHeight))"/>"##)
        }
        for mb in stride(from: low + step, to: high - step / 2, by: step) {
            svg.append(
                ##"<line x1="\##(f(left))" y1="\##(f(y(mb)))" x2="\##(f(left + plotWidth))" y2="\##(f(y(mb)))" stroke="#eee"/>"##
            )
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
        for mb in stride(from: low, through: high + step / 2, by: step) {
            svg.append(
                ##"<text x="\##(f(left - 8))" y="\##(f(y(mb) + 4))" text-anchor="end">\##(tick(mb, step: step))</text>"##
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
        // Where hour 0 was measured: the baseline is this window's median, not a start-up blip.
        if let window = record.baselineWindow {
            svg.append(
                ##"<rect id="baseline-window" x="\##(f(x(window.start)))" y="\##(f(top))" width="\##(f(max(1, x(window.end) - x(window.start))))" height="\##(f(plotHeight))" fill="#2471a3" fill-opacity="0.12"/>"##
            )
            svg.append(
                ##"<text x="\##(f(x(window.end) + 4))" y="\##(f(top + plotHeight - 6))" fill="#2471a3">hour 0 = median of this window</text>"##
            )
        }
        // The samples: one point each, and a gap where none were taken (hedgeops
        // was down, or the disk refused them): a line across it would be invented.
        svg.append(##"<g id="samples" fill="none" stroke="#2471a3" stroke-width="1.5">"##)
        for segment in segments(record.samples.map(\.hour)) {
            let points = record.samples[segment].map { "\(f(x($0.hour))),\(f(y($0.rssMB)))" }.joined(separator: " ")
            svg.append(##"<polyline class="samples" points="\##(points)"/>"##)
        }
        svg.append("</g>")
        // The fitted trend, from its slope, ending at the projection.
        if let slope = trend?.slopeMBPerHour, let projected {
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
            guard let rss = checkpoint.rssMB else { continue }
            let hour = checkpoint.hour
            let missed = checkpoint.missed
            svg.append(
                ##"<circle class="checkpoint" cx="\##(f(x(hour)))" cy="\##(f(y(rss)))" r="5" fill="\##(missed ? "white" : "#e67e22")" stroke="#e67e22" stroke-width="2"/>"##
            )
            // Labels at the ends lean inwards, off the axes.
            let anchor = hour <= 0 ? "start" : hour >= plannedHours ? "end" : "middle"
            let labelX = x(hour) + (hour <= 0 ? 6 : hour >= plannedHours ? -6 : 0)
            svg.append(
                ##"<text class="checkpoint-label" x="\##(f(labelX))" y="\##(f(y(rss) - 10))" text-anchor="\##(anchor)" fill="#a04000">h\##(formatNumber(hour)) \##(f(rss))\##(missed ? " (missed)" : "")</text>"##
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
