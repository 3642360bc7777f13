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

    /// Appends a row after anything held (`outage` says when it is held).
    func append(_ row: String) {
        write(row, droppable: true)
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

    private func write(_ row: String, droppable: Bool) {
        if !backlog.isEmpty {
            backlog.hold(row, kind: "sample", droppable: droppable, reason: backlog.outage?.reason ?? "", at: Date())
            retry()
            return
        }
        do {
            try file.append(Array((row + "\n").utf8))
        } catch {
            backlog.hold(row, kind: "sample", droppable: droppable, reason: error.reason, at: Date())
            lastAttempt = RunClock.monotonic()
        }
    }
}
