import Crypto
public import Foundation

/// The append-only record of a run (SPEC §4.3–4.4): one JSON object a line,
/// each carrying `prev`, the SHA-256 of the previous line's bytes (64 zeros
/// on the first line). Events that must survive a crash are fsync'd before
/// `append` returns; samples are synced at least once a second.
public final class Journal: @unchecked Sendable {
    public static let genesis = String(repeating: "0", count: 64)

    public let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var previousHash: String
    private var sequence: Int
    private var unsynced = false
    private var lastSync = Date()
    /// Applied to every string of every line: no secret is ever recorded.
    public var redactor = SecretRedactor.empty

    /// Starts a new journal; fails if the file exists (a journal is never overwritten).
    public init(creating path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw JournalError("cannot create \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        self.fd = fd
        previousHash = Self.genesis
        sequence = 0
    }

    /// Continues an existing, verified journal.
    public init(continuing path: String, lastLineHash: String, lastSequence: Int) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw JournalError("cannot open \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        self.fd = fd
        previousHash = lastLineHash
        sequence = lastSequence
    }

    deinit {
        fsync(fd)
        close(fd)
    }

    /// Appends one event. `durable` events are on disk when this returns.
    @discardableResult
    public func append(_ type: String, _ fields: [String: JSONValue] = [:], durable: Bool = false) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        sequence += 1
        var object = redactor.redact(fields)
        object["type"] = .string(type)
        object["seq"] = .int(sequence)
        object["at"] = .string(Timestamp.rfc3339(Date()))
        object["prev"] = .string(previousHash)
        let line = JSONValue.object(object).serialized
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return write(fd, base + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw JournalError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        previousHash = Self.sha256Hex(Data(line.utf8))
        unsynced = true
        if durable || Date().timeIntervalSince(lastSync) >= 1 { syncLocked() }
        return sequence
    }

    /// Flushes to disk if anything is pending.
    public func sync() {
        lock.lock()
        defer { lock.unlock() }
        syncLocked()
    }

    private func syncLocked() {
        guard unsynced else { return }
        fsync(fd)
        unsynced = false
        lastSync = Date()
    }

    static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 of a whole file, for results and manifests.
    public static func fileSHA256(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return sha256Hex(data)
    }
}

public struct JournalError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// UTC RFC 3339 timestamps with milliseconds (SPEC §5).
public enum Timestamp {
    public static func rfc3339(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        let millis = Int((seconds - seconds.rounded(.down)) * 1000)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, millis)
    }
}
