import Foundation

/// `samples.csv`, one row a sample, for a spreadsheet. Written as the
/// journal is: a row is whole or absent; while the disk refuses writes the
/// latest rows are held in memory (bounded, the oldest dropped and counted)
/// and written, in order, once it accepts them again.
final class SamplesFile {
    static let header = "hour,at,rss_mb,rss_anon_mb,swap_mb,cpu_pct,threads,open_files,processes"

    let path: String
    private let file: LineAppender
    private var backlog: WriteBacklog<String>
    private let retryInterval: Double
    private var lastAttempt = 0.0
    private var finishedOutage: WriteOutage?
    /// The row being written, reused: no allocation a sample.
    private var row: [UInt8] = []

    /// A new file with its header (held, like any row, if the disk refuses it).
    convenience init(creating path: String, capacity: Int = 4096, retryInterval: Double = 1) throws(LineAppender
        .Failure)
    {
        try self.init(path: path, file: LineAppender(path: path), capacity: capacity, retryInterval: retryInterval)
        write(Self.header, droppable: false)
    }

    /// The file a run already has, continued after `resume`.
    convenience init(continuing path: String, capacity: Int = 4096, retryInterval: Double = 1)
        throws(LineAppender.Failure)
    {
        try self.init(path: path, file: LineAppender(path: path), capacity: capacity, retryInterval: retryInterval)
    }

    private init(path: String, file: LineAppender, capacity: Int, retryInterval: Double) {
        self.path = path
        self.file = file
        backlog = WriteBacklog(capacity: capacity)
        self.retryInterval = retryInterval
    }

    /// Appends the row `build` writes (its fields, without the newline)
    /// after anything held (`outage` says when it is held). The row is built
    /// in a buffer kept for the run: no String is made unless it is held.
    func appendRow(_ build: (inout [UInt8]) -> Void) {
        row.removeAll(keepingCapacity: true)
        build(&row)
        writeRow(droppable: true)
    }

    /// The outage under way, if rows are held.
    var outage: WriteOutage? { backlog.outage }

    /// Rows held in memory, not yet written.
    var heldCount: Int { backlog.count }

    /// The last outage that ended, once.
    func takeFinishedOutage() -> WriteOutage? {
        defer { finishedOutage = nil }
        return finishedOutage
    }

    /// Writes what is held if the last attempt is `retryInterval` old (or
    /// `force`); true when nothing is held any more.
    @discardableResult
    func retry(force: Bool = false) -> Bool {
        guard !backlog.isEmpty else { return true }
        let now = RunClock.monotonic()
        guard force || now - lastAttempt >= retryInterval else { return false }
        lastAttempt = now
        while let row = backlog.first {
            do {
                try file.append(Array((row + "\n").utf8))
            } catch {
                backlog.stillFailing(error.reason)
                return false
            }
            backlog.removeFirst()
        }
        finishedOutage = backlog.end(at: Date())
        return true
    }

    private func write(_ text: String, droppable: Bool) {
        row.removeAll(keepingCapacity: true)
        row += text.utf8
        writeRow(droppable: droppable)
    }

    /// Writes `row` as a line, or holds it (as text) while the disk refuses writes.
    private func writeRow(droppable: Bool) {
        if !backlog.isEmpty {
            let text = String(decoding: row, as: UTF8.self)
            backlog.hold(text, kind: "sample", droppable: droppable, reason: backlog.outage?.reason ?? "", at: Date())
            retry()
            return
        }
        row.append(UInt8(ascii: "\n"))
        do {
            try file.append(row)
        } catch {
            row.removeLast()
            let text = String(decoding: row, as: UTF8.self)
            backlog.hold(text, kind: "sample", droppable: droppable, reason: error.reason, at: Date())
            lastAttempt = RunClock.monotonic()
        }
    }
}
