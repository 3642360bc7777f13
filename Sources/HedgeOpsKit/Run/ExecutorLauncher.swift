import Foundation

/// Measures the executor's process tree; ``ProcessSampler`` reads /proc, a
/// test hands in figures of its own.
public protocol ExecutorSampler: AnyObject {
    /// Where the figures come from, for results.json.
    var source: String { get }
    /// The tree's figures now, or nil when the root process is gone.
    func sample(monotonic: Double) -> ProcessSample?
    /// Proportional set size, read only at checkpoints (it is costly).
    func pssMB() -> Double?
}

/// What the supervisor asks a launcher to start.
public struct LaunchRequest: Sendable {
    public var argv: [String]
    public var environment: [String: String]
    public var workingDirectory: String
    public var stdoutPath: String?
    public var stderrPath: String?
    public var toolDirectories: [String]
    /// Names the executor's cgroup, where one can be made.
    public var runID: String

    public init(
        argv: [String], environment: [String: String], workingDirectory: String, stdoutPath: String? = nil,
        stderrPath: String? = nil, toolDirectories: [String] = [], runID: String
    ) {
        self.argv = argv
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
        self.toolDirectories = toolDirectories
        self.runID = runID
    }
}

/// A started (or found again) executor and how to measure it.
public struct LaunchedExecutor {
    public var process: any SupervisedProcess
    public var sampler: any ExecutorSampler
    /// The process's /proc start time: with the PID, it names it across PID reuse.
    public var startTime: UInt64
    /// Why the executor has no cgroup of its own, when it has none.
    public var cgroupUnavailable: String?

    public init(
        process: any SupervisedProcess, sampler: any ExecutorSampler, startTime: UInt64,
        cgroupUnavailable: String? = nil
    ) {
        self.process = process
        self.sampler = sampler
        self.startTime = startTime
        self.cgroupUnavailable = cgroupUnavailable
    }
}

/// Starts the executor for the supervisor, and finds it again on resume.
/// ``SystemLauncher`` spawns real processes; a test's launcher hands back
/// a process and sampler it scripts.
public protocol ExecutorLauncher: Sendable {
    func launch(_ request: LaunchRequest) throws(ChildProcess.LaunchError) -> LaunchedExecutor
    /// The run's executor by PID and start time; nil when it is gone.
    func adopt(pid: Int32, startTime: UInt64) -> LaunchedExecutor?
}

/// The real executor: hedgeops becomes the child subreaper, spawns it in a
/// process group of its own, and moves it into a cgroup v2 of its own where
/// the machine allows one.
public struct SystemLauncher: ExecutorLauncher {
    public init() {}

    public func launch(_ request: LaunchRequest) throws(ChildProcess.LaunchError) -> LaunchedExecutor {
        let subreaper = ChildProcess.becomeSubreaper()
        let child = try ChildProcess.spawn(
            request.argv, environment: request.environment, workingDirectory: request.workingDirectory,
            stdoutPath: request.stdoutPath, stderrPath: request.stderrPath, toolDirectories: request.toolDirectories)
        let cgroup = Self.executorCgroup(name: request.runID, pid: child.pid)
        return LaunchedExecutor(
            process: child,
            sampler: ProcessSampler(rootPID: child.pid, adoptOrphans: subreaper, cgroup: try? cgroup.get()),
            startTime: ProcessSampler.startTime(of: child.pid) ?? 0, cgroupUnavailable: cgroup.failureReason)
    }

    public func adopt(pid: Int32, startTime: UInt64) -> LaunchedExecutor? {
        guard let adopted = AdoptedProcess(pid: pid, startTime: startTime) else { return nil }
        return LaunchedExecutor(process: adopted, sampler: ProcessSampler(rootPID: pid), startTime: startTime)
    }

    /// A cgroup v2 of the executor's own, with the executor moved into it, or
    /// why there is none (the process tree is sampled then).
    static func executorCgroup(name: String, pid: Int32) -> Result<CgroupV2, CgroupV2.Unavailable> {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        let mine = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        let created = CgroupV2.create(name: name, mounts: mounts, selfCgroup: mine)
        if case .success(let cgroup) = created, !cgroup.add(pid: pid) {
            cgroup.remove()
            return .failure(.init(reason: "cannot move the executor into \(cgroup.path)"))
        }
        return created
    }
}
