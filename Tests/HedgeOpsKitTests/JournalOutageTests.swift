import Foundation
import Testing

@testable import HedgeOpsKit

/// A disk that fills up: writes succeed until `remaining` bytes are used,
/// the last one cut short, then fail with ENOSPC until space is returned.
final class FillingDisk: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: Int?
    private var truncationFailures = 0
    private(set) var truncations = 0

    func fill(leaving bytes: Int) { lock.withLock { remaining = bytes } }
    func free() { lock.withLock { remaining = nil } }
    /// The next `count` truncations fail with EIO.
    func failTruncations(_ count: Int) { lock.withLock { truncationFailures = count } }

    var io: LineAppender.FileIO {
        LineAppender.FileIO(
            write: { [self] fd, buffer, count in
                let allowed = lock.withLock { () -> Int in
                    let allowed = min(count, remaining ?? count)
                    remaining = remaining.map { $0 - allowed }
                    return allowed
                }
                guard allowed > 0 else {
                    errno = ENOSPC
                    return -1
                }
                return write(fd, buffer, allowed)
            },
            truncate: { [self] fd, length in
                let fail = lock.withLock { () -> Bool in
                    truncations += 1
                    truncationFailures -= 1
                    return truncationFailures >= 0
                }
                guard !fail else {
                    errno = EIO
                    return -1
                }
                return ftruncate(fd, length)
            },
            sync: { fsync($0) })
    }
}

struct JournalOutageTests {
    func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).jsonl").path
    }

    @Test func aFullDiskHoldsEventsInOrderAndWritesThemOnceWithTheGapRecorded() throws {
        let path = scratch()
        defer { unlink(path) }
        let disk = FillingDisk()
        let journal = try Journal(creating: path, backlogCapacity: 5, retryInterval: 0, io: disk.io)
        try journal.append(.note(.init(text: "r1")), durable: true)

        // The disk fills in the middle of the next line.
        disk.fill(leaving: 40)
        #expect(throws: JournalHeld.self) { try journal.append(.warning(.init(message: "hour 1")), durable: true) }
        #expect(disk.truncations == 1)
        for index in 0..<10 {
            #expect(throws: JournalHeld.self) { try journal.append(.sample(.init(hour: Double(index), rssMB: 1))) }
        }
        let during = try JournalReader(path: path)
        #expect(
            during.isValid && during.tornTail == nil, "a half line was left: \(String(describing: during.tornTail))")
        #expect(during.events.count == 1)
        #expect(journal.heldCount == 6)
        #expect(journal.outage?.dropped == ["sample": 5])
        #expect(journal.outage?.reason == "No space left on device")

        // Space returns: everything held is written, in order, then the gap.
        disk.free()
        try journal.append(.logResumed, durable: true)
        #expect(journal.heldCount == 0 && journal.outage == nil)
        let after = try JournalReader(path: path)
        #expect(after.isValid, "\(String(describing: after.problem))")
        #expect(after.tornTail == nil)
        let types = after.events.map(\.type)
        #expect(types == ["note", "warning"] + Array(repeating: "sample", count: 5) + ["log_resumed", "write_gap"])
        #expect(after.events.compactMap { if case .sample(let s) = $0 { s.hour } else { nil } } == [5, 6, 7, 8, 9])
        #expect(after.entries.map(\.seq) == Array(1...types.count))
        guard case .writeGap(let gap)? = after.events.last else {
            Issue.record("the last event is not the write gap")
            return
        }
        #expect(gap.file == URL(fileURLWithPath: path).lastPathComponent)
        #expect(gap.reason == "No space left on device")
        #expect(gap.samplesHeld == 5)
        #expect(gap.samplesDropped == 5)
        #expect(gap.held == ["warning": 1, "sample": 5, "log_resumed": 1])
        #expect(gap.from <= (gap.to ?? ""))
        #expect(journal.takeFinishedOutage()?.droppedCount == 5)
        #expect(journal.takeFinishedOutage() == nil)
    }

    @Test func heldEventsAreRetriedWithoutANewAppend() throws {
        let path = scratch()
        defer { unlink(path) }
        let disk = FillingDisk()
        let journal = try Journal(creating: path, retryInterval: 0, io: disk.io)
        disk.fill(leaving: 0)
        #expect(throws: JournalHeld.self) { try journal.append(.attach, durable: true) }
        #expect(!journal.retryHeld())
        disk.free()
        #expect(journal.retryHeld())
        let types = try JournalReader(path: path).events.map(\.type)
        #expect(types == ["attach", "write_gap"])
    }

    @Test func aHalfLineThatCouldNotBeTakenBackAtOnceIsTakenBackBeforeTheNextWrite() throws {
        let path = scratch()
        defer { unlink(path) }
        let disk = FillingDisk()
        let journal = try Journal(creating: path, retryInterval: 0, io: disk.io)
        try journal.append(.attach, durable: true)
        disk.fill(leaving: 10)
        disk.failTruncations(1)
        #expect(throws: JournalHeld.self) { try journal.append(.warning(.init(message: "hour 1")), durable: true) }
        // For now the half line is there; nothing is written after it.
        #expect(try JournalReader(path: path).tornTail != nil)
        #expect(throws: JournalHeld.self) { try journal.append(.sample(.init(hour: 1, rssMB: 1))) }
        disk.free()
        try journal.append(.logResumed, durable: true)
        let after = try JournalReader(path: path)
        #expect(after.isValid && after.tornTail == nil, "\(String(describing: after.problem))")
        #expect(
            after.events.map(\.type) == ["attach", "warning", "sample", "log_resumed", "write_gap"])
    }
}
