import Foundation

/// A private (0700) temporary directory for one operation — the bundle
/// being built by export, a bundle being checked by verify — removed on
/// every way out: when the operation returns or throws (`remove`, or the
/// last reference going), and on SIGINT/SIGTERM when the command called
/// `ScratchDirectory.removeAllOnSignals()`. Made with mkdtemp in `$TMPDIR`.
public final class ScratchDirectory: @unchecked Sendable {
    public let path: String

    /// Every scratch directory still alive in this process, for the signal handler.
    private static let live = LiveDirectories()
    nonisolated(unsafe) private static var signalWatch: SignalWatch.Watch?
    private static let signalLock = NSLock()

    /// Makes `$TMPDIR/<prefix>XXXXXX`, mode 0700.
    public init(prefix: String) throws(ScratchError) {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array((base + "/" + prefix + "XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let start = buffer.baseAddress else { return false }
            return mkdtemp(start) != nil
        }
        guard made else {
            throw ScratchError(
                "cannot make a temporary directory in \(base): \(String(cString: strerror(errno))) (set TMPDIR to a writable directory)"
            )
        }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        Self.live.insert(path)
    }

    deinit { remove() }

    /// Removes the directory and all it holds; safe to call twice.
    public func remove() {
        guard Self.live.remove(path) else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// For commands that make scratch directories and may be interrupted:
    /// on SIGINT or SIGTERM every live scratch directory is removed, then
    /// the process exits as the signal would have ended it (128 + signal).
    public static func removeAllOnSignals() {
        signalLock.lock()
        defer { signalLock.unlock() }
        guard signalWatch == nil else { return }
        signalWatch = SignalWatch.install([SIGINT, SIGTERM]) { signalNumber in
            for path in live.removeAll() { try? FileManager.default.removeItem(atPath: path) }
            exit(128 + signalNumber)
        }
    }
}

/// The paths of live scratch directories, shared with the signal handler.
private final class LiveDirectories: @unchecked Sendable {
    private let lock = NSLock()
    private var paths = Set<String>()

    func insert(_ path: String) { lock.withLock { _ = paths.insert(path) } }

    /// True when `path` was live (and is no longer).
    func remove(_ path: String) -> Bool { lock.withLock { paths.remove(path) != nil } }

    func removeAll() -> [String] {
        lock.withLock {
            defer { paths.removeAll() }
            return Array(paths)
        }
    }
}

/// A temporary directory could not be made.
public struct ScratchError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
