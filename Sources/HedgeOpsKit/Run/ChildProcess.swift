import CSpawnShim
import Foundation

/// A child launched the way the executor must be: in
/// its own process group, so it outlives a dead hedgeops and can be stopped
/// as a tree; with default signal dispositions and an empty signal mask, so
/// an inherited ignored or blocked SIGINT cannot silently defeat the
/// graceful stop. Foundation's Process offers no control over either.
public final class ChildProcess: SupervisedProcess, @unchecked Sendable {
    /// How a child ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)
        /// Ended while hedgeops was not its parent: the status cannot be known.
        case vanished

        public var description: String {
            switch self {
            case .exited(let code): "exit \(code)"
            case .signaled(let signal):
                "killed by signal \(signal) (\(Self.signalName(signal).map { "\($0): " } ?? "")\(String(cString: strsignal(signal))))"
            case .vanished: "ended while unsupervised (exit status unknown)"
            }
        }

        /// The name an operator looks up (`SIGSEGV`), for the common signals.
        static func signalName(_ signal: Int32) -> String? {
            let names: [Int32: String] = [
                SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
                SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
                SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
                SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ",
            ]
            return names[signal]
        }
    }

    public struct LaunchError: Error, CustomStringConvertible {
        public var description: String
    }

    public let pid: Int32
    private let lock = NSLock()
    private var finished: Termination?

    private init(pid: Int32) { self.pid = pid }

    /// Starts `argv` (argv[0] resolved on PATH, then `toolDirectories`), its
    /// stdout and stderr appended to the given files (or /dev/null).
    ///
    /// - Parameters:
    ///   - newSession: start it in a session of its own (no controlling
    ///     terminal: a closed terminal's SIGHUP never reaches it) instead of
    ///     only a process group of its own; for the run's supervisor.
    ///   - inheriting: descriptors the child keeps, as 3, 4, … (the run lock
    ///     handed to the supervisor); every other one above 2 is closed.
    public static func spawn(
        _ argv: [String], environment: [String: String], workingDirectory: String,
        stdoutPath: String? = nil, stderrPath: String? = nil, toolDirectories: [String] = [],
        newSession: Bool = false, inheriting: [Int32] = []
    ) throws(LaunchError) -> ChildProcess {
        guard let program = argv.first else { throw LaunchError(description: "empty command") }
        guard
            let executable = ProcessRunner.resolveExecutable(
                program, environment: environment, workingDirectory: workingDirectory, toolDirectories: toolDirectories)
        else {
            throw LaunchError(
                description:
                    "'\(program)' not found on PATH\(toolDirectories.isEmpty ? "" : " or in \(toolDirectories.joined(separator: ", "))")"
            )
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setpgroup(&attributes, 0)
        // setsid makes a new process group too; asking for both would fail.
        let grouping = newSession ? Int32(hedgeops_spawn_setsid_flag()) : Int32(POSIX_SPAWN_SETPGROUP)
        posix_spawnattr_setflags(&attributes, Int16(grouping | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        hedgeops_spawn_addchdir(&actions, workingDirectory)
        for (index, descriptor) in inheriting.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, descriptor, Int32(3 + index))
        }
        hedgeops_spawn_addclosefrom(&actions, Int32(3 + inheriting.count))

        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, cArguments, cEnvironment)
        guard result == 0 else {
            throw LaunchError(description: "could not start \(executable): \(String(cString: strerror(result)))")
        }
        spawned.withLock { _ = $0.insert(pid) }
        return ChildProcess(pid: pid)
    }

    /// Every child this process started through `spawn`: the sampler tells
    /// them apart from descendants of the executor reparented to hedgeops.
    private static let spawned = Locked<Set<Int32>>([])

    /// Whether `pid` is a child hedgeops started itself (the executor, the demo's mock API).
    public static func isSpawnedByHedgeops(_ pid: Int32) -> Bool { spawned.withLock { $0.contains(pid) } }

    /// Makes this process the child subreaper, so the executor's double-forked
    /// descendants are reparented here and stay measurable. False if the
    /// kernel refused (the sampler then sees only the tree under the root).
    @discardableResult
    public static func becomeSubreaper() -> Bool { hedgeops_become_subreaper() == 0 }

    /// Blocks until the child ends (reaping it).
    @discardableResult
    public func wait() -> Termination {
        if let done = result() { return done }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return record(status)
    }

    /// The termination if the child has ended, without blocking.
    public func poll() -> Termination? {
        if let done = result() { return done }
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        return reaped == pid ? record(status) : nil
    }

    /// Waits up to `seconds`; nil if the child is still running then.
    public func wait(timeout seconds: Double) -> Termination? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let done = poll() { return done }
            usleep(10_000)
        }
        return poll()
    }

    /// Sends `signal` to the child's whole process group.
    public func signalGroup(_ signal: Int32) {
        kill(-pid, signal)
    }

    private func result() -> Termination? {
        lock.lock()
        defer { lock.unlock() }
        return finished
    }

    private func record(_ status: Int32) -> Termination {
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        let termination: Termination =
            status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
        lock.lock()
        finished = termination
        lock.unlock()
        return termination
    }
}
