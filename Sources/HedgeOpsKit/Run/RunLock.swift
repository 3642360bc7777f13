import Foundation

/// One run per data directory at a time: a lock file holding the owner's PID
/// and /proc start time. A lock whose owner is gone (or whose PID now names
/// another process) is stale and taken over.
public final class RunLock {
    public let path: String

    public struct Held: Error, CustomStringConvertible {
        public var pid: Int32
        public var path: String
        public var description: String {
            "another hedgeops (pid \(pid)) holds \(path): one run per data directory at a time; "
                + "wait for it, or use another --data-dir"
        }
    }

    /// Takes the lock for this process, or throws `Held`.
    public init(dataDirectory: String) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        path = dataDirectory + "/.hedgeops.lock"
        let me = getpid()
        let mine = "\(me) \(ProcessSampler.startTime(of: me) ?? 0)\n"
        for _ in 0..<2 {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                _ = mine.withCString { write(fd, $0, strlen($0)) }
                close(fd)
                return
            }
            if let owner = Self.liveOwner(path) { throw Held(pid: owner, path: path) }
            unlink(path)  // stale: its owner is gone
        }
        throw JournalError("cannot take the lock \(path)")
    }

    /// Hands the lock to this process (resume after the owner died).
    public func release() {
        unlink(path)
    }

    deinit { release() }

    static func liveOwner(_ path: String) -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard let pid = parts.first.flatMap({ Int32($0) }) else { return nil }
        // Same PID and start time, and not a zombie: a killed hedgeops can
        // linger as a zombie, and a PID can be reused by another process.
        guard let recorded = parts.dropFirst().first.flatMap({ UInt64($0) }) else { return nil }
        return AdoptedProcess(pid: pid, startTime: recorded) != nil ? pid : nil
    }
}
