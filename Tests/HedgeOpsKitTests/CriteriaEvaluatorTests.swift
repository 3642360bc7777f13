import Foundation
import Testing

@testable import HedgeOpsKit

/// A criterion that cannot be measured is inconclusive: it never passes.
struct CriteriaEvaluatorTests {
    static let plan = [0.0, 1, 2, 4, 6, 8].map { Checkpoint(hour: $0, label: "Memory Hour \(formatNumber($0))") }

    static func record(_ hour: Double, _ mb: Double?, missed: Bool = false, note: String? = nil) -> CheckpointRecord {
        CheckpointRecord(
            hour: hour, label: "Memory Hour \(formatNumber(hour))", at: "2026-01-13T10:00:00.000Z", rssMB: mb,
            pssMB: nil, samples: mb == nil ? 0 : 10, windowSeconds: 60, cpuPercent: 5, threads: nil, openFiles: nil,
            counts: [:], wsState: nil, errorLockSeen: false, trend: nil, missed: missed, note: note,
            threadsPerHour: nil, openFilesPerHour: nil)
    }

    static func criteria(_ checklist: Checklist) -> [Criterion] {
        checklist.criteria.items.filter { [.memoryRatio, .fullDuration].contains($0.metric) }
    }

    @Test func missedLastCheckpointsAndAnUnknownExitAreInconclusiveNotAPass() throws {
        let checklist = try ChecklistLoader.load(
            path: Fixture.repositoryRoot.appendingPathComponent("checklists/demo.yaml").path)
        // Resumed after the end: hours 6 and 8 fell in the gap, the executor ended unwatched.
        let records =
            [Self.record(0, 70), Self.record(1, 70.5), Self.record(2, 71), Self.record(4, 71.4)]
            + [6.0, 8].map { Self.record($0, 72, missed: true, note: "fell in the gap while hedgeops was not running") }
        let final = RunFacts.finalMemory(records, planned: Self.plan)
        #expect(final.mb == nil)
        #expect(final.missing?.hasPrefix("the final checkpoint (hour 8) was missed") == true)
        let facts = RunFacts(
            baselineMB: 70, finalMB: final.mb, finalMissing: final.missing, counts: [:], fullDuration: nil,
            endDetail: "ended at or after the planned end while hedgeops was not running (exit status unknown)",
            cpuAverage: 5)
        let results = CriteriaEvaluator.evaluate(Self.criteria(checklist), facts: facts)
        #expect(results.count == 2)
        for result in results {
            #expect(!result.passed, "\(result.id)")
            #expect(result.value == nil)
            #expect(result.detail.hasPrefix("inconclusive: "), "\(result.detail)")
        }
    }

    @Test func theFinalMemoryIsTheLastPlannedHourMeasuredOnTime() {
        let onTime = [Self.record(0, 70), Self.record(4, 80), Self.record(8, 90)]
        #expect(RunFacts.finalMemory(onTime, planned: Self.plan).mb == 90)
        // Never an earlier hour standing in for a missing last one.
        let early = [Self.record(0, 70), Self.record(4, 80)]
        #expect(RunFacts.finalMemory(early, planned: Self.plan).mb == nil)
        #expect(
            RunFacts.finalMemory(early, planned: Self.plan).missing == "the final checkpoint (hour 8) was not recorded")
    }
}
