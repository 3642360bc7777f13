import CSpawnShim
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
/// a sample costs the same however many other processes the host runs. The
/// walk (each member's `stat` and `children`) is made at most every
/// ``membershipInterval``. Every sample reads each member's `statm` and its
/// CPU-time clock (`clock_gettime` of the process's clock: a system call that
/// formats nothing, where `stat` formats some fifty fields to give two); a
/// member whose kept `statm` no longer answers (gone: a descriptor on
/// `/proc/PID` names one process, never a reused number) or shows no address
/// space (ended, a zombie) starts a walk at once. State, threads and reaped
/// children's CPU are as of the last walk. The files stay open and are
/// `pread` into one buffer and parsed as bytes; `status` (for swap) and the
/// descriptor count are read at most once a second. CPU counts what the
/// tree's processes used *and* what their children used before they were
/// reaped (`cutime`/`cstime`), so a
/// tree that forks short-lived workers is not under-reported. When hedgeops
/// is the child subreaper, a descendant that double-forked away (reparented
/// to hedgeops) stays in the tree, and its CPU is kept when hedgeops reaps it.
public final class ProcessSampler {
    public let rootPID: Int32
    private let procRoot: String
    private let adoptOrphans: Bool
    /// The executor's own cgroup, when hedgeops could make one: its processes
    /// join the tree and its CPU counter replaces the per-process sum.
    public let cgroup: CgroupV2?
    let reader: ProcReader
    private var previousCPU: (ticks: Double, at: Double)?
    /// CPU of adopted orphans hedgeops reaped itself (their parent was gone).
    private var reapedAdoptedTicks = 0.0
    private var lastFileCount: (count: Int, at: Double)?
    private var lastSwap: (mb: Double, at: Double)?
    private let periodicInterval: Double
    /// Whether any swap is in use on the machine (sysinfo(2)); a test's stand-in.
    var swapInUse: () -> Bool = { hedgeops_swap_in_use() != 0 }
    /// The walk's working storage, kept between samples (no allocation per sample).
    private var members: [Member] = []
    private var seen = Set<Int32>()
    private var queue: [Int32] = []
    private var tids: [Int32] = []
    private var adoptees: [Int32] = []
    /// hedgeops's own session, read once.
    private var mySession: Int32?
    /// A process of the tree: its `stat` from the last walk, its CPU and memory from the last sample.
    private struct Member {
        var pid: Int32
        var stat: ProcStat
        var cpuTicks = 0.0
        var residentPages = 0
        var sharedPages = 0
    }
    /// When the tree was last walked (the samples' clock).
    private var walkedAt: Double?
    /// Whether the machine had swap in use when last asked, and when.
    private var machineSwap: (inUse: Bool, at: Double)?
    /// Seconds a walk's membership stands: a process started since is
    /// counted from the next walk. A tenth of a second is nothing to a
    /// leak over hours, and sampling 40 times a second need not list every
    /// member's children at each sample.
    public static let membershipInterval = 0.1
    /// Seconds between two looks at whether the machine has swap in use.
    static let swapCheckInterval = 10.0
    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    private static let pageMB = Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576

    /// Where the figures come from, for results.json.
    public var source: String {
        if let cgroup { return "cgroup v2 \(cgroup.path): its processes and cpu.stat, RSS from /proc" }
        return adoptOrphans ? "proc: process tree with child subreaper and reaped children's CPU" : "proc: process tree"
    }

    /// - Parameters:
    ///   - adoptOrphans: count hedgeops's own children that are not ones it
    ///     started (descendants of the root reparented to it as subreaper) as
    ///     part of the tree, and reap them when they exit.
    ///   - periodicInterval: open descriptors (a directory walk per process)
    ///     and swap (`status`, the costliest file) are read at most this
    ///     often, in real seconds; `.infinity` never reads them (0 is reported).
    public init(
        rootPID: Int32, procRoot: String = "/proc", adoptOrphans: Bool = false, cgroup: CgroupV2? = nil,
        periodicInterval: Double = 1.0
    ) {
        self.rootPID = rootPID
        self.procRoot = procRoot
        self.adoptOrphans = adoptOrphans
        self.cgroup = cgroup
        self.periodicInterval = periodicInterval
        reader = ProcReader(procRoot: procRoot)
    }

    /// The tree's figures now, or nil when the root process is gone.
    public func sample(monotonic: Double) -> ProcessSample? {
        let walking = !remeasure(monotonic)
        if walking {
            reader.beginSweep()
            walk()
            walkedAt = monotonic
            for index in members.indices { _ = measure(index, keptOnly: false) }
        }
        defer { if walking { reader.endSweep() } }
        guard members.first?.pid == rootPID else { return nil }
        var rss = 0.0, anon = 0.0, threads = 0, ticks = reapedAdoptedTicks, live = 0
        for member in members {
            ticks += member.cpuTicks + member.stat.reapedChildrenTicks
            // A zombie is dead: its memory is gone, its CPU is still on its stat until reaped.
            if member.stat.isZombie { continue }
            live += 1
            threads += member.stat.threads
            rss += Double(member.residentPages) * Self.pageMB
            anon += Double(max(0, member.residentPages - member.sharedPages)) * Self.pageMB
        }
        if let cgroup, let bytes = reader.read(path: cgroup.path + "/cpu.stat"),
            let usec = ProcReader.value(after: "usage_usec ", in: bytes)
        {
            ticks = usec / 1e6 * Self.ticksPerSecond
        }
        var cpu: Double?
        if let previous = previousCPU, monotonic > previous.at {
            cpu = max(0, (ticks - previous.ticks) / Self.ticksPerSecond / (monotonic - previous.at) * 100)
        }
        previousCPU = (ticks, monotonic)
        return ProcessSample(
            monotonic: monotonic, rssMB: rss, rssAnonMB: anon, swapMB: swapMB(monotonic: monotonic), cpuPercent: cpu,
            threads: threads, openFiles: openFiles(monotonic: monotonic), processes: live)
    }

    /// Swap of the live members from `status`, refreshed at most once per `periodicInterval`.
    private func swapMB(monotonic: Double) -> Double {
        if let last = lastSwap, RunClock.isWithin(periodicInterval, of: last.at, at: monotonic) { return last.mb }
        guard periodicInterval.isFinite else { return 0 }
        // Nothing swapped on the whole machine: no process has swap, and no
        // `status` (the costliest file /proc makes) needs reading.
        if reader.isProcfs {
            if !(machineSwap.map { RunClock.isWithin(Self.swapCheckInterval, of: $0.at, at: monotonic) } ?? false) {
                machineSwap = (swapInUse(), monotonic)
            }
            if machineSwap?.inUse == false {
                lastSwap = (0, monotonic)
                return 0
            }
        }
        var swap = 0.0
        for member in members where !member.stat.isZombie {
            if let bytes = reader.read(pid: member.pid, .status), let kB = ProcReader.value(after: "VmSwap:", in: bytes)
            {
                swap += kB / 1024
            }
        }
        lastSwap = (swap, monotonic)
        return swap
    }

    private func openFiles(monotonic: Double) -> Int {
        if let last = lastFileCount, RunClock.isWithin(periodicInterval, of: last.at, at: monotonic) {
            return last.count
        }
        guard periodicInterval.isFinite else { return 0 }
        var count = 0
        for member in members where !member.stat.isZombie {
            count += reader.countDescriptors(of: member.pid) ?? 0
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
            let path = "\(procRoot)/\(pid)/smaps_rollup"
            let pss = ProcReader.readOnce(path) { ProcReader.value(after: "Pss:", in: $0) }
            if let pss = pss ?? nil {
                total += pss / 1024
                any = true
            }
        }
        return any ? total : nil
    }

    /// The root and all its descendants (zombies included), root first.
    func tree() -> [Int32] {
        reader.beginSweep()
        defer { reader.endSweep() }
        walk()
        return members.map(\.pid)
    }

    /// Fills `members` with the root and its descendants, root first (empty
    /// when the root is gone).
    private func walk() {
        members.removeAll(keepingCapacity: true)
        seen.removeAll(keepingCapacity: true)
        queue.removeAll(keepingCapacity: true)
        guard let rootStat = stat(rootPID) else { return }
        members.append(Member(pid: rootPID, stat: rootStat))
        seen.insert(rootPID)
        addChildren(of: rootPID, rootStat)
        if adoptOrphans { adopt(rootGroup: rootStat.processGroup) }
        if let cgroup, let bytes = reader.read(path: cgroup.path + "/cgroup.procs") {
            ProcReader.integers(bytes, into: &queue)
        }
        while let pid = queue.popLast() {
            guard seen.insert(pid).inserted, let stat = stat(pid) else { continue }
            members.append(Member(pid: pid, stat: stat))
            addChildren(of: pid, stat)
        }
    }

    /// Measures each member again, without looking for new members, while
    /// the last walk is under ``membershipInterval`` old; false when a walk is
    /// due: it is time, or a member is gone or has ended. (Away from the real
    /// /proc there is no CPU clock to read: every sample walks.)
    private func remeasure(_ monotonic: Double) -> Bool {
        guard reader.isProcfs, let walkedAt,
            RunClock.isWithin(Self.membershipInterval - 1e-6, of: walkedAt, at: monotonic), !members.isEmpty
        else { return false }
        for index in members.indices where !measure(index, keptOnly: true) { return false }
        return true
    }

    /// Reads a member's `statm` and CPU; false when it is gone or has ended
    /// since the walk. `keptOnly` reads `statm` only through the descriptor
    /// kept on it, so a number given to a new process is never taken for the member.
    private func measure(_ index: Int, keptOnly: Bool) -> Bool {
        let pid = members[index].pid
        let bytes = keptOnly ? reader.readKept(pid: pid, .statm) : reader.read(pid: pid, .statm)
        let statm = bytes.flatMap(ProcStatm.init)
        // Ended since the walk (a zombie has no address space): the walk says so.
        if keptOnly && statm.map({ $0.sizePages == 0 && !members[index].stat.isZombie }) ?? true { return false }
        members[index].residentPages = statm?.residentPages ?? 0
        members[index].sharedPages = statm?.sharedPages ?? 0
        if reader.isProcfs, let ticks = Self.cpuTicks(of: pid) {
            members[index].cpuTicks = ticks
        } else if keptOnly {
            return false
        } else {
            members[index].cpuTicks = members[index].stat.ownTicks
        }
        return true
    }

    /// CPU time of every thread of the process, live and exited, in clock
    /// ticks, from its CPU-time clock: the clock `clock_getcpuclockid(3)`
    /// gives (Linux's `MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)`), built here
    /// rather than asked for, which would cost a `clock_getres` each time.
    static func cpuTicks(of pid: Int32) -> Double? {
        var now = timespec()
        guard clock_gettime(cpuClock(of: pid), &now) == 0 else { return nil }
        return now.seconds * ticksPerSecond
    }

    static func cpuClock(of pid: Int32) -> clockid_t {
        clockid_t(bitPattern: (~UInt32(bitPattern: pid)) << 3 | 2)
    }

    private func stat(_ pid: Int32) -> ProcStat? {
        reader.read(pid: pid, .stat).flatMap(ProcStat.init)
    }

    /// Queues the children of every thread of `pid` (a child belongs to the thread that forked it).
    private func addChildren(of pid: Int32, _ stat: ProcStat) {
        if stat.threads == 1 && !stat.isZombie {
            // One thread, alive: the main one, whose id is the process's; its
            // task directory need not be listed. (A main thread that exited
            // before the others leaves the process a zombie to /proc's stat.)
            tids.removeAll(keepingCapacity: true)
            tids.append(pid)
        } else if !reader.tasks(of: pid, into: &tids) {
            return
        }
        for tid in tids {
            if let bytes = reader.read(pid: pid, tid: tid, .children) {
                ProcReader.integers(bytes, into: &queue)
            }
        }
    }

    /// hedgeops's own process id, asked once.
    private static let me = getpid()

    /// Queues hedgeops's own children it did not start: descendants of the
    /// root reparented to it. They stay in the root's process group, or left
    /// hedgeops's session (a daemon's setsid); hedgeops's other children
    /// (a check it runs, the demo's mock API) do neither. Exited ones are
    /// reaped here, their CPU kept.
    private func adopt(rootGroup: Int32) {
        let me = Self.me
        guard let session = mySession ?? stat(me)?.session else { return }
        mySession = session
        // An orphan goes to the subreaper's first live thread, its main one:
        // only that thread's children are read.
        if let bytes = reader.read(pid: me, tid: me, .children) { ProcReader.integers(bytes, into: &adoptees) }
        defer { adoptees.removeAll(keepingCapacity: true) }
        for pid in adoptees where pid != rootPID && !ChildProcess.isSpawnedByHedgeops(pid) {
            guard let stat = stat(pid) else { continue }
            guard stat.processGroup == rootGroup || stat.session != session else { continue }
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
            queue.append(pid)
        }
    }

    /// The process's start time in clock ticks since boot (field 22): with
    /// the PID it names one process across PID reuse.
    public static func startTime(of pid: Int32, procRoot: String = "/proc") -> UInt64? {
        ProcReader.readOnce("\(procRoot)/\(pid)/stat") { ProcStat($0)?.startTime } ?? nil
    }

    /// `/proc/PID/stat` fields after the command name, which may hold spaces
    /// and parentheses: index 0 is field 3 (state), 1 is ppid, 11/12 utime/stime.
    static func statFields(_ text: String?) -> [String]? {
        guard let text, let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ").map(String.init)
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
