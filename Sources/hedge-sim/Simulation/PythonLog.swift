import Foundation

/// Writes records the way the load-test script configures Python logging:
/// `%(asctime)s - %(name)s - %(levelname)s - %(message)s`, to the log file
/// and to stderr (its FileHandler and StreamHandler), each record flushed.
final class PythonLog {
    enum Level: String {
        case debug = "DEBUG", info = "INFO", warning = "WARNING", error = "ERROR", critical = "CRITICAL"
    }

    private let file: UnsafeMutablePointer<FILE>
    let path: String
    /// Seconds since the epoch of the simulated clock, for `asctime`.
    var now: () -> Double

    /// Opens `directory/load_test_%Y%m%d_%H%M%S.log`; the directory must exist,
    /// as for the real script (its FileHandler does not create it).
    init(directory: String, startedAt: Date, now: @escaping () -> Double) throws {
        let name = "load_test_\(Self.stamp(startedAt.timeIntervalSince1970, "%Y%m%d_%H%M%S")).log"
        path = (directory as NSString).appendingPathComponent(name)
        guard let handle = fopen(path, "a") else {
            throw SimulationError(
                "FileNotFoundError: [Errno \(errno)] \(String(cString: strerror(errno))): '\(path)'")
        }
        file = handle
        self.now = now
    }

    deinit { fclose(file) }

    func log(_ level: Level, _ logger: String, _ message: String) {
        let seconds = now()
        let millis = Int((seconds - seconds.rounded(.down)) * 1000)
        let asctime = Self.stamp(seconds, "%Y-%m-%d %H:%M:%S") + String(format: ",%03d", millis)
        let record = "\(asctime) - \(logger) - \(level.rawValue) - \(message)\n"
        fputs(record, file)
        fflush(file)
        writeStandardError(record)
    }

    /// Local time, as Python's `datetime.now()` and logging's asctime use.
    static func stamp(_ seconds: Double, _ format: String) -> String {
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        localtime_r(&time, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, format, &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Unbuffered write to fd 2 (the C `stderr` global is not concurrency-safe in Swift 6).
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            return write(2, base + offset, buffer.count - offset)
        }
        if written <= 0 { return }
        offset += written
    }
}

struct SimulationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
