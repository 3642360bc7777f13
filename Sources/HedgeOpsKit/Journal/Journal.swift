import Crypto
public import Foundation

/// The append-only record of a run: one JSON object a line,
/// each carrying `prev`, the SHA-256 of the previous line's bytes (64 zeros
/// on the first line). Events that must survive a crash are fsync'd before
/// `append` returns; samples at least every ``sampleSyncInterval`` seconds.
///
/// When the disk refuses a write (full, read-only, I/O error), the event is
/// held in memory (a bounded `WriteBacklog`) and `append` throws
/// `JournalHeld`; later appends queue behind it and the held events are
/// retried every `retryInterval` seconds. Once they are written, in order,
/// a `write_gap` event records when writes failed and what was held or
/// dropped. `seq` and `prev` are given when a line is written, so the chain
/// stays whole and every line is written exactly once.
public final class Journal: @unchecked Sendable {
    public static let genesis = String(repeating: "0", count: 64)
    /// How long a sample may wait for an fsync. Each one makes the kernel
    /// start a disk write from hedgeops's own thread (a sixth of a sample's
    /// CPU at one sample a second, measured); five seconds of samples is all
    /// a power cut can take, and a killed hedgeops loses nothing written.
    public static let sampleSyncInterval = 5.0

    public let path: String
    private let file: LineAppender
    private let lock = NSLock()
    private var previousHash: String
    /// The line being written, reused: one allocation for the whole run.
    private var lineBuffer: [UInt8] = []
    private var sequence: Int
    private var unsynced = false
    private var lastSync = Date()
    private var backlog: WriteBacklog<[(key: String, value: JSONValue)]>
    private let retryInterval: Double
    private var lastAttempt = 0.0
    private var finishedOutage: WriteOutage?
    /// Applied to every string of every line: no secret is ever recorded.
    public var redactor = SecretRedactor.empty {
        didSet {
            cleanCountKeys = nil
            cleanLogFile = nil
        }
    }
    /// The last sample's count names, in order, and its log file, when the
    /// redactor found no secret in them: a sample naming the same is written
    /// straight into the line buffer.
    private var cleanCountKeys: [String]?
    private var cleanLogFile: String?
    /// Sample lines written straight into the buffer, so a test can tell the paths apart.
    private(set) var directLines = 0
    /// The time a line's `at` gives; a test's fixed one makes two journals comparable.
    var clock: @Sendable () -> Date = { Date() }

    /// Starts a new journal; fails if the file exists (a journal is never overwritten).
    /// `backlogCapacity` bounds the samples and log lines held while the disk
    /// refuses writes; `io` is the system's unless a test hands in its own.
    public init(
        creating path: String, backlogCapacity: Int = 4096, retryInterval: Double = 1,
        io: LineAppender.FileIO = .system
    ) throws {
        do {
            file = try LineAppender(path: path, exclusive: true, io: io)
        } catch {
            throw JournalError("cannot create \(path): \(error.reason)")
        }
        self.path = path
        previousHash = Self.genesis
        sequence = 0
        backlog = WriteBacklog(capacity: backlogCapacity)
        self.retryInterval = retryInterval
    }

    /// Continues an existing, verified journal.
    public init(
        continuing path: String, lastLineHash: String, lastSequence: Int, backlogCapacity: Int = 4096,
        retryInterval: Double = 1, io: LineAppender.FileIO = .system
    ) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw JournalError("cannot open \(path): no such file")
        }
        do {
            file = try LineAppender(path: path, io: io)
        } catch {
            throw JournalError("cannot open \(path): \(error.reason)")
        }
        self.path = path
        previousHash = lastLineHash
        sequence = lastSequence
        backlog = WriteBacklog(capacity: backlogCapacity)
        self.retryInterval = retryInterval
    }

    deinit {
        lock.lock()
        flushLocked(force: true)
        syncLocked()
        lock.unlock()
    }

    /// Appends one event. `durable` events are on disk when this returns.
    /// Throws `JournalHeld` when the event could not be written now and is
    /// held in memory for a retry.
    @discardableResult
    public func append(_ event: JournalEvent, durable: Bool = false) throws -> Int {
        if case .sample(let sample) = event { return try appendSample(sample, durable: durable) }
        return try append(event.type, event.fields, durable: durable)
    }

    /// Appends an event given as its type and fields (what ``append(_:durable:)`` writes).
    @discardableResult
    public func append(_ type: String, _ fields: [String: JSONValue] = [:], durable: Bool = false) throws -> Int {
        try append(type, pairs: Array(fields), durable: durable)
    }

    /// Appends fields given as pairs (keys unique), in any order.
    private func append(_ type: String, pairs fields: [(key: String, value: JSONValue)], durable: Bool) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        return try appendLocked(type, redacted(fields, type: type, at: clock()), durable: durable)
    }

    /// Appends an event's redacted fields, `type` and `at` included.
    private func appendLocked(_ type: String, _ object: [(key: String, value: JSONValue)], durable: Bool) throws
        -> Int
    {
        try appendLocked(type, object: { object }, durable: durable) { line, sequence, previous in
            Self.write(object, sequence: sequence, previous: previous, into: &line)
        }
    }

    /// A sample: the line the pairs would give, written without them when
    /// nothing is held and no name in it holds a secret.
    private func appendSample(_ sample: JournalEvent.Sample, durable: Bool) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        let date = clock()
        guard let keys = cleanKeys(of: sample) else {
            return try appendLocked("sample", redacted(sample.pairs, type: "sample", at: date), durable: durable)
        }
        return try appendLocked(
            "sample", object: { redacted(sample.pairs, type: "sample", at: date) }, durable: durable
        ) {
            line, sequence, previous in
            sample.writeLine(at: date, sequence: sequence, previous: previous, countKeys: keys, into: &line)
            directLines += 1
        }
    }

    /// The sample's count names in order when neither they nor its log
    /// file hold a secret (checked once while they stay the same); nil otherwise.
    private func cleanKeys(of sample: JournalEvent.Sample) -> [String]? {
        let same = cleanCountKeys.map { $0.count == sample.counts.count && $0.allSatisfy { sample.counts[$0] != nil } }
        if same != true {
            let keys = sample.counts.keys.sorted()
            cleanCountKeys = keys.contains(where: redactor.reveals) ? nil : keys
        }
        if let file = sample.logFile, file != cleanLogFile {
            guard !redactor.reveals(file) else { return nil }
            cleanLogFile = file
        }
        return cleanCountKeys
    }

    /// The fields redacted, with the event's `type` and `at`.
    private func redacted(_ fields: [(key: String, value: JSONValue)], type: String, at date: Date)
        -> [(key: String, value: JSONValue)]
    {
        var object = fields
        for index in object.indices { object[index].value = redactor.redact(object[index].value) }
        object.append(("type", .string(type)))
        object.append(("at", .string(Timestamp.rfc3339(date))))
        return object
    }

    /// Writes the line `write` builds, or holds `object()` (the same event)
    /// when anything is held already or the disk refuses it.
    private func appendLocked(
        _ type: String, object: () -> [(key: String, value: JSONValue)], durable: Bool,
        write: (inout [UInt8], _ sequence: Int, _ previous: String) -> Void
    ) throws -> Int {
        if !backlog.isEmpty {
            // Behind what is held, in order.
            backlog.hold(object(), kind: type, droppable: !durable, reason: backlog.outage?.reason ?? "", at: Date())
            flushLocked(force: false)
            if let held = heldLocked() { throw held }
            return sequence
        }
        do {
            try writeLine(write)
        } catch {
            backlog.hold(object(), kind: type, droppable: !durable, reason: error.reason, at: Date())
            lastAttempt = RunClock.monotonic()
            if let held = heldLocked() { throw held }
        }
        if durable || Date().timeIntervalSince(lastSync) >= Self.sampleSyncInterval { try syncOrThrowLocked() }
        return sequence
    }

    /// Writes what is held if the last attempt is `retryInterval` old (or
    /// `force`); true when nothing is held any more.
    @discardableResult
    public func retryHeld(force: Bool = false) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        flushLocked(force: force)
        return backlog.isEmpty
    }

    /// The outage under way (events held in memory), if any.
    public var outage: WriteOutage? {
        lock.lock()
        defer { lock.unlock() }
        return backlog.outage
    }

    /// Events held in memory, not yet written.
    public var heldCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return backlog.count
    }

    /// The last outage that ended (its `write_gap` line is written), once:
    /// the caller tells the operator, then it is cleared.
    public func takeFinishedOutage() -> WriteOutage? {
        lock.lock()
        defer { lock.unlock() }
        defer { finishedOutage = nil }
        return finishedOutage
    }

    /// Flushes to disk if anything is pending.
    public func sync() {
        lock.lock()
        defer { lock.unlock() }
        syncLocked()
    }

    /// Gives the event its place in the chain and writes it as one line,
    /// or leaves the chain as it was and throws.
    private func writeLocked(_ event: [(key: String, value: JSONValue)]) throws(LineAppender.Failure) {
        try writeLine { line, sequence, previous in
            Self.write(event, sequence: sequence, previous: previous, into: &line)
        }
    }

    /// The line `build` writes for the next `seq` and `prev`, hashed and
    /// appended; the chain moves on only once it is written.
    private func writeLine(_ build: (inout [UInt8], _ sequence: Int, _ previous: String) -> Void)
        throws(LineAppender.Failure)
    {
        lineBuffer.removeAll(keepingCapacity: true)
        build(&lineBuffer, sequence + 1, previousHash)
        let digest = SHA256.hash(data: lineBuffer)
        lineBuffer.append(UInt8(ascii: "\n"))
        try file.append(lineBuffer)
        sequence += 1
        previousHash = Self.hex(digest)
        unsynced = true
    }

    /// An event's fields with `seq` and `prev`, keys in order: the
    /// canonical form ``JSONValue`` gives an object.
    private static func write(
        _ event: [(key: String, value: JSONValue)], sequence: Int, previous: String, into line: inout [UInt8]
    ) {
        var object = event
        object.append(("seq", .int(sequence)))
        object.append(("prev", .string(previous)))
        object.sort { $0.key < $1.key }
        JSONValue.write(orderedObject: object, into: &line)
    }

    private func flushLocked(force: Bool) {
        guard !backlog.isEmpty else { return }
        let now = RunClock.monotonic()
        guard force || now - lastAttempt >= retryInterval else { return }
        lastAttempt = now
        while let event = backlog.first {
            do {
                try writeLocked(event)
            } catch {
                backlog.stillFailing(error.reason)
                return
            }
            backlog.removeFirst()
        }
        guard let outage = backlog.end(at: Date()) else { return }
        var gap = JournalEvent.writeGap(outage.record(file: URL(fileURLWithPath: path).lastPathComponent)).fields
        gap["type"] = "write_gap"
        gap["at"] = .string(Timestamp.rfc3339(clock()))
        do {
            try writeLocked(Array(gap))
            finishedOutage = outage
        } catch {
            // The disk refused again at once: the gap's own record waits its turn.
            backlog.hold(Array(gap), kind: "write_gap", droppable: false, reason: error.reason, at: outage.since)
        }
        syncLocked()
    }

    private func heldLocked() -> JournalHeld? {
        guard let outage = backlog.outage, !backlog.isEmpty else { return nil }
        return JournalHeld(path: path, outage: outage, heldNow: backlog.count)
    }

    private func syncOrThrowLocked() throws {
        guard unsynced else { return }
        do {
            try file.sync()
        } catch {
            throw JournalError("cannot sync \(path) to disk: \(error.reason)")
        }
        unsynced = false
        lastSync = Date()
    }

    private func syncLocked() {
        try? syncOrThrowLocked()
    }

    static func sha256Hex(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// A digest in lower-case hex.
    static func hex(_ digest: SHA256.Digest) -> String {
        // By hand, into the String's own storage: this runs for every journal line.
        String(unsafeUninitializedCapacity: 2 * SHA256.byteCount) { out in
            var count = 0
            for byte in digest {
                out[count] = hexDigit(byte >> 4)
                out[count + 1] = hexDigit(byte & 0x0F)
                count += 2
            }
            return count
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// SHA-256 of a whole file, for results and manifests.
    public static func fileSHA256(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return sha256Hex(data)
    }
}

/// An event the journal could not write now: it is held in memory, with
/// everything after it, and written as soon as the disk accepts it.
public struct JournalHeld: Error, CustomStringConvertible {
    public var path: String
    public var outage: WriteOutage
    /// Events waiting in memory now.
    public var heldNow: Int
    public var description: String {
        var text = "cannot write \(path): \(outage.reason); \(heldNow) event(s) held in memory"
        if outage.droppedCount > 0 { text += ", \(outage.droppedCount) dropped (memory bound)" }
        return text
    }
}

public struct JournalError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// UTC RFC 3339 timestamps with milliseconds, as every file of a run uses.
public enum Timestamp {
    public static func rfc3339(_ date: Date) -> String {
        String(unsafeUninitializedCapacity: 24) { fill($0, date) }
    }

    /// Appends the bytes ``rfc3339(_:)`` gives to `out` without making a
    /// String (a sample's journal line and CSV row carry one each).
    public static func write(_ date: Date, into out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { bytes in
            let count = fill(bytes, date)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<count]))
        }
    }

    /// Writes the 24 bytes by hand: no formatter, no allocation.
    private static func fill(_ bytes: UnsafeMutableBufferPointer<UInt8>, _ date: Date) -> Int {
        let seconds = date.timeIntervalSince1970
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        let millis = Int((seconds - seconds.rounded(.down)) * 1000)
        var at = 0
        func put(_ value: Int, _ width: Int, _ separator: UInt8) {
            var rest = max(0, value)
            for position in stride(from: at + width - 1, through: at, by: -1) {
                bytes[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            bytes[at + width] = separator
            at += width + 1
        }
        put(Int(parts.tm_year) + 1900, 4, UInt8(ascii: "-"))
        put(Int(parts.tm_mon) + 1, 2, UInt8(ascii: "-"))
        put(Int(parts.tm_mday), 2, UInt8(ascii: "T"))
        put(Int(parts.tm_hour), 2, UInt8(ascii: ":"))
        put(Int(parts.tm_min), 2, UInt8(ascii: ":"))
        put(Int(parts.tm_sec), 2, UInt8(ascii: "."))
        put(millis, 3, UInt8(ascii: "Z"))
        return at
    }
}
