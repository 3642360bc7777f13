public import Foundation

/// What could not be written while a file refused writes (disk full,
/// read-only, I/O error), kept in memory in order until the file accepts
/// them again. Bounded, so a long outage cannot exhaust memory: past
/// `capacity`, the oldest droppable entry (a sample, a log line) is
/// dropped and counted; the others (answers, checkpoints, the verdict) are
/// always kept.
public struct WriteBacklog<Element> {
    struct Entry {
        var element: Element
        var kind: String
        var droppable: Bool
    }

    private(set) var entries: [Entry] = []
    /// Droppable entries kept at most.
    public let capacity: Int
    private var droppableCount = 0
    /// The outage under way, nil while writes succeed.
    public private(set) var outage: WriteOutage?

    public init(capacity: Int) {
        self.capacity = max(capacity, 1)
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }
    var first: Element? { entries.first?.element }

    /// Keeps `element` for later; the first one held starts the outage.
    mutating func hold(_ element: Element, kind: String, droppable: Bool, reason: String, at date: Date) {
        if outage == nil { outage = WriteOutage(since: date, reason: reason) }
        outage?.reason = reason
        outage?.held[kind, default: 0] += 1
        entries.append(Entry(element: element, kind: kind, droppable: droppable))
        guard droppable else { return }
        droppableCount += 1
        if droppableCount > capacity, let oldest = entries.firstIndex(where: \.droppable) {
            let gone = entries.remove(at: oldest)
            droppableCount -= 1
            outage?.held[gone.kind, default: 0] -= 1
            outage?.dropped[gone.kind, default: 0] += 1
        }
    }

    /// A retry failed too: the reason may have changed.
    mutating func stillFailing(_ reason: String) {
        outage?.reason = reason
    }

    /// The first entry was written.
    mutating func removeFirst() {
        guard !entries.isEmpty else { return }
        if entries.removeFirst().droppable { droppableCount -= 1 }
    }

    /// Everything held was written: the outage is over, and here is its record.
    mutating func end(at date: Date) -> WriteOutage? {
        guard entries.isEmpty, var finished = outage else { return nil }
        finished.until = date
        outage = nil
        return finished
    }
}

/// A span of time during which a run file refused writes: when, why, and
/// how many entries were held in memory (written late) or dropped.
public struct WriteOutage: Sendable, Equatable {
    public var since: Date
    public var until: Date?
    public var reason: String
    /// Entries held and written late, by kind (`sample`, `log`, …).
    public var held: [String: Int] = [:]
    /// Entries dropped because the backlog was full, by kind.
    public var dropped: [String: Int] = [:]

    public init(since: Date, reason: String) {
        self.since = since
        self.reason = reason
    }

    public var heldCount: Int { held.values.reduce(0, +) }
    public var droppedCount: Int { dropped.values.reduce(0, +) }

    /// The journal's record of the outage.
    public func record(file: String) -> JournalEvent.WriteGap {
        JournalEvent.WriteGap(
            file: file, from: Timestamp.rfc3339(since), to: until.map(Timestamp.rfc3339), reason: reason,
            held: held.filter { $0.value > 0 }, dropped: dropped.filter { $0.value > 0 },
            samplesHeld: held["sample"] ?? 0, samplesDropped: dropped["sample"] ?? 0)
    }
}
