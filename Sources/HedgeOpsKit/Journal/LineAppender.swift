public import Foundation

/// Appends whole lines to a file through a POSIX descriptor: a line is on
/// disk entirely or not at all. A write cut short (the disk filled up in
/// the middle of a line) is truncated back to the end of the last whole
/// line before anything else is written, so a line kept for a retry is
/// written exactly once, never half and then again. It never traps: every
/// failure is an error naming the file and the system's reason.
public final class LineAppender {
    /// The system calls the appender makes; tests hand in ones that fail.
    public struct FileIO: Sendable {
        /// `write(2)`: bytes written, or -1 with `errno` set.
        public var write: @Sendable (Int32, UnsafeRawPointer, Int) -> Int
        /// `ftruncate(2)`: 0, or -1 with `errno` set.
        public var truncate: @Sendable (Int32, off_t) -> Int32
        /// `fsync(2)`: 0, or -1 with `errno` set.
        public var sync: @Sendable (Int32) -> Int32

        public init(
            write: @escaping @Sendable (Int32, UnsafeRawPointer, Int) -> Int,
            truncate: @escaping @Sendable (Int32, off_t) -> Int32,
            sync: @escaping @Sendable (Int32) -> Int32
        ) {
            self.write = write
            self.truncate = truncate
            self.sync = sync
        }

        public static let system = FileIO(
            write: { Glibc.write($0, $1, $2) }, truncate: { ftruncate($0, $1) }, sync: { fsync($0) })
    }

    /// A write the file refused: disk full, read-only, immutable, I/O error.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var path: String
        public var code: Int32
        public var reason: String { String(cString: strerror(code)) }
        public var description: String { "cannot write \(path): \(reason)" }
    }

    public let path: String
    private let fd: Int32
    private let io: FileIO
    /// The offset just past the last whole line.
    private var end: off_t
    /// A line was cut short and could not be truncated away yet.
    private var torn = false

    /// Opens `path` for appending; `exclusive` refuses an existing file.
    public init(path: String, exclusive: Bool = false, io: FileIO = .system) throws(Failure) {
        let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (exclusive ? O_EXCL : 0)
        // Run files are the operator's alone (journal, results, samples).
        let fd = open(path, flags, 0o600)
        guard fd >= 0 else { throw Failure(path: path, code: errno) }
        self.path = path
        self.fd = fd
        self.io = io
        end = lseek(fd, 0, SEEK_END)
    }

    deinit { close(fd) }

    /// Writes `bytes` (one or more whole lines) entirely, or throws and leaves
    /// the file as it was.
    public func append(_ bytes: [UInt8]) throws(Failure) {
        if torn {
            guard io.truncate(fd, end) == 0 else { throw Failure(path: path, code: errno) }
            torn = false
        }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return io.write(fd, base + offset, buffer.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 {
                let code = written < 0 ? errno : EIO
                if offset > 0 {
                    // Take the half line back; if even that fails, before the next write.
                    torn = io.truncate(fd, end) != 0
                }
                throw Failure(path: path, code: code)
            }
            offset += written
        }
        end += off_t(bytes.count)
    }

    /// Flushes what was written to the disk.
    public func sync() throws(Failure) {
        guard io.sync(fd) == 0 else { throw Failure(path: path, code: errno) }
    }
}
