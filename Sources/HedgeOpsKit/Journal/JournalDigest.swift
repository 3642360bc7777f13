import Crypto
import Foundation

/// What `results.json` recorded of the journal: the SHA-256 of its complete
/// lines and how many there were. The hash chain shows a changed line in the
/// middle, but not a cut, an emptied file or a changed last line; checked
/// against this digest, those are caught too. `status`, `resume` and
/// `verify` all check a journal through here.
public struct JournalDigest: Sendable, Equatable {
    public var sha256: String
    /// Lines the digest covers; nil in results written before hedgeops recorded it.
    public var lines: Int?
    /// The verdict is in: the journal must hold exactly these lines, none after.
    public var sealed: Bool

    public init(sha256: String, lines: Int?, sealed: Bool) {
        self.sha256 = sha256
        self.lines = lines
        self.sealed = sealed
    }

    /// The digest recorded in a results.json document, if it holds one.
    public init?(results: RunResults) {
        guard let sha256 = results.journalSHA256 else { return nil }
        self.sha256 = sha256
        lines = results.journalLines
        sealed = results.verdict != "RUNNING"
    }

    /// The digest recorded in the results.json at `path`; nil when there is
    /// no such file or it records no digest.
    public init?(resultsPath path: String) {
        guard let results = try? RunResults(path: path) else { return nil }
        self.init(results: results)
    }

    /// The journal's complete lines as they stand: a line still being written
    /// (no newline yet) is not counted, so a digest taken mid-run stays a
    /// prefix of the journal that follows.
    ///
    /// Read in 64 KiB blocks, hashed as it goes: this runs at every checkpoint
    /// of a run whose journal grows without bound, and a buffer the size of
    /// the journal would leave the monitor's heap that much larger each time.
    public static func measure(_ path: String) -> (sha256: String, lines: Int)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let block = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { block.deallocate() }
        guard let base = block.baseAddress else { return nil }
        var hasher = SHA256()
        var lines = 0
        // Bytes after the last newline seen: hashed once their line is complete.
        var tail: [UInt8] = []
        while true {
            let count = read(fd, base, block.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            var last = -1
            var offset = 0
            while offset < count, let found = memchr(base + offset, 0x0A, count - offset) {
                last = base.distance(to: found)
                lines += 1
                offset = last + 1
            }
            if last < 0 {
                tail.append(contentsOf: UnsafeRawBufferPointer(start: base, count: count))
                continue
            }
            if !tail.isEmpty {
                tail.withUnsafeBytes { hasher.update(bufferPointer: $0) }
                tail.removeAll(keepingCapacity: tail.count <= 64 << 10)
            }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(start: base, count: last + 1))
            tail.append(contentsOf: UnsafeRawBufferPointer(start: base + last + 1, count: count - last - 1))
        }
        return (Journal.hex(hasher.finalize()), lines)
    }

    /// The first way the journal at `path` differs from this digest, naming
    /// the line; nil when it matches.
    public func problem(journalPath path: String) -> JournalReader.Problem? {
        let recorded = lines.map { "\($0) lines" } ?? "a digest"
        guard let data = FileManager.default.contents(atPath: path) else {
            return JournalReader.Problem(
                line: 1, reason: "the journal is missing; results.json records \(recorded) of it")
        }
        let lineEnds = Self.lineEnds(data)
        guard let lines else {
            // Older results: only the whole file can be compared, once sealed.
            guard sealed, Journal.sha256Hex(data) != sha256 else { return nil }
            return JournalReader.Problem(
                line: max(lineEnds.count, 1),
                reason: "the journal (\(lineEnds.count) lines) differs from the SHA-256 recorded in results.json")
        }
        guard lineEnds.count >= lines else {
            let kept = lineEnds.count
            let what =
                kept == 0
                ? "the journal is empty" : "the journal ends after line \(kept)"
            let missing = kept + 1 == lines ? "line \(lines) is" : "lines \(kept + 1)–\(lines) are"
            return JournalReader.Problem(
                line: kept + 1,
                reason: "\(what) but results.json records \(lines) lines: \(missing) missing (cut or deleted)")
        }
        let covered = lines == 0 ? 0 : lineEnds[lines - 1] + 1
        if Journal.sha256Hex(data.prefix(covered)) != sha256 {
            let start = lines >= 2 ? lineEnds[lines - 2] + 1 : 0
            let type = Self.type(of: data[start..<covered])
            return JournalReader.Problem(
                line: lines,
                reason: "line \(lines)\(type.map { " (type '\($0)')" } ?? "") differs from the journal recorded in "
                    + "results.json: the SHA-256 of lines 1–\(lines) is not the one recorded "
                    + "(\(sha256.prefix(12))…); the line was changed, or the chain rewritten up to it")
        }
        if sealed, data.count > covered {
            return JournalReader.Problem(
                line: lines + 1,
                reason: "line \(lines + 1) was added after the verdict: results.json records \(lines) lines")
        }
        return nil
    }

    /// Offsets of every newline, found with memchr: a journal has a line a
    /// sample, and this runs at every checkpoint while the run goes on.
    private static func lineEnds(_ data: Data) -> [Int] {
        data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) -> [Int] in
            guard let base = buffer.baseAddress else { return [] }
            var ends: [Int] = []
            var offset = 0
            while offset < buffer.count,
                let found = memchr(base + offset, Int32(UInt8(ascii: "\n")), buffer.count - offset)
            {
                let index = base.distance(to: UnsafeRawPointer(found))
                ends.append(index)
                offset = index + 1
            }
            return ends
        }
    }

    private static func type(of line: Data) -> String? {
        guard case .string(let type)? = (try? JSONDecoder().decode(JSONValue.self, from: Data(line)))?.fields["type"]
        else { return nil }
        return type
    }
}
