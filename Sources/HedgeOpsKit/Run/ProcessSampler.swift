import Foundation

/// One measurement of the executor's whole process tree.
public struct ProcessSample: Sendable {
    /// Seconds on the monotonic clock.
    public var monotonic: Double
    public var rssMB: Double
    public var rssAnonMB: Double
    public var swapMB: Double
    /// CPU time per wall time since the previous sample, in % of one core
    /// (over 100 with threads); nil on the first sample rather than a fake 0.
    public var cpuPercent: Double?
    public var threads: Int
    public var openFiles: Int
    public var processes: Int
}

/// Samples a process tree from /proc without shelling out. The /proc root
/// is a parameter so tests can hand in their own. PSS (smaps_rollup) is
/// read only on request: it walks page tables under the target's memory lock.
public final class ProcessSampler {
    public let rootPID: Int32
    private let procRoot: String
    private var previousCPU: (ticks: Double, at: Double)?
    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    public init(rootPID: Int32, procRoot: String = "/proc") {
        self.rootPID = rootPID
        self.procRoot = procRoot
    }

    /// The tree's figures now, or nil when the root process is gone.
    public func sample(monotonic: Double) -> ProcessSample? {
        let pids = tree()
        guard pids.contains(rootPID) else { return nil }
        var rss = 0.0, anon = 0.0, swap = 0.0, threads = 0, files = 0, ticks = 0.0
        for pid in pids {
            if let status = read("\(pid)/status") {
                let fields = Self.statusFields(status)
                rss += (fields["VmRSS"] ?? 0) / 1024
                anon += (fields["RssAnon"] ?? 0) / 1024
                swap += (fields["VmSwap"] ?? 0) / 1024
                threads += Int(fields["Threads"] ?? 0)
            }
            if let stat = Self.statFields(read("\(pid)/stat")) {
                ticks += (Double(stat[safe: 11] ?? "0") ?? 0) + (Double(stat[safe: 12] ?? "0") ?? 0)
            }
            files += (try? FileManager.default.contentsOfDirectory(atPath: "\(procRoot)/\(pid)/fd").count) ?? 0
        }
        var cpu: Double?
        if let previous = previousCPU, monotonic > previous.at {
            cpu = max(0, (ticks - previous.ticks) / Self.ticksPerSecond / (monotonic - previous.at) * 100)
        }
        previousCPU = (ticks, monotonic)
        return ProcessSample(
            monotonic: monotonic, rssMB: rss, rssAnonMB: anon, swapMB: swap, cpuPercent: cpu, threads: threads,
            openFiles: files, processes: pids.count)
    }

    /// Proportional set size of the tree in MB (exact, shared pages split);
    /// nil where smaps_rollup is unreadable.
    public func pssMB() -> Double? {
        var total = 0.0
        var any = false
        for pid in tree() {
            guard let rollup = read("\(pid)/smaps_rollup") else { continue }
            if let pss = Self.statusFields(rollup)["Pss"] {
                total += pss / 1024
                any = true
            }
        }
        return any ? total : nil
    }

    /// The root and all its descendants, found by scanning parent ids.
    func tree() -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: procRoot) else { return [] }
        var children: [Int32: [Int32]] = [:]
        var alive = Set<Int32>()
        for entry in entries {
            guard let pid = Int32(entry), let stat = Self.statFields(read("\(entry)/stat")),
                let parent = Int32(stat[safe: 1] ?? "")
            else { continue }
            // A zombie is dead: its memory is gone.
            if stat[safe: 0] == "Z" { continue }
            alive.insert(pid)
            children[parent, default: []].append(pid)
        }
        guard alive.contains(rootPID) else { return [] }
        var result: [Int32] = []
        var queue = [rootPID]
        while let pid = queue.popLast() {
            result.append(pid)
            queue += children[pid] ?? []
        }
        return result
    }

    /// The process's start time in clock ticks since boot (field 22): with
    /// the PID it names one process across PID reuse.
    public static func startTime(of pid: Int32, procRoot: String = "/proc") -> UInt64? {
        let text = try? String(contentsOfFile: "\(procRoot)/\(pid)/stat", encoding: .utf8)
        return statFields(text).flatMap { UInt64($0[safe: 19] ?? "") }
    }

    private func read(_ relative: String) -> String? {
        try? String(contentsOfFile: "\(procRoot)/\(relative)", encoding: .utf8)
    }

    /// `/proc/PID/stat` fields after the command name, which may hold spaces
    /// and parentheses: index 0 is field 3 (state), 1 is ppid, 11/12 utime/stime.
    static func statFields(_ text: String?) -> [String]? {
        guard let text, let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ").map(String.init)
    }

    /// `Key:   value kB` lines, values in kB (or plain counts).
    static func statusFields(_ text: String) -> [String: Double] {
        var fields: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = parts[1].split(whereSeparator: \.isWhitespace).first.flatMap { Double($0) }
            if let value { fields[String(parts[0])] = value }
        }
        return fields
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
