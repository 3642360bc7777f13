import CSpawnShim
public import Foundation

/// Follows the executor's log: the newest file matching the checklist's glob
/// that appeared after launch, read incrementally (never from the start
/// again), through rotation and truncation. Counts each log pattern, keeps
/// the last WebSocket state and parses the script's hourly report block.
///
/// The file stays open between polls and is read with `pread` into one
/// buffer allocated once; all patterns are matched in one pass over the
/// bytes read (``LogMatcher``: a literal prefilter before any regex), so
/// following costs about as much as reading the bytes.
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
    private let namePattern: String
    private let notBefore: Date
    private let matcher: LogMatcher
    /// Counts by pattern index, folded into `counts` after each poll;
    /// counted through a pointer (a stored array, or one a closure captures,
    /// is checked for exclusive access at every touch).
    private let tallies: UnsafeMutablePointer<Int>
    private let journalled: [Bool]
    private let statePattern: Int?
    private var offset: UInt64 = 0
    /// The open file's size and modification time when last read to its end.
    private var lastSeen: (size: UInt64, modified: timespec)?
    private var inode: UInt64 = 0
    private var fd: Int32 = -1
    /// Read buffer; its first `pending` bytes are a line not yet complete.
    private let buffer: UnsafeMutableRawBufferPointer
    private var pending = 0
    /// The file's first bytes when first read: a truncate-and-rewrite that
    /// reaches the old size is still noticed.
    private var head: [UInt8] = []
    private var reportLines: [String]?
    /// Files that matched before launch: an earlier run's, never this one's.
    private var preexisting: Set<String> = []
    /// The matching files (paths) as last listed, and when the directory was listed.
    private var listing: [String] = []
    private var listedAt: (changed: timespec, monotonic: Double)?
    /// The file followed, when no other file in the listing is new since launch.
    private var soleNewFile: String?
    /// When the directory was last looked at for a newer file (the poll's clock).
    private var lookedAt = -Double.infinity
    /// The log directory, held open (`O_PATH`): a look at it is an `fstat`,
    /// not a walk of its path. Opened by path again every `relistInterval`
    /// and whenever it was removed, so a directory renamed away and made
    /// again is followed within that interval.
    private var directoryFD: Int32 = -1
    /// When `directoryFD` was last opened by path (``RunClock``).
    private var directoryOpenedAt = -Double.infinity
    /// Seconds after which the directory is listed again, and opened again
    /// by path, even though its modification time stayed the same.
    private let relistInterval: Double
    /// Seconds between two looks at the directory while a file is followed.
    static let lookInterval = 0.25
    /// The most read in one poll: a large backlog is caught up over several
    /// polls rather than holding up a sample.
    static let maximumPerPoll = 64 << 20
    /// The read buffer's size; a line longer than this is cut there.
    static let bufferSize = 1 << 20
    private static let reportHeader = "=== Load Test Report (After "

    /// - Parameters:
    ///   - glob: e.g. `data/load_test/load_test_*.log`, relative to `workingDirectory`.
    ///   - notBefore: files last modified before this are an earlier run's.
    ///   - journalled: pattern ids whose lines are returned as events.
    ///   - relistInterval: seconds after which the directory is listed and
    ///     opened by path again, changed or not (a test's is short).
    public init(
        glob: String, workingDirectory: String, notBefore: Date, patterns: [LogPattern],
        journalled: Set<String> = ["errors", "ws_reconnects", "ws_dropped", "error_lock"],
        relistInterval: Double = 10
    ) {
        self.relistInterval = relistInterval
        let absolute = glob.hasPrefix("/") ? glob : workingDirectory + "/" + glob
        self.glob = absolute
        directory = (absolute as NSString).deletingLastPathComponent
        namePattern = (absolute as NSString).lastPathComponent
        self.notBefore = notBefore
        // The report header is one more literal to find, counted nowhere.
        let header = LogPattern(id: "", title: "", regex: NSRegularExpression.escapedPattern(for: Self.reportHeader))
        matcher = LogMatcher(patterns + [header], capture: ["ws_state"])
        tallies = .allocate(capacity: matcher.ids.count)
        tallies.initialize(repeating: 0, count: matcher.ids.count)
        self.journalled = matcher.ids.map { journalled.contains($0) }
        statePattern = matcher.ids.firstIndex(of: "ws_state")
        counts = Dictionary(uniqueKeysWithValues: patterns.map { ($0.id, 0) })
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 16)
        preexisting = Set(matchingFiles().map { "\($0.path)#\($0.inode)" })
    }

    deinit {
        if fd >= 0 { close(fd) }
        if directoryFD >= 0 { close(directoryFD) }
        buffer.deallocate()
        tallies.deallocate()
    }

    /// Skips the files that existed at launch (used when resuming, to
    /// continue in the run's own file).
    public func resume(file: String, offset: UInt64, counts: [String: Int]) {
        var info = stat()
        guard stat(file, &info) == 0 else { return }
        preexisting.remove("\(file)#\(UInt64(info.st_ino))")
        switchTo(file, inode: UInt64(info.st_ino))
        self.offset = offset
        self.counts.merge(counts) { $1 }
        head = readHead(count: 64)
    }

    /// Takes every file changed since launch as this run's: a resume that
    /// knows no file the run followed cannot tell which were there before
    /// launch (listed now, the run's own would count among them).
    public func forgetFilesBeforeLaunch() {
        preexisting.removeAll()
    }

    public var currentOffset: UInt64 { offset }

    /// Reads what was appended since the last call; returns journal-worthy events.
    ///
    /// The file being followed is read through its open descriptor, so lines
    /// the executor goes on writing after the file was renamed away or deleted
    /// are still counted; a new file matching the glob (a rotation) is
    /// followed from its top once the old one is read to its end, looked
    /// for at most every ``lookInterval`` of `monotonic`.
    public func poll(monotonic: Double) -> [Event] {
        var events: [Event] = []
        // A file followed: the directory is looked at four times a second at
        // most (a rotation is noticed within a quarter of a second; sampling
        // at 40 a second need not stat the directory at every sample).
        let look = fd < 0 || !RunClock.isWithin(Self.lookInterval, of: lookedAt, at: monotonic)
        if look { lookedAt = monotonic }
        let newest = look ? newestFile() : nil
        if fd >= 0 {
            drain(monotonic: monotonic, events: &events)
            if let newest, newest.inode != inode {
                switchTo(newest.path, inode: newest.inode)
                restart()
                drain(monotonic: monotonic, events: &events)
            }
        } else if let newest {
            switchTo(newest.path, inode: newest.inode)
            restart()
            drain(monotonic: monotonic, events: &events)
        }
        for (index, id) in matcher.ids.enumerated() where tallies[index] > 0 && !id.isEmpty {
            counts[id, default: 0] += tallies[index]
            tallies[index] = 0
        }
        return events
    }

    /// Reads the open file from `offset` to its end as it stands (renamed or
    /// deleted alike), starting again from the top after a truncation.
    private func drain(monotonic: Double, events: inout [Event]) {
        var info = stat()
        guard fd >= 0, fstat(fd, &info) == 0 else { return }
        // Read to the end and neither written nor truncated since: nothing to look at
        // (a truncate-and-rewrite changes the modification time).
        let seen = (size: UInt64(info.st_size), modified: info.st_mtim)
        if let last = lastSeen, last.size == seen.size, last.modified.isSame(as: seen.modified), offset == seen.size,
            pending == 0
        {
            return
        }
        defer { lastSeen = offset == seen.size ? seen : nil }
        if UInt64(info.st_size) < offset {
            // Truncated in place.
            restart()
        }
        if !head.isEmpty && !headUnchanged() {
            // Truncated and written again past where we were.
            restart()
        }
        guard UInt64(info.st_size) > offset, let base = buffer.baseAddress else { return }
        var budget = min(Int(UInt64(info.st_size) - offset), Self.maximumPerPoll)
        while budget > 0 {
            let room = min(buffer.count - pending, budget)
            let count = pread(fd, base + pending, room, off_t(offset))
            if count < 0 && errno == EINTR { continue }
            // An I/O error on the log is a missed poll, never a trap.
            guard count > 0 else { break }
            if offset == 0 && head.isEmpty {
                head = Array(UnsafeRawBufferPointer(start: base + pending, count: min(count, 64)))
            }
            offset += UInt64(count)
            bytesRead += count
            budget -= count
            let filled = pending + count
            // Whole lines only; the rest waits for its newline.
            var end = filled
            while end > 0 && base.load(fromByteOffset: end - 1, as: UInt8.self) != 0x0A { end -= 1 }
            if end == 0 && filled == buffer.count { end = filled }  // one line longer than the buffer: cut
            if end > 0 {
                consume(UnsafeRawBufferPointer(start: base, count: end), events: &events)
                lastLineAt = monotonic
            }
            pending = filled - end
            if pending > 0 && end > 0 { memmove(base, base + end, pending) }
        }
    }

    private func switchTo(_ path: String, inode: UInt64) {
        if fd >= 0 { close(fd) }
        lastSeen = nil
        fd = open(path, O_RDONLY | O_CLOEXEC)
        currentFile = path
        self.inode = inode
    }

    private func restart() {
        lastSeen = nil
        offset = 0
        pending = 0
        head.removeAll()
        reportLines = nil
    }

    /// The file's first `count` bytes (fewer if it is shorter).
    private func readHead(count: Int) -> [UInt8] {
        guard fd >= 0, count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        return Array(bytes.prefix(max(read, 0)))
    }

    /// Whether the file still starts with `head` (read into scratch space, not an array).
    private func headUnchanged() -> Bool {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: head.count) { scratch in
            pread(fd, scratch.baseAddress, head.count, 0) == head.count && head.elementsEqual(scratch)
        }
    }

    /// Whole lines: counted in one pass; a report block is read line by line.
    private func consume(_ bytes: UnsafeRawBufferPointer, events: inout [Event]) {
        guard let base = bytes.baseAddress else { return }
        let header = matcher.ids.count - 1
        var position = 0
        while position < bytes.count {
            if reportLines != nil {
                // A report block under way reads every line until it ends.
                let end =
                    memchr(base + position, 0x0A, bytes.count - position).map { UnsafeRawPointer($0) - base }
                    ?? bytes.count
                let line = UnsafeRawBufferPointer(start: base + position, count: end - position)
                collectReport(String(decoding: line, as: UTF8.self))
                record(line, matcher.match(line), events: &events)
                position = end + 1
                continue
            }
            let rest = UnsafeRawBufferPointer(start: base + position, count: bytes.count - position)
            var next = bytes.count
            matcher.scan(rest) { line, hits in
                record(line, hits, events: &events)
                guard hits.last?.pattern == header, let start = line.baseAddress else { return true }
                // The report header: what follows is read line by line.
                collectReport(String(decoding: line, as: UTF8.self))
                next = start - base + line.count + 1
                return false
            }
            position = next
        }
    }

    private func record(
        _ line: UnsafeRawBufferPointer, _ hits: [LogMatcher.Hit], events: inout [Event]
    ) {
        for hit in hits {
            tallies[hit.pattern] += 1
            if hit.pattern == statePattern, let state = hit.capture { lastWSState = state }
            if journalled[hit.pattern] {
                events.append(Event(pattern: matcher.ids[hit.pattern], line: String(decoding: line, as: UTF8.self)))
            }
        }
    }

    /// The load-test script's report block: a header line, then `Key: value` lines until a blank one.
    private func collectReport(_ line: String) {
        if line.hasPrefix("=== Load Test Report (After ") {
            reportLines = [line]
            return
        }
        guard var lines = reportLines else { return }
        if Self.trimmed(line).isEmpty || lines.count > 20 {
            reportLines = nil
            let header = lines[0]
            let hours = Double(header.dropFirst("=== Load Test Report (After ".count).prefix { $0 != "h" }) ?? 0
            var fields: [String: String] = [:]
            for entry in lines.dropFirst() {
                let parts = Self.trimmed(entry).split(separator: ":", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = String(Self.trimmed(parts[1])) }
            }
            reports.append(Report(hours: hours, fields: fields))
        } else {
            lines.append(line)
            reportLines = lines
        }
    }

    /// Without leading and trailing spaces, tabs and a carriage return.
    private static func trimmed<S: StringProtocol>(_ text: S) -> S.SubSequence {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        let start = text.firstIndex { !blank($0) } ?? text.endIndex
        let end = text.lastIndex { !blank($0) }.map { text.index(after: $0) } ?? start
        return text[start..<max(start, end)]
    }

    /// Lists the matching files again when needed: when the directory
    /// changed, changed within the last 2 s (a file made in the same clock
    /// tick leaves its time as it was), or `relistInterval` went by. Returns
    /// false when the directory cannot be looked at; `unchanged` says the
    /// listing (names and, as nothing was created, renamed or removed, their
    /// inodes) stands.
    private func refreshListing() -> (found: Bool, unchanged: Bool) {
        let now = RunClock.monotonic()
        var info = stat()
        guard lookAtDirectory(now: now, &info) else { return (false, false) }
        let changed = info.st_mtim
        let recent = Date().timeIntervalSince1970 - changed.seconds < 2
        if let listed = listedAt, listed.changed.isSame(as: changed), !recent,
            RunClock.isWithin(relistInterval, of: listed.monotonic, at: now)
        {
            return (true, true)
        }
        listing = Self.names(in: directory, matching: namePattern).map { directory + "/" + $0 }
        listedAt = (changed, now)
        return (true, false)
    }

    /// The directory's `stat` through the descriptor held on it, opened by
    /// path first, every `relistInterval`, and once it was removed (a
    /// removed directory has no links); false when it cannot be looked at.
    private func lookAtDirectory(now: Double, _ info: inout stat) -> Bool {
        if directoryFD >= 0, RunClock.isWithin(relistInterval, of: directoryOpenedAt, at: now),
            fstat(directoryFD, &info) == 0, info.st_nlink > 0
        {
            return true
        }
        if directoryFD >= 0 { close(directoryFD) }
        directoryFD = hedgeops_open_directory_path(directory)
        directoryOpenedAt = now
        return directoryFD >= 0 && fstat(directoryFD, &info) == 0
    }

    /// Matching files with their modification time and inode; the few files
    /// listed are looked at each time.
    private func matchingFiles() -> [(path: String, modified: Double, inode: UInt64)] {
        guard refreshListing().found else { return [] }
        return statListed()
    }

    private func statListed() -> [(path: String, modified: Double, inode: UInt64)] {
        var info = stat()
        return listing.compactMap { path in
            guard stat(path, &info) == 0 else { return nil }
            return (path, info.st_mtim.seconds, UInt64(info.st_ino))
        }
    }

    /// True when the open file was written within the last second: no other
    /// file can then be newer by the margin that moves following to it.
    private var beingWritten: Bool {
        var info = stat()
        guard fd >= 0, fstat(fd, &info) == 0 else { return false }
        return info.st_mtim.seconds >= Date().timeIntervalSince1970 - 1
    }

    private static func names(in directory: String, matching pattern: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let matched = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String? in
                guard let name = raw.baseAddress?.assumingMemoryBound(to: CChar.self),
                    fnmatch(pattern, name, 0) == 0
                else { return nil }
                return String(cString: name)
            }
            if let matched { names.append(matched) }
        }
        return names.sorted()
    }

    /// The newest matching file that appeared after launch, with its inode.
    private func newestFile() -> (path: String, inode: UInt64)? {
        let directory = refreshListing()
        guard directory.found else { return nil }
        // The usual poll: nothing created, renamed or removed, and the file
        // followed the only new one or still being written; it stays, and
        // nothing else is looked at.
        if directory.unchanged, let current = currentFile, soleNewFile == current || beingWritten {
            return (current, inode)
        }
        let since = notBefore.timeIntervalSince1970 - 1
        let listed = statListed()
        let new = listed.filter { preexisting.isEmpty || !preexisting.contains("\($0.path)#\($0.inode)") }
        let candidates = new.filter { $0.modified >= since }
        // Alone among the files made since launch: while the directory stays as
        // it is (so do its names' inodes), nothing else can be followed.
        soleNewFile = new.count == 1 && new[0].inode == inode ? new[0].path : nil
        let best = candidates.max { ($0.modified, $0.path) < ($1.modified, $1.path) }
        // Stay on the current file while it is still being written.
        if let current = currentFile, let best, best.path != current,
            let still = candidates.first(where: { $0.path == current }), still.modified >= best.modified - 1
        {
            return (still.path, still.inode)
        }
        return best.map { ($0.path, $0.inode) }
    }
}
