import Foundation

/// Reads small `/proc` files into one reused buffer and parses bytes, not
/// Strings: a sample costs a few system calls per process, no allocation.
struct ProcReader {
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// The file's bytes (at most 64 KiB), or nil if it cannot be read (the process is gone).
    mutating func read(_ path: String) -> ArraySlice<UInt8>? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var total = 0
        while total < buffer.count {
            let count = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return Glibc.read(fd, base + total, raw.count - total)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            total += count
        }
        return buffer[0..<total]
    }

    /// The decimal numbers in `bytes`, in order (a children file, a pid list).
    static func integers(_ bytes: ArraySlice<UInt8>) -> [Int32] {
        var result: [Int32] = []
        var value: Int32 = 0
        var inNumber = false
        for byte in bytes {
            if byte >= 48 && byte <= 57 {
                value = value &* 10 &+ Int32(byte - 48)
                inNumber = true
            } else if inNumber {
                result.append(value)
                value = 0
                inNumber = false
            }
        }
        if inNumber { result.append(value) }
        return result
    }

    /// The names in a directory (pids under /proc/PID/task, descriptors under fd).
    static func entries(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// How many entries a directory has, without building their names.
    static func count(_ path: String) -> Int? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var count = 0
        while readdir(directory) != nil { count += 1 }
        return max(0, count - 2)
    }
}

/// The fields of `/proc/PID/stat` hedgeops uses, parsed from bytes. The
/// command name may hold spaces and parentheses: fields are counted after
/// the last ')'.
struct ProcStat: Equatable {
    var state: UInt8
    var ppid: Int32
    var processGroup: Int32
    var session: Int32
    /// utime + stime, in clock ticks.
    var ownTicks: Double
    /// cutime + cstime: CPU of children this process has reaped.
    var reapedChildrenTicks: Double
    var startTime: UInt64

    var isZombie: Bool { state == UInt8(ascii: "Z") || state == UInt8(ascii: "X") }

    init?(_ bytes: ArraySlice<UInt8>) {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        var fields: [ArraySlice<UInt8>] = []
        fields.reserveCapacity(22)
        var start = bytes.index(after: close)
        var index = start
        while index < bytes.endIndex && fields.count < 20 {
            if bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\n") {
                if index > start { fields.append(bytes[start..<index]) }
                start = bytes.index(after: index)
            }
            index = bytes.index(after: index)
        }
        if fields.count < 20 && start < bytes.endIndex && index > start { fields.append(bytes[start..<index]) }
        guard fields.count >= 20, let state = fields[0].first else { return nil }
        func number(_ i: Int) -> Int64 {
            var value: Int64 = 0
            var negative = false
            for byte in fields[i] {
                if byte == UInt8(ascii: "-") { negative = true } else { value = value &* 10 &+ Int64(byte &- 48) }
            }
            return negative ? -value : value
        }
        self.state = state
        ppid = Int32(truncatingIfNeeded: number(1))
        processGroup = Int32(truncatingIfNeeded: number(2))
        session = Int32(truncatingIfNeeded: number(3))
        ownTicks = Double(number(11) + number(12))
        reapedChildrenTicks = Double(number(13) + number(14))
        startTime = UInt64(max(0, number(19)))
    }
}

/// The lines of `/proc/PID/status` hedgeops uses, in kB (Threads a count).
struct ProcStatus {
    var rssKB = 0.0
    var anonKB = 0.0
    var swapKB = 0.0
    var threads = 0

    init(_ bytes: ArraySlice<UInt8>) {
        var lineStart = bytes.startIndex
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            let line = bytes[lineStart..<index]
            lineStart = bytes.index(after: index)
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let key = line[line.startIndex..<colon]
            let value = Self.firstNumber(line[colon...])
            if key.elementsEqual("VmRSS".utf8) {
                rssKB = value
            } else if key.elementsEqual("RssAnon".utf8) {
                anonKB = value
            } else if key.elementsEqual("VmSwap".utf8) {
                swapKB = value
            } else if key.elementsEqual("Threads".utf8) {
                threads = Int(value)
            }
        }
    }

    private static func firstNumber(_ bytes: ArraySlice<UInt8>) -> Double {
        var value = 0.0
        var seen = false
        for byte in bytes {
            if byte >= 48 && byte <= 57 {
                value = value * 10 + Double(byte - 48)
                seen = true
            } else if seen {
                break
            }
        }
        return value
    }
}
