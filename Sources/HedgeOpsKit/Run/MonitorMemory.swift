import Foundation

/// hedgeops's own memory during a run. Nearly all of a Swift process's
/// resident set is clean, file-backed pages: code and read-only data of the
/// binary and its libraries, touched once at start-up (argument parsing, the
/// checklist, the pre-flight, TLS) and never again. `release()` takes them
/// out of the process's page tables, so what stays resident is the sampling
/// loop's working set and the run's own data. Nothing is lost: the pages
/// stay in the page cache, and a touch maps them in again (a minor fault).
public enum MonitorMemory {
    /// `MADV_PAGEOUT` (Linux 5.4): reclaim these pages now; pages other
    /// processes map too are left alone by the kernel.
    private static let pageOut: Int32 = 21

    /// One file mapping of this process, as `/proc/self/smaps` shows it.
    struct Mapping: Equatable {
        var start: UInt
        var length: Int
        var writable: Bool
        /// Pages of the mapping that are the process's own copy (written
        /// to, relocated): unmapping them would lose what was written.
        var anonymousKB: Int
    }

    /// Hands back the resident pages of every file mapping and the heap's
    /// free pages; returns how many mappings were advised.
    ///
    /// A mapping that is not writable and holds no page of the process's own
    /// (code, read-only data, shared libraries alike) is unmapped with
    /// `MADV_DONTNEED`: its pages are exactly the file's. Any other file
    /// mapping (the binary's relocated data) is only paged out, which keeps
    /// what was written.
    @discardableResult
    public static func release() -> Int {
        var advised = 0
        for mapping in fileMappings() {
            let start = UnsafeMutableRawPointer(bitPattern: mapping.start)
            if !mapping.writable && mapping.anonymousKB == 0 {
                if madvise(start, mapping.length, MADV_DONTNEED) == 0 { advised += 1 }
                continue
            }
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

    /// Mappings of a file (code, read-only data, the binary's data), from
    /// `/proc/self/smaps`.
    static func fileMappings() -> [Mapping] {
        guard let handle = FileHandle(forReadingAtPath: "/proc/self/smaps") else { return [] }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return [] }
        return parse(smaps: data)
    }

    /// The file mappings in an smaps text: a header line per mapping
    /// (`start-end perms offset dev inode path`), then `Key: value kB` lines.
    static func parse(smaps data: Data) -> [Mapping] {
        var result: [Mapping] = []
        var current: Mapping?
        for line in data.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 5, omittingEmptySubsequences: true)
            if let first = fields.first, first.last != UInt8(ascii: ":"),
                let dash = first.firstIndex(of: UInt8(ascii: "-"))
            {
                if let mapping = current { result.append(mapping) }
                current = nil
                guard fields.count == 6, fields[4].elementsEqual("0".utf8) == false,
                    let start = UInt(String(decoding: first[..<dash], as: UTF8.self), radix: 16),
                    let end = UInt(String(decoding: first[(dash + 1)...], as: UTF8.self), radix: 16), end > start
                else { continue }
                current = Mapping(
                    start: start, length: Int(end - start), writable: fields[1].contains(UInt8(ascii: "w")),
                    anonymousKB: 0)
            } else if fields.count >= 2, fields[0].elementsEqual("Anonymous:".utf8) {
                current?.anonymousKB = Int(String(decoding: fields[1], as: UTF8.self)) ?? 1
            }
        }
        if let mapping = current { result.append(mapping) }
        return result
    }
}
