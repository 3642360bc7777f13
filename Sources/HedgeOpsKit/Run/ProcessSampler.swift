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
///
/// The tree is found from the root down (`/proc/PID/task/TID/children`), so
/// a sample costs the same however many other processes the host runs. CPU
/// counts what the tree's processes used *and* what their children used
/// before they were reaped (`cutime`/`cstime`), so a tree that forks
/// short-lived workers is not under-reported. When hedgeops is the child
/// subreaper, a descendant that double-forked away (reparented to hedgeops)
/// stays in the tree, and its CPU is kept when hedgeops reaps it.
public final class ProcessSampler {
    public let rootPID: Int32
    private let procRoot: String
    private let adoptOrphans: Bool
    /// The executor's own cgroup, when hedgeops could make one: its processes
    /// join the tree and its CPU counter replaces the per-process sum.
    public let cgroup: CgroupV2?
    private var reader = ProcReader()
    private var previousCPU: (ticks: Double, at: Double)?
    /// CPU of adopted orphans hedgeops reaped itself (their parent was gone).
    private var reapedAdoptedTicks = 0.0
    private var lastFileCount: (count: Int, at: Double)?
    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    /// Open descriptors are counted at most this often (a directory walk per process).
    static let fileCountInterval = 1.0

    /// Where the figures come from, for results.json.
    public var source: String {
        if let cgroup { return "cgroup v2 \(cgroup.path): its processes and cpu.stat, RSS from /proc" }
        return adoptOrphans ? "proc: process tree with child subreaper and reaped children's CPU" : "proc: process tree"
    }

    /// - Parameter adoptOrphans: count hedgeops's own children that are not
    ///   ones it started (descendants of the root reparented to it as
    ///   subreaper) as part of the tree, and reap them when they exit.
    public init(rootPID: Int32, procRoot: String = "/proc", adoptOrphans: Bool = false, cgroup: CgroupV2? = nil) {
        self.rootPID = rootPID
        self.procRoot = procRoot
        self.adoptOrphans = adoptOrphans
        self.cgroup = cgroup
    }

    /// The tree's figures now, or nil when the root process is gone.
    public func sample(monotonic: Double) -> ProcessSample? {
        let members = walk()
        guard members.contains(where: { $0.pid == rootPID }) else { return nil }
        var rss = 0.0, anon = 0.0, swap = 0.0, threads = 0, ticks = reapedAdoptedTicks, live = 0
        for member in members {
            ticks += member.stat.ownTicks + member.stat.reapedChildrenTicks
            // A zombie is dead: its memory is gone, its CPU is still on its stat until reaped.
            if member.stat.isZombie { continue }
            live += 1
            if let bytes = reader.read("\(procRoot)/\(member.pid)/status") {
                let status = ProcStatus(bytes)
                rss += status.rssKB / 1024
                anon += status.anonKB / 1024
                swap += status.swapKB / 1024
                threads += status.threads
            }
        }
        if let seconds = cgroup?.cpuSeconds() { ticks = seconds * Self.ticksPerSecond }
        var cpu: Double?
        if let previous = previousCPU, monotonic > previous.at {
            cpu = max(0, (ticks - previous.ticks) / Self.ticksPerSecond / (monotonic - previous.at) * 100)
        }
        previousCPU = (ticks, monotonic)
        return ProcessSample(
            monotonic: monotonic, rssMB: rss, rssAnonMB: anon, swapMB: swap, cpuPercent: cpu, threads: threads,
            openFiles: openFiles(members, monotonic: monotonic), processes: live)
    }

    private func openFiles(_ members: [(pid: Int32, stat: ProcStat)], monotonic: Double) -> Int {
        if let last = lastFileCount, monotonic - last.at < Self.fileCountInterval, monotonic >= last.at {
            return last.count
        }
        let count = members.filter { !$0.stat.isZombie }.reduce(0) {
            $0 + (ProcReader.count("\(procRoot)/\($1.pid)/fd") ?? 0)
        }
        lastFileCount = (count, monotonic)
        return count
    }

    /// Proportional set size of the tree in MB (exact, shared pages split);
    /// nil where smaps_rollup is unreadable.
    public func pssMB() -> Double? {
        var total = 0.0
        var any = false
        for pid in tree() {
            guard let rollup = try? String(contentsOfFile: "\(procRoot)/\(pid)/smaps_rollup", encoding: .utf8) else {
                continue
            }
            if let pss = Self.statusFields(rollup)["Pss"] {
                total += pss / 1024
                any = true
            }
        }
        return any ? total : nil
    }

    /// The root and all its descendants (zombies included), root first.
    func tree() -> [Int32] { walk().map(\.pid) }

    private func walk() -> [(pid: Int32, stat: ProcStat)] {
        guard let rootStat = stat(rootPID) else { return [] }
        var result: [(pid: Int32, stat: ProcStat)] = [(rootPID, rootStat)]
        var seen: Set<Int32> = [rootPID]
        var queue = children(of: rootPID)
        if adoptOrphans { queue += adopted(rootGroup: rootStat.processGroup) }
        if let cgroup { queue += cgroup.processes() }
        while let pid = queue.popLast() {
            guard seen.insert(pid).inserted, let stat = stat(pid) else { continue }
            result.append((pid, stat))
            queue += children(of: pid)
        }
        return result
    }

    private func stat(_ pid: Int32) -> ProcStat? {
        reader.read("\(procRoot)/\(pid)/stat").flatMap(ProcStat.init)
    }

    /// Children of every thread of `pid` (a child belongs to the thread that forked it).
    private func children(of pid: Int32) -> [Int32] {
        var result: [Int32] = []
        for task in ProcReader.entries("\(procRoot)/\(pid)/task") {
            if let bytes = reader.read("\(procRoot)/\(pid)/task/\(task)/children") {
                result += ProcReader.integers(bytes)
            }
        }
        return result
    }

    /// hedgeops's own children it did not start: descendants of the root
    /// reparented to it. They stay in the root's process group, or left
    /// hedgeops's session (a daemon's setsid); hedgeops's other children
    /// (a check it runs, the demo's mock API) do neither. Exited ones are
    /// reaped here, their CPU kept.
    private func adopted(rootGroup: Int32) -> [Int32] {
        let me = getpid()
        guard let mine = stat(me) else { return [] }
        var result: [Int32] = []
        for pid in children(of: me) where pid != rootPID && !ChildProcess.isSpawnedByHedgeops(pid) {
            guard let stat = stat(pid) else { continue }
            guard stat.processGroup == rootGroup || stat.session != mine.session else { continue }
            if stat.isZombie {
                var status: Int32 = 0
                var usage = rusage()
                if wait4(pid, &status, WNOHANG, &usage) == pid {
                    let seconds =
                        Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
                        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
                    reapedAdoptedTicks += seconds * Self.ticksPerSecond
                    continue
                }
            }
            result.append(pid)
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
