import CSpawnShim
import Foundation
import Testing

@testable import HedgeOpsKit

/// What one sample costs in system calls, counted by the sampler's reader
/// (not timed): the same however many other processes the host runs.
@Suite(.serialized)
struct ProcessSamplerCostTests {
    /// `sh -c script`, started in `/` with a plain PATH.
    func shell(_ script: String) throws -> ChildProcess {
        try ChildProcess.spawn(["sh", "-c", script], environment: ["PATH": "/usr/bin:/bin"], workingDirectory: "/")
    }

    /// A `sh` with two `sleep` children: a three-process tree.
    func tree() throws -> ChildProcess {
        try shell("sleep 60 & sleep 60 & wait")
    }

    /// The counters one sample moves.
    func cost(_ sampler: ProcessSampler, at monotonic: Double = RunClock.monotonic()) throws -> ProcReader.Counters {
        let before = sampler.reader.counters
        _ = try #require(sampler.sample(monotonic: monotonic))
        let after = sampler.reader.counters
        return .init(opens: after.opens - before.opens, reads: after.reads - before.reads)
    }

    /// A FIFO in the temporary directory, for a shell to wait on (`exec 3<>FIFO; read line <&3`).
    func makeFIFO() -> String {
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("fifo-\(UUID().uuidString)").path
        #expect(mkfifo(fifo, 0o600) == 0)
        return fifo
    }

    /// Lets the shell waiting on `fifo` go on, one line.
    func release(_ fifo: String) {
        let writer = open(fifo, O_WRONLY)
        _ = write(writer, "go\n", 3)
        close(writer)
    }

    /// The state letter `/proc/PID/stat` gives (`Z` for a zombie); nil once the process is gone.
    func state(of pid: Int32) -> String? {
        (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?
            .split(separator: ")").last?.split(separator: " ").first.map(String.init)
    }

    /// Waits (up to 15 s) until `pid` has `count` children (any thread's).
    @discardableResult
    func waitForChildren(of pid: Int32, count: Int) -> Bool {
        for _ in 0..<1500 {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
            let children = tasks.reduce(0) { total, task in
                let handle = FileHandle(forReadingAtPath: "/proc/\(pid)/task/\(task)/children")
                let bytes = (try? handle?.readToEnd()) ?? nil
                try? handle?.close()
                return total + (bytes ?? Data()).split(separator: UInt8(ascii: " ")).count
            }
            if children >= count { return true }
            usleep(10_000)
        }
        return false
    }

    /// The descriptor count is the entries of `/proc/PID/fd`, read from the
    /// directory's size where the kernel gives it and by a walk elsewhere.
    /// Counted on a child that holds still: this test process's own table
    /// moves whenever a test running beside it opens or closes a file.
    @Test func theDescriptorCountIsTheEntriesOfTheFdDirectory() throws {
        // Seven more descriptors than a plain `sleep`: 3 to 9 on /dev/null.
        let plain = try shell("exec sleep 60")
        let holder = try shell(
            "exec sleep 60 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null 8</dev/null 9</dev/null")
        defer {
            for child in [plain, holder] {
                child.signalGroup(SIGKILL)
                child.wait()
            }
        }
        let listed = { (pid: Int32) in
            (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
        }
        let reader = ProcReader()
        let walked = ProcReader(procRoot: "/proc/self/..")
        // Read until both children are past their exec (the kernel names the process `sleep`
        // before it closes what is close-on-exec, and a loaded machine can stop it in between):
        // every way of counting must then agree, and differ by the seven.
        var figures: [String: Int] = [:]
        var agreed = false
        for _ in 0..<300 where !agreed {
            let plainCommand = (try? String(contentsOfFile: "/proc/\(plain.pid)/comm", encoding: .utf8)) ?? ""
            let holderCommand = (try? String(contentsOfFile: "/proc/\(holder.pid)/comm", encoding: .utf8)) ?? ""
            figures = [
                "plain stat": reader.countDescriptors(of: plain.pid) ?? -1, "plain listing": listed(plain.pid),
                "plain walk": walked.countDescriptors(of: plain.pid) ?? -1,
                "holder stat": reader.countDescriptors(of: holder.pid) ?? -1, "holder listing": listed(holder.pid),
                "holder walk": walked.countDescriptors(of: holder.pid) ?? -1,
            ]
            let base = figures["plain listing"] ?? -1
            agreed =
                plainCommand.hasPrefix("sleep") && holderCommand.hasPrefix("sleep") && base >= 3
                && figures.allSatisfy { $0.value == ($0.key.hasPrefix("plain") ? base : base + 7) }
            if !agreed { usleep(10_000) }
        }
        #expect(
            agreed, "descriptor counts (stat size, listing, walk) never agreed: \(figures.sorted { $0.key < $1.key })")
    }

    /// The count read through the descriptor kept on `/proc/PID/fd` follows
    /// the table as it changes (no second open, no stale size): a shell
    /// waiting on a FIFO, then `sleep` with three more descriptors.
    @Test func aKeptDescriptorCountFollowsTheTable() throws {
        let fifo = makeFIFO()
        defer { unlink(fifo) }
        let child = try shell("exec 3<>\(fifo); read line <&3; exec sleep 60 4</dev/null 5</dev/null 6</dev/null")
        defer {
            child.signalGroup(SIGKILL)
            child.wait()
        }
        let listed = { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.pid)/fd").count) ?? -1 }
        let command = { (try? String(contentsOfFile: "/proc/\(child.pid)/comm", encoding: .utf8)) ?? "" }
        let reader = ProcReader()
        // The shell blocked reading the FIFO it holds open (read-write: the open does not wait for a
        // writer, and a descriptor an open waiting there has taken counts in the size, not the listing).
        let holdsFIFO = { access("/proc/\(child.pid)/fd/3", F_OK) == 0 }
        var first: (counted: Int, listed: Int) = (-1, -2)
        for _ in 0..<1000 where !(command().hasPrefix("sh") && holdsFIFO() && first.counted == first.listed) {
            usleep(10_000)
            first = (reader.countDescriptors(of: child.pid) ?? -1, listed())
        }
        #expect(first.counted == first.listed && holdsFIFO(), "\(first) \(command())")
        let opens = reader.counters.opens
        release(fifo)
        var second: (counted: Int, listed: Int) = (-1, -2)
        for _ in 0..<1000 where !(command().hasPrefix("sleep") && second.counted == second.listed) {
            usleep(10_000)
            second = (reader.countDescriptors(of: child.pid) ?? -1, listed())
        }
        #expect(second.counted == second.listed && second.counted != first.counted, "\(first) then \(second)")
        #expect(reader.counters.opens == opens, "the kept descriptor was read, not a new one")
    }

    @Test func aSampleOpensNothingOnceTheTreeIsKnownAndReadsTheSameWithTwoThousandOtherProcesses() throws {
        let child = try tree()
        defer {
            child.signalGroup(SIGKILL)
            child.wait()
        }
        #expect(waitForChildren(of: child.pid, count: 2))
        let sampler = ProcessSampler(rootPID: child.pid, periodicInterval: .infinity)
        let start = RunClock.monotonic()
        let first = try cost(sampler, at: start)
        #expect(first.opens > 0, "the first sample opens the tree's files")
        let quiet = try cost(sampler, at: start + 1)
        #expect(quiet.opens == 0, "later samples pread the descriptors kept open")
        // Per process: stat, statm and one children file per thread; the task
        // directory is listed only for a process with more than one thread.
        #expect(quiet.reads == 3 * 3)
        // Between two walks: each member's statm (its CPU is its clock's, not a read).
        let between = try cost(sampler, at: start + 1 + ProcessSampler.membershipInterval / 2)
        #expect(between == .init(opens: 0, reads: 3))

        // 2,000 idle processes elsewhere on the host (forked, not exec'd: a second, not twenty).
        let crowd = try ChildProcess.spawn(
            [
                "python3", "-c",
                "import os, time\nfor _ in range(2000):\n    if os.fork() == 0:\n        time.sleep(120)\n"
                    + "        os._exit(0)\nos.wait()",
            ], environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
            workingDirectory: "/")
        defer {
            crowd.signalGroup(SIGKILL)
            crowd.wait()
        }
        #expect(waitForChildren(of: crowd.pid, count: 2000))
        let crowded = try cost(sampler, at: start + 2)
        #expect(crowded == quiet, "the crowd is not looked at")
    }

    /// Between walks a sample reads only the members' own files: a process
    /// started since is counted from the next walk, one that ended at once.
    @Test func aSampleBetweenWalksCountsWhatEndedAtOnceAndWhatStartedFromTheNextWalk() throws {
        let fifo = makeFIFO()
        defer { unlink(fifo) }
        let child = try shell("exec 3<>\(fifo); sleep 60 & read line <&3; sleep 60 & read line <&3; wait")
        defer {
            child.signalGroup(SIGKILL)
            child.wait()
        }
        #expect(waitForChildren(of: child.pid, count: 1))
        let sampler = ProcessSampler(rootPID: child.pid, periodicInterval: .infinity)
        let start = RunClock.monotonic()
        #expect(try #require(sampler.sample(monotonic: start)).processes == 2)
        // The shell starts a second sleep.
        release(fifo)
        #expect(waitForChildren(of: child.pid, count: 2))
        #expect(sampler.sample(monotonic: start + 0.05)?.processes == 2, "not looked for before the next walk")
        #expect(sampler.sample(monotonic: start + ProcessSampler.membershipInterval)?.processes == 3)
        // One sleep killed: the next sample, within the interval, does not count
        // it, whether the shell has reaped it yet or it is still a zombie.
        let sleeps = sampler.tree().dropFirst()
        let killed = try #require(sleeps.first)
        #expect(kill(killed, SIGKILL) == 0)
        var ended = ""
        for _ in 0..<500 where ended != "Z" && ended != "gone" {
            usleep(10_000)
            ended = state(of: killed) ?? "gone"
        }
        let after = try #require(sampler.sample(monotonic: start + ProcessSampler.membershipInterval + 0.02))
        #expect(after.processes == 2, "the killed sleep (\(ended)) is not counted")
    }

    /// A member's CPU is read from its CPU-time clock: the clock glibc's
    /// `clock_getcpuclockid` names, and the time `stat` gives (to its ticks).
    @Test func aProcessCPUClockIsGlibcsAndAgreesWithStat() throws {
        let child = try shell("i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; exec sleep 60")
        defer {
            child.signalGroup(SIGKILL)
            child.wait()
        }
        var glibc = clockid_t()
        #expect(clock_getcpuclockid(child.pid, &glibc) == 0)
        #expect(ProcessSampler.cpuClock(of: child.pid) == glibc)
        var command = ""
        for _ in 0..<3000 where !command.hasPrefix("sleep") {
            usleep(10_000)
            command = (try? String(contentsOfFile: "/proc/\(child.pid)/comm", encoding: .utf8)) ?? ""
        }
        let text = try String(contentsOfFile: "/proc/\(child.pid)/stat", encoding: .utf8)
        let fields = try #require(ProcessSampler.statFields(text))
        let statTicks = try #require(Double(fields[11])) + (try #require(Double(fields[12])))
        let clockTicks = try #require(ProcessSampler.cpuTicks(of: child.pid))
        #expect(statTicks > 5, "the loop used some CPU: \(statTicks) ticks")
        #expect(abs(clockTicks - statTicks) <= 2, "clock \(clockTicks) ticks, stat \(statTicks)")
        #expect(ProcessSampler.cpuTicks(of: Int32.max - 1) == nil, "no such process")
    }

    /// A child started by a thread other than the main one is in the tree,
    /// also once the main thread has exited (the process then reads as a
    /// zombie in `stat` while its other thread runs).
    @Test func aChildOfAnotherThreadIsFoundAfterTheMainThreadExited() throws {
        let script = """
            import ctypes, subprocess, threading, time
            def worker():
                subprocess.Popen(["sleep", "60"])
                time.sleep(60)
            threading.Thread(target=worker).start()
            time.sleep(0.3)
            ctypes.CDLL(None).pthread_exit(None)
            """
        let child = try ChildProcess.spawn(
            ["python3", "-c", script],
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
            workingDirectory: "/")
        defer {
            child.signalGroup(SIGKILL)
            child.wait()
        }
        #expect(waitForChildren(of: child.pid, count: 1))
        var main = ""
        for _ in 0..<500 {
            main = state(of: child.pid) ?? ""
            if main == "Z" { break }
            usleep(10_000)
        }
        #expect(main == "Z", "the main thread has exited")
        let tree = ProcessSampler(rootPID: child.pid).tree()
        #expect(tree.count == 2, "python and its sleep: \(tree)")
    }

    /// Swap is read from each process's `status` (the costliest file /proc
    /// makes) only while the machine has swap in use: with none, no process has any.
    @Test func swapIsReadOnlyWhileTheMachineHasSwapInUse() throws {
        let meminfo = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        func kB(_ key: String) -> Int? {
            meminfo.split(separator: "\n").first { $0.hasPrefix(key + ":") }
                .flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Int($0) }
        }
        let used = try #require(kB("SwapTotal")) - (try #require(kB("SwapFree")))
        #expect((hedgeops_swap_in_use() == 1) == (used > 0), "meminfo says \(used) kB of swap in use")

        let child = try tree()
        defer {
            child.signalGroup(SIGKILL)
            child.wait()
        }
        #expect(waitForChildren(of: child.pid, count: 2))
        var reads: [Bool: Int] = [:]
        for inUse in [true, false] {
            let sampler = ProcessSampler(rootPID: child.pid)
            sampler.swapInUse = { inUse }
            _ = try cost(sampler)
            usleep(1_100_000)  // past the once-a-second figures' interval
            reads[inUse] = try cost(sampler).reads
        }
        // One `status` for each of the three processes, only when swap is in use.
        #expect(reads[true] == (reads[false] ?? 0) + 3, "\(reads)")
    }

    @Test func residentAndAnonymousMemoryAgreeWithStatus() throws {
        let child = try ChildProcess.spawn(
            ["sleep", "60"], environment: ["PATH": "/usr/bin:/bin"], workingDirectory: "/")
        defer {
            child.signalGroup(SIGKILL)
            child.wait()
        }
        usleep(100_000)
        let sample = try #require(ProcessSampler(rootPID: child.pid).sample(monotonic: RunClock.monotonic()))
        let status = try String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8)
        func kB(_ key: String) -> Double? {
            status.split(separator: "\n").first { $0.hasPrefix(key + ":") }
                .flatMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first }
                .flatMap { Double($0) }
        }
        #expect(sample.rssMB * 1024 == kB("VmRSS"))
        #expect(sample.rssAnonMB * 1024 == kB("RssAnon"))
        #expect(sample.swapMB * 1024 == kB("VmSwap"))
        #expect(sample.threads == 1)
    }
}
