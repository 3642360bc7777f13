public import Foundation

/// Follows the executor's log: the newest file matching the checklist's glob
/// that appeared after launch, read incrementally (never from the start
/// again), through rotation and truncation. Counts each log pattern, keeps
/// the last WebSocket state and parses the script's hourly report block.
public final class LogFollower {
    /// A counted line worth keeping in the journal (errors, reconnects, ERROR_LOCK).
    public struct Event: Sendable {
        public var pattern: String
        public var line: String
    }

    /// The fields of one `=== Load Test Report (After N.NNh) ===` block.
    public struct Report: Sendable {
        public var hours: Double
        public var fields: [String: String]
    }

    public private(set) var counts: [String: Int]
    public private(set) var lastWSState: String?
    public private(set) var reports: [Report] = []
    public private(set) var currentFile: String?
    /// Monotonic time of the last complete line read.
    public private(set) var lastLineAt: Double?
    public private(set) var bytesRead = 0

    private let glob: String
    private let directory: String
    private let notBefore: Date
    private let patterns: [(id: String, regex: NSRegularExpression)]
    private let journalled: Set<String>
    private var offset: UInt64 = 0
    private var inode: UInt64 = 0
    private var partial = Data()
    /// The file's first bytes when first read: a truncate-and-rewrite that
    /// reaches the old size is still noticed.
    private var head = Data()
    private var reportLines: [String]?
    /// Files that matched before launch: an earlier run's, never this one's.
    private var preexisting: Set<String> = []

    /// - Parameters:
    ///   - glob: e.g. `data/load_test/load_test_*.log`, relative to `workingDirectory`.
    ///   - notBefore: files last modified before this are an earlier run's.
    ///   - journalled: pattern ids whose lines are returned as events.
    public init(
        glob: String, workingDirectory: String, notBefore: Date, patterns: [LogPattern],
        journalled: Set<String> = ["errors", "ws_reconnects", "ws_dropped", "error_lock"]
    ) {
        let absolute = glob.hasPrefix("/") ? glob : workingDirectory + "/" + glob
        self.glob = absolute
        directory = (absolute as NSString).deletingLastPathComponent
        self.notBefore = notBefore
        self.patterns = patterns.compactMap { pattern in
            (try? NSRegularExpression(pattern: pattern.regex)).map { (pattern.id, $0) }
        }
        self.journalled = journalled
        counts = Dictionary(uniqueKeysWithValues: patterns.map { ($0.id, 0) })
        preexisting = Set(matchingFiles().map { "\($0.path)#\($0.inode)" })
    }

    /// Skips the files that existed at launch (used when resuming, to
    /// continue in the run's own file).
    public func resume(file: String, offset: UInt64, counts: [String: Int]) {
        var info = stat()
        guard stat(file, &info) == 0 else { return }
        preexisting.remove("\(file)#\(UInt64(info.st_ino))")
        currentFile = file
        inode = UInt64(info.st_ino)
        self.offset = offset
        self.counts.merge(counts) { $1 }
        if let handle = FileHandle(forReadingAtPath: file) {
            head = (try? handle.read(upToCount: 64)) ?? Data()
            try? handle.close()
        }
    }

    public var currentOffset: UInt64 { offset }

    /// Reads what was appended since the last call; returns journal-worthy events.
    public func poll(monotonic: Double) -> [Event] {
        guard let path = newestFile() else { return [] }
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        if path != currentFile || UInt64(info.st_ino) != inode {
            // A new or rotated file: start it from the top.
            currentFile = path
            inode = UInt64(info.st_ino)
            offset = 0
            partial.removeAll()
            head.removeAll()
        } else if UInt64(info.st_size) < offset {
            // Truncated in place.
            offset = 0
            partial.removeAll()
            head.removeAll()
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        if !head.isEmpty {
            try? handle.seek(toOffset: 0)
            if ((try? handle.read(upToCount: head.count)) ?? Data()) != head {
                offset = 0
                partial.removeAll()
                head.removeAll()
            }
        }
        guard UInt64(info.st_size) > offset else { return [] }
        try? handle.seek(toOffset: offset)
        // The throwing read: an I/O error on the log is a missed poll, never a trap.
        let chunk =
            (try? handle.read(upToCount: Int(min(UInt64(info.st_size) - offset, 64 << 20)))) ?? Data()
        if head.count < 64 && offset == 0 { head = chunk.prefix(64) }
        offset += UInt64(chunk.count)
        bytesRead += chunk.count
        partial.append(chunk)
        var events: [Event] = []
        while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: partial[partial.startIndex..<newline], as: UTF8.self)
            partial.removeSubrange(partial.startIndex...newline)
            lastLineAt = monotonic
            events += consume(line)
        }
        return events
    }

    private func consume(_ line: String) -> [Event] {
        collectReport(line)
        var events: [Event] = []
        let range = NSRange(line.startIndex..., in: line)
        for (id, regex) in patterns {
            guard let match = regex.firstMatch(in: line, range: range) else { continue }
            counts[id, default: 0] += 1
            if id == "ws_state" {
                let group = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
                if let swiftRange = Range(group, in: line) { lastWSState = String(line[swiftRange]) }
            }
            if journalled.contains(id) { events.append(Event(pattern: id, line: line)) }
        }
        return events
    }

    /// The load-test script's report block: a header line, then `Key: value` lines until a blank one.
    private func collectReport(_ line: String) {
        if line.hasPrefix("=== Load Test Report (After ") {
            reportLines = [line]
            return
        }
        guard var lines = reportLines else { return }
        if line.trimmingCharacters(in: .whitespaces).isEmpty || lines.count > 20 {
            reportLines = nil
            let header = lines[0]
            let hours = Double(header.dropFirst("=== Load Test Report (After ".count).prefix { $0 != "h" }) ?? 0
            var fields: [String: String] = [:]
            for entry in lines.dropFirst() {
                let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
            reports.append(Report(hours: hours, fields: fields))
        } else {
            lines.append(line)
            reportLines = lines
        }
    }

    /// Matching files with their modification time and inode.
    private func matchingFiles() -> [(path: String, modified: Double, inode: UInt64)] {
        let pattern = (glob as NSString).lastPathComponent
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { fnmatch(pattern, $0, 0) == 0 }.compactMap { name in
            let path = directory + "/" + name
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            return (path, Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9, UInt64(info.st_ino))
        }
    }

    /// The newest matching file that appeared after launch.
    private func newestFile() -> String? {
        let candidates = matchingFiles().filter {
            !preexisting.contains("\($0.path)#\($0.inode)") && $0.modified >= notBefore.timeIntervalSince1970 - 1
        }
        let best = candidates.max { ($0.modified, $0.path) < ($1.modified, $1.path) }
        // Stay on the current file while it is still being written.
        if let current = currentFile, let best, best.path != current,
            let still = candidates.first(where: { $0.path == current }), still.modified >= best.modified - 1
        {
            return current
        }
        return best?.path
    }
}
