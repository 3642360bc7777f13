import Foundation
import HedgeOpsKit
import Testing

/// `hedgeops status` and `hedgeops resume` on real runs.
struct ResumeTests {
    /// `hedgeops run` in the background (1 hour = 2.5 s).
    func backgroundRun(_ workspace: Workspace) throws -> ChildProcess {
        try workspace.mkdir("data/load_test")
        return try ChildProcess.spawn(
            [Binary.path, "run", "--checklist", RunTests.demoChecklist, "--time-scale", "1440", "--yes"],
            environment: RunTests.environment, workingDirectory: workspace.path,
            stdoutPath: workspace.path + "/run.out", stderrPath: workspace.path + "/run.err")
    }

    /// Starts a run, SIGKILLs hedgeops at about hour 3.
    func killedRun(extraWait: Double = 0) throws -> (Workspace, String, ChildProcess) {
        let workspace = try Workspace()
        let process = try backgroundRun(workspace)
        Thread.sleep(forTimeInterval: 7.5 + extraWait)
        kill(process.pid, SIGKILL)
        #expect(process.wait(timeout: 5) == .signaled(SIGKILL))
        let folder = try #require(try RunTests.runFolder(workspace))
        return (workspace, folder, process)
    }

    func status(_ workspace: Workspace) throws -> [String: Any] {
        let result = try Binary.run(["status", "--json"], environment: RunTests.environment, in: workspace.path)
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test func statusFromASecondTerminalSeesASupervisedRunAsSupervised() throws {
        let workspace = try Workspace()
        let process = try backgroundRun(workspace)
        defer {
            kill(process.pid, SIGKILL)
            _ = process.wait(timeout: 5)
        }
        var phase: String?
        for _ in 0..<100 where phase == nil || phase == "not_launched" {
            Thread.sleep(forTimeInterval: 0.1)
            phase = (try? status(workspace))?["phase"] as? String
        }
        #expect(phase == "running", "a supervised run is not unsupervised")
        let folder = try #require(try RunTests.runFolder(workspace))
        let session = try #require(try RawJournal(path: folder + "/journal.jsonl").events.first)
        #expect(session["hedgeops_pid"] as? Int == Int(process.pid))
        #expect(session["hedgeops_start_time"] as? Int != nil)
        #expect(session["working_directory"] as? String == workspace.path)
    }

    @Test func aKilledHedgeopsLeavesTheRunGoingAndResumeReachesTheVerdict() throws {
        let (workspace, folder, _) = try killedRun()
        // The run went on without hedgeops (its own process group).
        let unsupervised = try status(workspace)
        #expect(unsupervised["phase"] as? String == "unsupervised", "\(unsupervised)")
        // A crash mid-write leaves a torn line; resume must set it aside.
        let journalPath = folder + "/journal.jsonl"
        let handle = try #require(FileHandle(forWritingAtPath: journalPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"type":"sample","hour":3.1"#.utf8))
        try handle.close()

        let resumed = try Binary.run(["resume"], environment: RunTests.environment, in: workspace.path)
        #expect(resumed.exitCode == 0, "\(resumed.all)")
        #expect(resumed.stdout.contains("a torn last line"))
        #expect(resumed.stdout.contains("VERDICT: PASS"))
        let journal = try RawJournal(path: journalPath)
        #expect(journal.isValid, "\(String(describing: journal.problem))")
        #expect(journal.tornTail == nil)
        let types = journal.events.compactMap { $0["type"] as? String }
        #expect(types.contains("resume") && types.contains("torn_line") && types.last == "verdict")
        let aside = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
            $0.hasPrefix("journal.torn-line-")
        }
        #expect(aside.count == 1)
        let finished = try status(workspace)
        #expect(finished["phase"] as? String == "finished")
        #expect(finished["verdict"] as? String == "PASS")
        let checkpoints = try #require(finished["checkpoints"] as? [[String: Any]])
        #expect(checkpoints.compactMap { $0["hour"] as? Double } == [0, 1, 2, 4, 6, 8])
        for checkpoint in checkpoints where (checkpoint["hour"] as? Double ?? 0) >= 4 {
            #expect((checkpoint["rss_mb"] as? Double ?? 0) > 20)
        }
    }

    @Test func checkpointsThatFellInTheGapAreMissedWithTheNearestLaterSample() throws {
        let (workspace, folder, _) = try killedRun()
        Thread.sleep(forTimeInterval: 3.5)  // hour 4 falls due while nobody watches
        let resumed = try Binary.run(["resume"], environment: RunTests.environment, in: workspace.path)
        #expect(resumed.exitCode == 0, "\(resumed.all)")
        let data = try #require(FileManager.default.contents(atPath: folder + "/results.json"))
        let results = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let hour4 = try #require((results["checkpoints"] as? [[String: Any]])?.first { $0["hour"] as? Double == 4 })
        #expect(hour4["missed"] as? Bool == true)
        #expect((hour4["rss_mb"] as? Double ?? 0) > 20)
        #expect((hour4["note"] as? String ?? "").contains("nearest later sample"))
    }

    /// Resumed after the end: hours 6 and 8 were missed and the executor's
    /// exit status is unknown. Memory at hour 4 is not "final memory", and an
    /// end nobody saw is not "no crash": both are inconclusive, so no PASS.
    @Test func aRunResumedAfterItsEndWithTheLastCheckpointsMissedIsNotAPass() throws {
        let (workspace, folder, _) = try killedRun(extraWait: 4)  // killed between hours 4 and 5
        let journal = try RawJournal(path: folder + "/journal.jsonl")
        let pid = try #require(journal.events.first { $0["type"] as? String == "launch" }?["pid"] as? Int)
        // The executor runs its 8 hours and ends by itself, unwatched.
        // (A zombie left for a parent that never reaps it is as ended as a reaped one.)
        func ended() -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.range(of: ") ", options: .backwards)
            else { return true }
            return stat[close.upperBound...].hasPrefix("Z")
        }
        for _ in 0..<400 where !ended() { usleep(100_000) }
        #expect(ended(), "the executor did not end by itself")
        let resumed = try Binary.run(["resume"], environment: RunTests.environment, in: workspace.path)
        #expect(resumed.exitCode == 1, "\(resumed.all)")
        #expect(!resumed.stdout.contains("VERDICT: PASS"), "\(resumed.all)")
        let data = try #require(FileManager.default.contents(atPath: folder + "/results.json"))
        let results = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(results["verdict"] as? String == "FAIL")
        let checkpoints = try #require(results["checkpoints"] as? [[String: Any]])
        for hour in [6.0, 8] {
            #expect(checkpoints.first { $0["hour"] as? Double == hour }?["missed"] as? Bool == true, "hour \(hour)")
        }
        let criteria = try #require(results["criteria"] as? [[String: Any]])
        func criterion(_ id: String) -> [String: Any]? { criteria.first { $0["id"] as? String == id } }
        let leak = try #require(criterion("memory-leak"))
        #expect(leak["passed"] as? Bool == false)
        #expect(leak["value"] is NSNull, "\(leak)")
        #expect((leak["detail"] as? String ?? "").hasPrefix("inconclusive: the final checkpoint (hour 8) was missed"))
        let crash = try #require(criterion("no-crashes"))
        #expect(crash["passed"] as? Bool == false)
        #expect(crash["value"] is NSNull, "\(crash)")
        #expect((crash["detail"] as? String ?? "").hasPrefix("inconclusive:"), "\(crash)")
        #expect((crash["detail"] as? String ?? "").contains("exit status unknown"), "\(crash)")
    }

    @Test func aChangedChecklistIsRefusedUnlessForced() throws {
        let (workspace, folder, _) = try killedRun()
        let copy = workspace.path + "/changed.yaml"
        let text = try String(contentsOfFile: RunTests.demoChecklist, encoding: .utf8) + "\n# edited\n"
        try text.write(toFile: copy, atomically: true, encoding: .utf8)
        let refused = try Binary.run(
            ["resume", "--checklist", copy], environment: RunTests.environment, in: workspace.path)
        #expect(refused.exitCode == 2)
        #expect(refused.stderr.contains("changed since launch"))
        let forced = try Binary.run(
            ["resume", "--checklist", copy, "--force"], environment: RunTests.environment, in: workspace.path)
        #expect(forced.exitCode == 0, "\(forced.all)")
        let journal = try RawJournal(path: folder + "/journal.jsonl")
        let resume = try #require(journal.events.first { $0["type"] as? String == "resume" })
        #expect(resume["forced"] as? Bool == true)
    }

    @Test func anExecutorThatDiedWhileUnsupervisedIsACrash() throws {
        let (workspace, folder, _) = try killedRun()
        let journal = try RawJournal(path: folder + "/journal.jsonl")
        let pid = try #require(journal.events.first { $0["type"] as? String == "launch" }?["pid"] as? Int)
        kill(-Int32(pid), SIGKILL)
        Thread.sleep(forTimeInterval: 0.3)
        let gone = try status(workspace)
        #expect(gone["phase"] as? String == "executor_gone")
        let resumed = try Binary.run(["resume"], environment: RunTests.environment, in: workspace.path)
        #expect(resumed.exitCode == 1)
        #expect(resumed.stdout.contains("ended while unsupervised"))
        let data = try #require(FileManager.default.contents(atPath: folder + "/results.json"))
        let results = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((results["end"] as? [String: Any])?["kind"] as? String == "crashed")
    }

    @Test func oneAlteredByteIsReportedAtItsLine() throws {
        let (workspace, folder, _) = try killedRun()
        let path = folder + "/journal.jsonl"
        let launch = try RawJournal(path: path).events.first { $0["type"] as? String == "launch" }
        let pid = try #require(launch?["pid"] as? Int)
        // Nobody resumes a changed journal: stop the orphaned executor at the end.
        defer { kill(-Int32(pid), SIGKILL) }
        var bytes = try #require(FileManager.default.contents(atPath: path))
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        // Flip one byte inside line 7.
        let offset = lines.prefix(6).reduce(0) { $0 + $1.count + 1 } + 20
        bytes[offset] = bytes[offset] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
        try bytes.write(to: URL(fileURLWithPath: path))
        let result = try Binary.run(["status"], environment: RunTests.environment, in: workspace.path)
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("line 8: prev does not match the SHA-256 of line 7: line 7 was changed"))
        let refused = try Binary.run(["resume"], environment: RunTests.environment, in: workspace.path)
        #expect(refused.exitCode == 1)
        #expect(refused.stderr.contains("line 7 was changed"))
    }
}
