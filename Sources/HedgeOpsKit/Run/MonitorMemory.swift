import Foundation

/// hedgeops's own memory during a run. Nearly all of a Swift process's
/// resident set is clean, file-backed pages: code and read-only data of the
/// binary and its libraries, touched once at start-up (argument parsing, the
/// checklist, the pre-flight, TLS) and never again. The kernel may take them
/// back whenever it likes; `release()` gives them back now, so what stays
/// resident is the sampling loop's working set (a few MB) and the run's own
/// data. Private (anonymous) memory is untouched: nothing is swapped or lost.
public enum MonitorMemory {
    /// `MADV_PAGEOUT` (Linux 5.4): reclaim these pages now; pages other
    /// processes map too are left alone by the kernel.
    private static let pageOut: Int32 = 21

    /// Hands back the resident pages of every file mapping (clean ones are
    /// dropped and read again when used; private changes stay, there being
    /// nothing to swap them to) and the heap's free pages; returns how many
    /// mappings were advised.
    @discardableResult
    public static func release() -> Int {
        var advised = 0
        for mapping in fileMappings() {
            let start = UnsafeMutableRawPointer(bitPattern: mapping.start)
            // Faults bring in one page, not the 64 KiB around it: the loop's
            // working set stays the pages it runs.
            _ = madvise(start, mapping.length, MADV_RANDOM)
            if madvise(start, mapping.length, pageOut) == 0 { advised += 1 }
        }
        _ = mallocTrim?(0)
        return advised
    }

    /// glibc's `malloc_trim`, which Swift cannot see in its headers.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()

    /// Resident and private (anonymous) memory of this process, in MB.
    public static func current() -> (residentMB: Double, anonymousMB: Double)? {
        ProcReader.readOnce("/proc/self/statm") { ProcStatm($0) }?.map { statm in
            let page = Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
            return (
                Double(statm.residentPages) * page, Double(max(0, statm.residentPages - statm.sharedPages)) * page
            )
        }
    }

    /// Mappings of a file: code, read-only data, the binary's data.
    static func fileMappings() -> [(start: UInt, length: Int)] {
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/maps") else { return [] }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return [] }
        var result: [(start: UInt, length: Int)] = []
        for line in data.split(separator: UInt8(ascii: "\n")) {
            // start-end perms offset dev inode path
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[4].elementsEqual("0".utf8) == false,
                let dash = fields[0].firstIndex(of: UInt8(ascii: "-")),
                let start = UInt(String(decoding: fields[0][..<dash], as: UTF8.self), radix: 16),
                let end = UInt(String(decoding: fields[0][(dash + 1)...], as: UTF8.self), radix: 16), end > start
            else { continue }
            result.append((start, Int(end - start)))
        }
        return result
    }
}
