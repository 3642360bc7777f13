import Foundation
import HedgeOpsKit
import Testing

/// One supervisor per data directory, whatever is tried against a live run.
struct RunLockTests {
    /// hedgeops processes whose working directory is `workspace`.
    static func supervisors(in workspace: Workspace) -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap(Int32.init).filter { pid in
            let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
            let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")
            return exe == Binary.path && cwd == workspace.path
        }
    }

    /// Waits (up to 30 s) until the run has launched its executor.
    static func launched(_ workspace: Workspace) throws -> String {
        for _ in 0..<600 {
            if let folder = try RunTests.runFolder(workspace),
                let journal = try? RawJournal(path: folder + "/journal.jsonl"),
                journal.events.contains(where: { $0["type"] as? String == "launch" })
            {
                return folder
            }
            usleep(50_000)
        }
        throw JournalError("the run never launched in \(workspace.path)")
    }

    @Test func twentyConcurrentRunsAndResumesAgainstALiveRunAreAllRefused() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let live = try ChildProcess.spawn(
            [Binary.path, "run", "--checklist", RunTests.demoChecklist, "--time-scale", "360", "--yes"],
            environment: RunTests.environment, workingDirectory: workspace.path,
            stdoutPath: workspace.path + "/live.out", stderrPath: workspace.path + "/live.err")
        defer {
            live.signalGroup(SIGKILL)
            _ = live.wait(timeout: 10)
        }
        let folder = try Self.launched(workspace)
        let lockPath = workspace.path + "/data/.hedgeops.lock"

        // Runs, resumes, and resumes naming the run's folder from another data directory.
        let commands = [
            [Binary.path, "resume"], [Binary.path, "run", "--checklist", RunTests.demoChecklist, "--yes"],
            [Binary.path, "resume", folder, "--data-dir", "elsewhere"],
        ]
        let attempts = try (0..<20).map { index in
            try ChildProcess.spawn(
                commands[index % commands.count],
                environment: RunTests.environment, workingDirectory: workspace.path,
                stderrPath: workspace.path + "/attempt-\(index).err")
        }
        for (index, attempt) in attempts.enumerated() {
            let end = attempt.wait(timeout: 60)
            if end == nil { attempt.signalGroup(SIGKILL) }
            let stderr = (try? String(contentsOfFile: workspace.path + "/attempt-\(index).err", encoding: .utf8)) ?? ""
            #expect(end == .exited(2), "attempt \(index): \(String(describing: end)) \(stderr)")
            #expect(stderr.contains("another hedgeops (pid \(live.pid)) holds"), "attempt \(index): \(stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: lockPath))
        #expect(Self.supervisors(in: workspace) == [live.pid])
        let liveErrors = (try? String(contentsOfFile: workspace.path + "/live.err", encoding: .utf8)) ?? ""
        #expect(live.poll() == nil, "the live run ended: \(liveErrors)")

        // Stop the live run; its journal is one supervisor's, whole and valid.
        live.signalGroup(SIGINT)
        #expect(live.wait(timeout: 60) == .exited(4))
        let journal = try RawJournal(path: folder + "/journal.jsonl")
        #expect(journal.isValid, "\(String(describing: journal.problem))")
        let types = journal.events.compactMap { $0["type"] as? String }
        #expect(types.filter { $0 == "verdict" }.count == 1)
        #expect(types.filter { $0 == "launch" }.count == 1)
        #expect(!types.contains("resume"))
        let sequence = journal.events.compactMap { $0["seq"] as? Int }
        #expect(sequence == Array(1...journal.events.count))
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/data/runs").count == 1)
    }

    @Test func aLockLeftByADeadProcessIsTakenOverAndALiveOneRefused() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let lockPath = workspace.path + "/data/.hedgeops.lock"
        // Another process holds the lock file; it has written a PID in it.
        try workspace.write("data/.hedgeops.lock", "1 1\n")
        let holder = try ChildProcess.spawn(
            ["flock", "--exclusive", lockPath, "sleep", "60"], environment: Binary.baseEnvironment,
            workingDirectory: workspace.path)
        defer { holder.signalGroup(SIGKILL) }
        for _ in 0..<200 where flockHeld(lockPath) == false { usleep(10_000) }

        let refused = try Binary.run(
            ["run", "--checklist", RunTests.demoChecklist, "--time-scale", "7200", "--yes"],
            environment: RunTests.environment, in: workspace.path)
        #expect(refused.exitCode == 2, "\(refused.all)")
        #expect(refused.stderr.contains("another hedgeops holds \("data/.hedgeops.lock")"), "\(refused.stderr)")
        #expect(FileManager.default.fileExists(atPath: lockPath))
        #expect(try RunTests.runFolder(workspace) == nil)

        // Its holder dies: the lock is free, though the file is still there.
        holder.signalGroup(SIGKILL)
        _ = holder.wait(timeout: 10)
        #expect(FileManager.default.fileExists(atPath: lockPath))
        let taken = try Binary.run(
            ["run", "--checklist", RunTests.demoChecklist, "--time-scale", "7200", "--yes"],
            environment: RunTests.environment, in: workspace.path)
        #expect(taken.exitCode == 0 || taken.exitCode == 1, "\(taken.all)")
        #expect(taken.stdout.contains("VERDICT"), "\(taken.all)")
        #expect(try RunTests.runFolder(workspace) != nil)
    }

    /// Whether some process holds an exclusive flock on `path`.
    func flockHeld(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return true }
        flock(fd, LOCK_UN)
        return false
    }
}
