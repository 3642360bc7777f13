import Foundation

/// Reads small `/proc` (and cgroup) files through descriptors kept open
/// across samples, `pread` into one buffer allocated once, so a sample costs
/// one system call per file and no allocation. A descriptor of a process
/// that exited reads as an error (`ESRCH`), never as another process that
/// reused the PID: it is closed, and the file is opened afresh once.
final class ProcReader {
    /// Which file of a process (or thread) a kept descriptor reads.
    enum Kind: UInt8 {
        case stat, statm, status, children
        /// `/proc/PID/fd`, kept open for its size: the count of descriptors.
        case descriptors
    }

    /// The descriptors kept for one process, and when it was last read.
    private struct Files {
        var own: [Int32] = [-1, -1, -1, -1, -1]
        /// Each thread's `children` file.
        var children: [Int32: (fd: Int32, used: UInt32)] = [:]
        var tasks: OpaquePointer?
        var used: UInt32 = 0
    }

    /// System calls made, so a test can see what a sample costs: `opens`
    /// counts files and directories opened, `reads` every pread and getdents.
    struct Counters: Equatable {
        var opens = 0
        var reads = 0
    }

    let procRoot: String
    private(set) var counters = Counters()
    /// Descriptors kept open at most; past this, files are opened per read
    /// (a tree of thousands of processes still works, only costs more).
    let keepLimit: Int
    private let buffer: UnsafeMutableRawBufferPointer
    private let base: UnsafeMutableRawPointer
    private var processes: [Int32: Files] = [:]
    private var kept = 0
    private var keptDirectories = 0
    private var pathHandles: [String: Int32] = [:]
    private var sweep: UInt32 = 0
    private var pathBytes = [CChar](repeating: 0, count: 4096)
    private let rootBytes: [UInt8]
    /// The root is the kernel's /proc, not a test's directory of files standing in for it.
    let isProcfs: Bool

    init(procRoot: String = "/proc", capacity: Int = 64 * 1024, keepLimit: Int = 1024) {
        self.procRoot = procRoot
        self.keepLimit = keepLimit
        rootBytes = Array(procRoot.utf8)
        isProcfs = procRoot == "/proc"
        base = .allocate(byteCount: capacity, alignment: 16)
        buffer = UnsafeMutableRawBufferPointer(start: base, count: capacity)
    }

    deinit {
        for pid in Array(processes.keys) { forget(pid) }
        for fd in pathHandles.values { close(fd) }
        base.deallocate()
    }

    /// Starts a sample: processes not read between this and `endSweep()`
    /// have their descriptors closed then.
    func beginSweep() { sweep &+= 1 }

    /// Closes what the sample did not read: processes that left the tree,
    /// threads that exited.
    func endSweep() {
        let current = sweep
        for (pid, files) in processes {
            if files.used != current {
                forget(pid)
            } else if files.children.contains(where: { $0.value.used != current }) {
                for (tid, entry) in files.children where entry.used != current {
                    close(entry.fd)
                    kept -= 1
                    processes[pid]?.children[tid] = nil
                }
            }
        }
    }

    private func forget(_ pid: Int32) {
        guard let files = processes.removeValue(forKey: pid) else { return }
        for fd in files.own where fd >= 0 {
            close(fd)
            kept -= 1
        }
        for entry in files.children.values {
            close(entry.fd)
            kept -= 1
        }
        if let dir = files.tasks {
            closedir(dir)
            keptDirectories -= 1
        }
    }

    /// The bytes of `/proc/PID/[task/TID/]FILE` (at most the buffer's size),
    /// valid until the next read; nil when the process is gone. `tid` 0
    /// means the process's own file.
    func read(pid: Int32, tid: Int32 = 0, _ kind: Kind) -> UnsafeRawBufferPointer? {
        withKept(pid: pid, tid: tid, kind) { pread($0) }
    }

    /// The bytes of `/proc/PID/FILE` through its kept descriptor only: nil
    /// when none is kept or the process it was opened on is gone (a
    /// descriptor on `/proc/PID` names one process, not a number that may be
    /// given to another).
    func readKept(pid: Int32, _ kind: Kind) -> UnsafeRawBufferPointer? {
        withKept(pid: pid, kind, reopen: false) { pread($0) }
    }

    /// What `use` makes of the file's kept descriptor, or of one opened now
    /// (kept while there is room); a kept descriptor `use` fails on (its
    /// process gone) is closed and, unless `reopen` is false, the file
    /// opened afresh, once.
    private func withKept<T>(
        pid: Int32, tid: Int32 = 0, _ kind: Kind, reopen: Bool = true, _ use: (Int32) -> T?
    ) -> T? {
        let slot = Int(kind.rawValue)
        let current = sweep
        let cached = kind == .children ? processes[pid]?.children[tid]?.fd : processes[pid]?.own[slot]
        if let fd = cached, fd >= 0 {
            if let result = use(fd) {
                processes[pid]?.used = current
                if kind == .children { processes[pid]?.children[tid]?.used = current }
                return result
            }
            close(fd)
            kept -= 1
            if kind == .children {
                processes[pid]?.children[tid] = nil
            } else {
                processes[pid]?.own[slot] = -1
            }
        }
        guard reopen else { return nil }
        let fd = openProcFile(pid: pid, tid: tid, kind: kind)
        guard fd >= 0 else { return nil }
        guard let result = use(fd) else {
            close(fd)
            return nil
        }
        if kept < keepLimit {
            kept += 1
            processes[pid, default: Files()].used = current
            if kind == .children {
                processes[pid, default: Files()].children[tid] = (fd, current)
            } else {
                processes[pid, default: Files()].own[slot] = fd
            }
        } else {
            close(fd)
        }
        return result
    }

    /// The bytes of any small file by path (a cgroup's `cpu.stat`), kept open
    /// for the reader's life.
    func read(path: String) -> UnsafeRawBufferPointer? {
        if let fd = pathHandles[path] {
            if let bytes = pread(fd) { return bytes }
            close(fd)
            pathHandles[path] = nil
        }
        counters.opens += 1
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        guard let bytes = pread(fd) else {
            close(fd)
            return nil
        }
        pathHandles[path] = fd
        return bytes
    }

    /// The thread ids under `/proc/PID/task`, into `tids` (emptied first);
    /// false when the process is gone.
    func tasks(of pid: Int32, into tids: inout [Int32]) -> Bool {
        tids.removeAll(keepingCapacity: true)
        let dir: OpaquePointer
        let cached = processes[pid]?.tasks
        if let cached {
            dir = cached
            rewinddir(dir)
        } else {
            let fd = openProcFile(pid: pid, tid: 0, kind: nil)
            guard fd >= 0, let opened = fdopendir(fd) else {
                if fd >= 0 { close(fd) }
                return false
            }
            dir = opened
        }
        counters.reads += 1
        errno = 0
        while let entry = readdir(dir) {
            let tid = withUnsafeBytes(of: entry.pointee.d_name) { Self.decimal($0) }
            if tid > 0 { tids.append(tid) }
        }
        let gone = errno != 0 || tids.isEmpty
        if gone {
            closedir(dir)
            if cached != nil {
                processes[pid]?.tasks = nil
                keptDirectories -= 1
                // A kept directory of a process that exited: the PID may be another's now.
                return tasks(of: pid, into: &tids)
            }
            return false
        }
        // glibc gives each open directory a 32 KiB buffer: keep few.
        if cached == nil {
            if keptDirectories < min(keepLimit, 64) {
                keptDirectories += 1
                processes[pid, default: Files()].tasks = dir
            } else {
                closedir(dir)
            }
        }
        processes[pid, default: Files()].used = sweep
        return true
    }

    /// How many entries `/proc/PID/fd` has, without building their names;
    /// nil when it cannot be read.
    ///
    /// Linux 6.2 and later give the count as the directory's size: one
    /// `fstat` of a descriptor kept open on it (no path to look up), no
    /// walk. A size of 0 (older kernels) walks, as does a root that is not
    /// procfs (a test's own files, where size means bytes).
    func countDescriptors(of pid: Int32) -> Int? {
        if isProcfs {
            let size = withKept(pid: pid, .descriptors) { fd -> Int? in
                var info = stat()
                counters.reads += 1
                return fstat(fd, &info) == 0 ? Int(info.st_size) : nil
            }
            if let size, size > 0 { return size }
        }
        let path = "\(procRoot)/\(pid)/fd"
        counters.opens += 1
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var count = 0
        while readdir(directory) != nil { count += 1 }
        counters.reads += 1
        return max(0, count - 2)
    }

    private func pread(_ fd: Int32) -> UnsafeRawBufferPointer? {
        counters.reads += 1
        var total = 0
        while total < buffer.count {
            let count = Glibc.pread(fd, base + total, buffer.count - total, off_t(total))
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            total += count
            // A short read is the end: /proc's files are generated whole on each read (asking
            // again past the end would generate `status` a second time), cgroup and plain files alike.
            if count < buffer.count - (total - count) { break }
        }
        return UnsafeRawBufferPointer(rebasing: buffer[0..<total])
    }

    /// Opens `ROOT/PID[/task/TID]/FILE` (or the task directory when `kind`
    /// is nil), the path built in a reused buffer.
    private func openProcFile(pid: Int32, tid: Int32, kind: Kind?) -> Int32 {
        counters.opens += 1
        var length = 0
        func put(_ bytes: some Sequence<UInt8>) {
            for byte in bytes where length < pathBytes.count - 1 {
                pathBytes[length] = CChar(bitPattern: byte)
                length += 1
            }
        }
        func put(_ number: Int32) {
            var value = UInt32(bitPattern: number)
            let start = length
            repeat {
                pathBytes[length] = CChar(48 + value % 10)
                value /= 10
                length += 1
            } while value > 0 && length < pathBytes.count - 1
            pathBytes[start..<length].reverse()
        }
        put(rootBytes)
        put(CollectionOfOne(UInt8(ascii: "/")))
        put(pid)
        if tid != 0 || kind == .children {
            put("/task/".utf8)
            put(tid == 0 ? pid : tid)
        }
        switch kind {
        case .stat: put("/stat".utf8)
        case .statm: put("/statm".utf8)
        case .status: put("/status".utf8)
        case .children: put("/children".utf8)
        case .descriptors: put("/fd".utf8)
        case nil: put("/task".utf8)
        }
        pathBytes[length] = 0
        let flags = kind == nil || kind == .descriptors ? O_RDONLY | O_DIRECTORY | O_CLOEXEC : O_RDONLY | O_CLOEXEC
        return pathBytes.withUnsafeBufferPointer { path in path.baseAddress.map { open($0, flags) } ?? -1 }
    }

    /// A NUL-terminated decimal name as a number; 0 if it is not one.
    private static func decimal(_ name: UnsafeRawBufferPointer) -> Int32 {
        var value: Int32 = 0
        for byte in name {
            if byte == 0 { break }
            guard byte >= 48 && byte <= 57 else { return 0 }
            value = value &* 10 &+ Int32(byte - 48)
        }
        return value
    }

    /// Opens `path`, reads it (up to 16 KiB) into a temporary buffer, hands
    /// the bytes to `body` and closes it: for files read now and then (a
    /// start time, smaps_rollup), with no String in between.
    static func readOnce<T>(_ path: String, _ body: (UnsafeRawBufferPointer) -> T) -> T? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 16) { buffer -> T? in
            guard let base = buffer.baseAddress else { return nil }
            var total = 0
            while total < buffer.count {
                let count = Glibc.read(fd, base + total, buffer.count - total)
                if count < 0 {
                    if errno == EINTR { continue }
                    return nil
                }
                if count == 0 { break }
                total += count
            }
            return body(UnsafeRawBufferPointer(start: base, count: total))
        }
    }

    /// The decimal numbers in `bytes`, in order (a children file, cgroup.procs), appended to `result`.
    static func integers(_ bytes: UnsafeRawBufferPointer, into result: inout [Int32]) {
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
    }

    /// The first decimal number after `key` at the start of a line
    /// (`usage_usec 123`, `Pss:   45 kB`), or nil when no line has it.
    static func value(after key: StaticString, in bytes: UnsafeRawBufferPointer) -> Double? {
        guard let base = bytes.baseAddress else { return nil }
        let keyLength = key.utf8CodeUnitCount
        var lineStart = 0
        while lineStart + keyLength <= bytes.count {
            if memcmp(base + lineStart, key.utf8Start, keyLength) == 0 {
                var index = lineStart + keyLength
                var value = 0.0
                var seen = false
                while index < bytes.count && bytes[index] != UInt8(ascii: "\n") {
                    let byte = bytes[index]
                    if byte >= 48 && byte <= 57 {
                        value = value * 10 + Double(byte - 48)
                        seen = true
                    } else if seen {
                        break
                    }
                    index += 1
                }
                if seen { return value }
            }
            guard let newline = memchr(base + lineStart, 0x0A, bytes.count - lineStart) else { break }
            lineStart = UnsafeRawPointer(newline) - base + 1
        }
        return nil
    }
}

/// The fields of `/proc/PID/stat` hedgeops uses, parsed from bytes without
/// allocating. The command name may hold spaces and parentheses: fields are
/// counted after the last ')'.
struct ProcStat: Equatable {
    var state: UInt8
    var ppid: Int32
    var processGroup: Int32
    var session: Int32
    /// utime + stime, in clock ticks.
    var ownTicks: Double
    /// cutime + cstime: CPU of children this process has reaped.
    var reapedChildrenTicks: Double
    var threads: Int
    var startTime: UInt64

    var isZombie: Bool { state == UInt8(ascii: "Z") || state == UInt8(ascii: "X") }

    init?(_ bytes: ArraySlice<UInt8>) {
        guard let parsed = bytes.withUnsafeBytes({ ProcStat($0) }) else { return nil }
        self = parsed
    }

    init?(_ bytes: UnsafeRawBufferPointer) {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        // Field 3 (state) is index 0 after the ')'.
        var numbers: (Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64, Int64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var state: UInt8 = 0
        var field = -1
        var inField = false
        var negative = false
        var value: Int64 = 0
        var index = close + 1
        func store() {
            let slot: Int
            switch field {
            case 1: slot = 0  // ppid
            case 2: slot = 1  // pgrp
            case 3: slot = 2  // session
            case 11: slot = 3  // utime
            case 12: slot = 4  // stime
            case 13: slot = 5  // cutime
            case 14: slot = 6  // cstime
            case 17: slot = 7  // num_threads
            case 19: slot = 8  // starttime
            default: return
            }
            let number = negative ? -value : value
            withUnsafeMutableBytes(of: &numbers) { $0.storeBytes(of: number, toByteOffset: slot * 8, as: Int64.self) }
        }
        while index < bytes.count && field <= 19 {
            let byte = bytes[index]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") {
                if inField { store() }
                inField = false
            } else {
                if !inField {
                    inField = true
                    field += 1
                    negative = false
                    value = 0
                    if field == 0 { state = byte }
                }
                if byte == UInt8(ascii: "-") {
                    negative = true
                } else {
                    value = value &* 10 &+ Int64(byte &- 48)
                }
            }
            index += 1
        }
        if inField { store() }
        guard field >= 19, state != 0 else { return nil }
        self.state = state
        ppid = Int32(truncatingIfNeeded: numbers.0)
        processGroup = Int32(truncatingIfNeeded: numbers.1)
        session = Int32(truncatingIfNeeded: numbers.2)
        ownTicks = Double(numbers.3 + numbers.4)
        reapedChildrenTicks = Double(numbers.5 + numbers.6)
        threads = Int(numbers.7)
        startTime = UInt64(max(0, numbers.8))
    }
}

/// `/proc/PID/statm`'s resident and shared pages: resident is VmRSS, and
/// resident − shared is RssAnon (the kernel counts shared as file + shmem).
struct ProcStatm {
    /// The whole address space; 0 once the process has ended (a zombie has none).
    var sizePages = 0
    var residentPages = 0
    var sharedPages = 0

    init?(_ bytes: UnsafeRawBufferPointer) {
        var field = 0
        var value = 0
        var inNumber = false
        for byte in bytes {
            if byte >= 48 && byte <= 57 {
                value = value &* 10 &+ Int(byte - 48)
                inNumber = true
            } else if inNumber {
                if field == 0 { sizePages = value }
                if field == 1 { residentPages = value }
                if field == 2 {
                    sharedPages = value
                    return
                }
                field += 1
                value = 0
                inNumber = false
            }
        }
        return nil
    }
}
