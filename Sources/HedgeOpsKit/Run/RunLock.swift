import Foundation

/// One run per data directory at a time: an exclusive `flock` held on an
/// open descriptor of `DATA/.hedgeops.lock` for as long as this object
/// lives. The kernel drops the lock when its owner exits, however it dies,
/// so a lock left by a dead process is simply free. The file is never
/// removed: deleting a locked file would let the next process lock a new
/// file of the same name while the owner still runs. It holds the owner's
/// PID and /proc start time, for the message that names who holds it.
/// The descriptor is close-on-exec, so the executor never inherits the lock.
public final class RunLock {
    public let path: String
    private var fd: Int32

    /// Another live process holds the lock.
    public struct Held: Error, CustomStringConvertible {
        /// nil when the owner has not written its PID yet (it is taking the lock this instant).
        public var pid: Int32?
        public var path: String
        public var description: String {
            let owner = pid.map { "another hedgeops (pid \($0))" } ?? "another hedgeops"
            return "\(owner) holds \(path): one run per data directory at a time; "
                + "wait for it, or use another --data-dir"
        }
    }

    /// Takes the lock for this process, or throws `Held` (nothing is changed
    /// then: the owner's lock and file stay as they are).
    public init(dataDirectory: String) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let path = dataDirectory + "/.hedgeops.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw JournalError("cannot open the lock \(path): \(String(cString: strerror(errno)))")
        }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let reason = errno
            let owner = Self.owner(fd)
            close(fd)
            if reason == EWOULDBLOCK { throw Held(pid: owner, path: path) }
            throw JournalError("cannot lock \(path): \(String(cString: strerror(reason)))")
        }
        self.path = path
        self.fd = fd
        recordOwner()
    }

    /// Takes over a lock handed down as descriptor `fd` by the process that
    /// took it (the session that starts the supervisor): the flock belongs
    /// to the open file, so it was never free in between.
    public init(inherited fd: Int32, dataDirectory: String) throws {
        let path = dataDirectory + "/.hedgeops.lock"
        var mine = stat()
        var named = stat()
        guard fstat(fd, &mine) == 0, stat(path, &named) == 0, mine.st_ino == named.st_ino, mine.st_dev == named.st_dev
        else { throw JournalError("descriptor \(fd) is not the lock \(path)") }
        // Already ours, so this cannot block; it fails only if the descriptor holds no lock at all.
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            throw JournalError("descriptor \(fd) does not hold the lock \(path): \(String(cString: strerror(errno)))")
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        self.path = path
        self.fd = fd
        recordOwner()
    }

    /// Ours now: records who holds it. A failure to write (disk full) does
    /// not weaken the lock, only the message another process would show.
    private func recordOwner() {
        let me = getpid()
        let record = Array("\(me) \(ProcessSampler.startTime(of: me) ?? 0)\n".utf8)
        if ftruncate(fd, 0) == 0 {
            _ = record.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
    }

    /// The open descriptor, to hand to the supervisor process.
    public var descriptor: Int32 { fd }

    /// Gives the lock up (the file stays); the next `run` or `resume` may take it.
    public func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    deinit { release() }

    /// The PID the holder recorded, if it is still that process (same /proc
    /// start time): a reused PID names nobody.
    static func owner(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 64)
        // The holder writes its PID just after locking: give it a moment.
        for _ in 0..<20 {
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            let parts = String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self)
                .split(whereSeparator: \.isWhitespace)
            if parts.count >= 2, let pid = Int32(parts[0]), let start = UInt64(parts[1]) {
                return ProcessSampler.startTime(of: pid) == start ? pid : nil
            }
            usleep(5_000)
        }
        return nil
    }
}
