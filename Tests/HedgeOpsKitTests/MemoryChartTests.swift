import Foundation
import Testing

@testable import HedgeOpsKit

/// The chart a reviewer looks at never draws what was not measured, and its
/// axis reads in round numbers.
struct MemoryChartTests {
    /// A run folder with `samples` as samples.csv and a minimal results.json.
    func record(samples: [(Double, Double)], extra: [String: Any] = [:]) throws -> RunRecord {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "chart-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var csv = "hour,at,rss_mb,rss_anon_mb,swap_mb,cpu_pct,threads,open_files,processes\n"
        for (hour, mb) in samples { csv += "\(hour),x,\(mb),0,0,1,1,1,1\n" }
        try csv.write(toFile: folder + "/samples.csv", atomically: true, encoding: .utf8)
        var results: [String: Any] = [
            "run_id": "r1", "verdict": "PASS", "planned_duration_s": 8 * 3600,
            "checklist": ["path": "c.yaml", "sha256": "s", "id": "c"],
            "checkpoints": [["hour": 0, "rss_mb": 71.3, "window_start_h": 0.1, "window_end_h": 0.2]],
        ]
        results.merge(extra) { $1 }
        try JSONSerialization.data(withJSONObject: results).write(to: URL(fileURLWithPath: folder + "/results.json"))
        return try RunRecord(folder: folder)
    }

    func polylines(_ svg: String) -> [String] {
        svg.components(separatedBy: "<polyline class=\"samples\" points=\"").dropFirst().map {
            String($0.prefix { $0 != "\"" })
        }
    }

    @Test func aStretchWithoutSamplesIsAGapNotALine() throws {
        let before = stride(from: 0.0, to: 3, by: 0.01).map { ($0, 70.0 + $0) }
        let after = stride(from: 5.0, to: 8, by: 0.01).map { ($0, 75.0 + $0) }
        let svg = MemoryChart.svg(try record(samples: before + after))
        let lines = polylines(svg)
        #expect(lines.count == 2)
        #expect(lines.map { $0.split(separator: " ").count } == [before.count, after.count])
    }

    @Test func regularSamplesAreOneLine() throws {
        let samples = stride(from: 0.0, to: 8, by: 0.01).map { ($0, 70.0 + sin($0)) }
        #expect(polylines(MemoryChart.svg(try record(samples: samples))).count == 1)
    }

    @Test func theMemoryAxisHasRoundTicks() throws {
        let samples = stride(from: 0.0, to: 8, by: 0.05).map { ($0, 71.3 + $0 * 3.7) }
        let svg = MemoryChart.svg(try record(samples: samples))
        let labels = svg.components(separatedBy: "text-anchor=\"end\">").dropFirst().compactMap {
            Double($0.prefix { $0 != "<" })
        }
        #expect(labels.count >= 3)
        let steps = Set(zip(labels, labels.dropFirst()).map { ($1 - $0).rounded() })
        #expect(steps.count == 1, "evenly spaced: \(labels)")
        let step = try #require(steps.first)
        #expect([1, 2, 5, 10, 20, 50, 100].contains(step), "a round step: \(labels)")
        #expect(labels.allSatisfy { $0.truncatingRemainder(dividingBy: step) == 0 }, "\(labels)")
    }

    @Test func labelsAtTheEndsLeanInwardsOffTheAxes() throws {
        let samples = stride(from: 0.0, to: 8, by: 0.05).map { ($0, 71.3) }
        var extra: [String: Any] = [:]
        extra["checkpoints"] = [
            ["hour": 0, "rss_mb": 71.3, "window_start_h": 0.1, "window_end_h": 0.2], ["hour": 4, "rss_mb": 71.3],
            ["hour": 8, "rss_mb": 71.3],
        ]
        let svg = MemoryChart.svg(try record(samples: samples, extra: extra))
        let labels = svg.components(separatedBy: "<text class=\"checkpoint-label\" ").dropFirst().map {
            String($0.prefix { $0 != ">" })
        }
        #expect(labels.count == 3)
        #expect(labels.first?.contains("text-anchor=\"start\"") == true, "h0 starts right of the memory axis")
        #expect(labels.dropFirst().first?.contains("text-anchor=\"middle\"") == true)
        #expect(labels.last?.contains("text-anchor=\"end\"") == true, "h8 ends left of the plot's edge")
    }

    @Test func niceStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        #expect(MemoryChart.niceStep(3.3) == 5)
        #expect(MemoryChart.niceStep(13) == 20)
        #expect(MemoryChart.niceStep(0.07) == 0.1)
        #expect(MemoryChart.niceStep(1) == 1)
    }
}
