import Foundation
import Testing

@testable import HedgeOpsKit

/// The shipped checklist must hold every item of the markdown, in its order and words.
struct ShippedChecklistTests {
    /// A copy of the team's Markdown checklist, so the test runs in any clone.
    static let markdownPath = Fixture.path("operators-checklist.md")

    @Test func theShippedChecklistIsValid() throws {
        let checklist = try ChecklistLoader.load(path: Fixture.shippedChecklist)
        #expect(checklist.monitoring.checkpoints.map(\.hour) == [0, 1, 2, 4, 6, 8])
        #expect(checklist.run.duration == 8 * 3600)
        #expect(checklist.run.argv == ["python", "tests/load/load_test_8h.py"])
        #expect(checklist.run.logGlob == "data/load_test/load_test_*.log")
        #expect(checklist.monitoring.leakRatio == 1.5)
        let defaults = Dictionary(uniqueKeysWithValues: checklist.parameters.map { ($0.name, $0.defaultValue) })
        #expect(defaults["symbol"] == "BTCUSDT")
        #expect(defaults["tick_interval"] == "5s")
        #expect(defaults["offset"] == "0.0005")
        #expect(defaults["log_level"] == "INFO")
        let thresholds = Dictionary(uniqueKeysWithValues: checklist.criteria.items.map { ($0.metric, $0.threshold) })
        #expect(thresholds[.memoryRatio] == 1.5)
        #expect(thresholds[.wsReconnects] == 5)
        #expect(thresholds[.errorRate] == 0.001)
        #expect(thresholds[.cpuAverage] == 30)
        // Out of the box the executor talks to the live host: the gate must refuse.
        #expect(checklist.endpoints.map(\.defaultURL).allSatisfy { $0.contains("fapi.bitunix.com") })
    }

    /// Every `- [ ]` line and every bold line of the markdown has a home, in order.
    @Test func everyCheckboxOfTheMarkdownIsInTheChecklistInOrder() throws {
        let checklist = try ChecklistLoader.load(path: Fixture.shippedChecklist)
        let markdown = try String(contentsOfFile: Self.markdownPath, encoding: .utf8)
        let boxes = markdown.split(separator: "\n").filter { $0.hasPrefix("- [ ] ") }.map {
            normalise(String($0.dropFirst(6)))
        }
        #expect(boxes.count == 17)
        let titles =
            checklist.items.map(\.originalTitle) + checklist.monitoring.hourly.map(\.title)
            + checklist.criteria.items.map(\.title)
        var cursor = 0
        for box in boxes {
            guard
                let found = titles[cursor...].firstIndex(where: {
                    normalise($0).hasPrefix(box) || normalise($0).contains(box)
                })
            else {
                Issue.record("markdown item not found in order: \(box)")
                continue
            }
            cursor = found + 1
        }
        for label in [
            "Memory Baseline (Hour 0)", "Memory Hour 1", "Memory Hour 2", "Memory Hour 4", "Memory Hour 6",
            "Memory Hour 8",
        ] {
            #expect(checklist.monitoring.checkpoints.contains { $0.label == label } && markdown.contains(label))
        }
        for expected in checklist.monitoring.expectedBehavior { #expect(markdown.contains(expected)) }
        for hint in checklist.failureAnalysis { #expect(markdown.contains("\(hint.title): \(hint.hint)")) }
        #expect(markdown.contains(checklist.monitoring.leakText))
        #expect(markdown.contains(checklist.status ?? "-"))
    }

    private func normalise(_ text: String) -> String {
        text.replacingOccurrences(of: "**", with: "").trimmingCharacters(in: CharacterSet(charactersIn: ": "))
    }
}
