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
        // threads, type.
        func key(_ name: StaticString, first: Bool = false) {
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out += "\":".utf8
        }
        out.append(UInt8(ascii: "{"))
        key("at", first: true)
        out.append(UInt8(ascii: "\""))
        Timestamp.write(date, into: &out)
        out.append(UInt8(ascii: "\""))
        key("counts")
        out.append(UInt8(ascii: "{"))
        for (index, name) in countKeys.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.writeString(name, into: &out)
            out.append(UInt8(ascii: ":"))
            JSONValue.writeInteger(counts[name] ?? 0, into: &out)
        }
        out.append(UInt8(ascii: "}"))
        if let cpuPercent {
            key("cpu_pct")
            Self.number(cpuPercent).write(into: &out)
        }
        key("hour")
        Self.number(hour).write(into: &out)
        if let logFile {
            key("log_file")
            JSONValue.writeString(logFile, into: &out)
        }
        if let logOffset {
            key("log_offset")
            JSONValue.writeInteger(Int(clamping: logOffset), into: &out)
        }
        if let openFiles {
            key("open_files")
            JSONValue.writeInteger(openFiles, into: &out)
        }
        key("prev")
        JSONValue.writeString(previous, into: &out)
        if let processes {
            key("processes")
            JSONValue.writeInteger(processes, into: &out)
        }
        if let rssAnonMB {
            key("rss_anon_mb")
            Self.number(rssAnonMB).write(into: &out)
        }
        key("rss_mb")
        Self.number(rssMB).write(into: &out)
        key("seq")
        JSONValue.writeInteger(sequence, into: &out)
        if let swapMB {
            key("swap_mb")
            Self.number(swapMB).write(into: &out)
        }
        if let threads {
            key("threads")
            JSONValue.writeInteger(threads, into: &out)
        }
        key("type")
        out += "\"sample\"}".utf8
    }
}
