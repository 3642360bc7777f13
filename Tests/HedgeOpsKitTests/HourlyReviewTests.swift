import Testing

@testable import HedgeOpsKit

/// The hourly items: each figure is the hour's own, computed once at its
/// checkpoint, compared with `expect`/`max`; an unanswered hour is handed
/// back to be recorded as not confirmed.
struct HourlyReviewTests {
    let items = [
        HourlyItem(id: "mem", title: "Memory trend", measure: .memoryTrend, expect: nil, max: nil),
        HourlyItem(id: "ws", title: "WS status", measure: .wsState, expect: "Connected", max: nil),
        HourlyItem(id: "err", title: "Errors", measure: .logErrors, expect: nil, max: nil),
        HourlyItem(id: "lock", title: "No ERROR_LOCK", measure: .errorLock, expect: nil, max: nil),
        HourlyItem(id: "cpu", title: "CPU < 30%", measure: .cpuAverage, expect: nil, max: 30),
    ]

    func record(
        _ hour: Double, rss: Double?, errors: Int, ws: String = "Connected", cpu: Double = 10, missed: Bool = false
    )
        -> CheckpointRecord
    {
        CheckpointRecord(
            hour: hour, label: "h\(hour)", at: "", rssMB: rss, pssMB: nil, samples: 5, windowSeconds: 60,
            cpuPercent: cpu, threads: 4, openFiles: 10, counts: ["errors": errors], wsState: ws, errorLockSeen: false,
            trend: nil, missed: missed, note: nil, threadsPerHour: nil, openFilesPerHour: nil)
    }

    @Test func newErrorsAreTheHoursOwnNotSinceTheLastLook() throws {
        var review = HourlyReview(items: items)
        _ = review.checkpoint(record(0, rss: 100, errors: 1))
        let h1 = try #require(review.checkpoint(record(1, rss: 101, errors: 3)).due)
        #expect(h1.items.first { $0.id == "err" }?.measured == "2 new errors this hour (3 in all)")
        // Reading the items (any number of times) changes nothing: the next hour still counts from h1.
        let h2 = try #require(review.checkpoint(record(2, rss: 102, errors: 3)).due)
        #expect(h2.items.first { $0.id == "err" }?.measured == "0 new errors this hour (3 in all)")
    }

    @Test func anUnansweredHourKeepsItsOwnFiguresAndIsHandedBack() throws {
        var review = HourlyReview(items: items)
        _ = review.checkpoint(record(0, rss: 100, errors: 0))
        let h1 = try #require(review.checkpoint(record(1, rss: 110, errors: 0)).due)
        let memory = try #require(h1.items.first { $0.id == "mem" }?.measured)
        #expect(memory.contains("+10.0 % since hour 0"))
        #expect(memory.contains("▁█"), "the sparkline holds hours 0 and 1 only: \(memory)")
        let (h2, unanswered) = review.checkpoint(record(2, rss: 120, errors: 0))
        #expect(unanswered == h1, "hour 1 as it was put, to record as not confirmed")
        #expect(review.answer() == h2)
        #expect(review.answer() == nil)
        #expect(review.end() == nil)
    }

    @Test func expectationsAreComparedAndAMissIsMarked() throws {
        var review = HourlyReview(items: items)
        _ = review.checkpoint(record(0, rss: 100, errors: 0))
        let due = try #require(review.checkpoint(record(1, rss: 100, errors: 0, ws: "Reconnecting", cpu: 42)).due)
        let ws = try #require(due.items.first { $0.id == "ws" })
        #expect(ws.met == false)
        #expect(ws.expectation == "expected Connected")
        let cpu = try #require(due.items.first { $0.id == "cpu" })
        #expect(cpu.met == false)
        #expect(cpu.expectation == "at most 30")
        #expect(due.items.first { $0.id == "lock" }?.met == true)
        #expect(due.items.first { $0.id == "mem" }?.met == nil)
    }

    @Test func hourZeroAndMissedHoursAskNothing() {
        var review = HourlyReview(items: items)
        #expect(review.checkpoint(record(0, rss: 100, errors: 0)).due == nil)
        #expect(review.checkpoint(record(1, rss: nil, errors: 0, missed: true)).due == nil)
        #expect(review.pending == nil)
    }
}
