import Foundation

extension JournalEvent.Sample {
    /// Writes this sample's journal line (without its newline) straight into
    /// `out`: the bytes the general path gives (its pairs, `type`, `at`,
    /// `seq` and `prev`, keys in order, through ``JSONValue``), without
    /// building them. A sample is journalled up to 40 times a second, and
    /// its pairs, their dictionary of counts and their sort cost more than
    /// writing the line. `countKeys` are the keys of `counts`, in order; the
    /// caller has checked that no string here holds a secret (redaction
    /// would leave it as it is).
    func writeLine(
        at date: Date, sequence: Int, previous: String, countKeys: [String], into out: inout [UInt8]
    ) {
        // In key order: at, counts, cpu_pct, hour, log_file, log_offset,
        // open_files, prev, processes, rss_anon_mb, rss_mb, seq, swap_mb,
        // threads, type; an absent field is left out, as in the pairs.
        func field(_ name: StaticString, _ value: JSONValue?) {
            guard let value else { return }
            out += ",\"".utf8
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out += "\":".utf8
            value.write(into: &out)
        }
        out += "{\"at\":\"".utf8
        Timestamp.write(date, into: &out)
        out += "\",\"counts\":{".utf8
        for (index, name) in countKeys.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.string(name).write(into: &out)
            out.append(UInt8(ascii: ":"))
            JSONValue.int(counts[name] ?? 0).write(into: &out)
        }
        out.append(UInt8(ascii: "}"))
        field("cpu_pct", cpuPercent.map(Self.number))
        field("hour", Self.number(hour))
        field("log_file", logFile.map { .string($0) })
        field("log_offset", logOffset.map { .int(Int(clamping: $0)) })
        field("open_files", openFiles.map { .int($0) })
        field("prev", .string(previous))
        field("processes", processes.map { .int($0) })
        field("rss_anon_mb", rssAnonMB.map(Self.number))
        field("rss_mb", Self.number(rssMB))
        field("seq", .int(sequence))
        field("swap_mb", swapMB.map(Self.number))
        field("threads", threads.map { .int($0) })
        field("type", .string("sample"))
        out.append(UInt8(ascii: "}"))
    }
}
