import Foundation
import HedgeOpsKit
import Testing

/// A small tmpfs for a data directory, mounted for one test (needs root).
final class SmallDisk {
    let path: String

    /// Whether this machine lets the tests mount a tmpfs.
    static let permitted: Bool = {
        guard getuid() == 0, let probe = try? SmallDisk(kilobytes: 64) else { return false }
        withExtendedLifetime(probe) {}
        return true
    }()

    init(kilobytes: Int) throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "hedgeops-disk-\(UUID().uuidString.prefix(8))"
            )
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let mount = try ChildProcess.spawn(
            ["mount", "-t", "tmpfs", "-o", "size=\(kilobytes)k", "tmpfs", path], environment: Binary.baseEnvironment,
            workingDirectory: "/")
        guard mount.wait(timeout: 10) == .exited(0) else {
            rmdir(path)
            throw JournalError("mount -t tmpfs not permitted here")
        }
    }

    deinit {
        _ = try? ChildProcess.spawn(["umount", "-l", path], environment: Binary.baseEnvironment, workingDirectory: "/")
            .wait(timeout: 10)
        rmdir(path)
    }

    /// Fills the disk to its last byte with `name`.
    func fill(_ name: String) {
        let fd = open(path + "/" + name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x2e, count: 4096)
        for size in [4096, 512, 1] {
            while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, size) }) > 0 {}
        }
    }
}

/// Reads `path` until it contains `text` (up to `seconds`).
func appears(_ text: String, in path: String, seconds: Double) -> Bool {
    let deadline = RunClock.monotonic() + seconds
    while RunClock.monotonic() < deadline {
        if let content = try? String(contentsOfFile: path, encoding: .utf8), content.contains(text) { return true }
        usleep(50_000)
    }
    return false
}

/// A data directory whose disk fills up while the run goes on.
@Suite(.enabled(if: SmallDisk.permitted, "needs root and mount -t tmpfs to give the data directory a small disk"))
struct DiskFullTests {
    @Test func aFullDiskMidRunNeitherCrashesNorOrphansTheExecutorAndHeldDataIsWrittenWhenSpaceReturns() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let disk = try SmallDisk(kilobytes: 4096)
        // 8 hours in 20 s; the executor's own log stays off the small disk.
        let hedgeops = try ChildProcess.spawn(
            [
                Binary.path, "run", "--checklist", RunTests.demoChecklist, "--time-scale", "1440", "--yes",
                "--data-dir", disk.path + "/data",
            ], environment: RunTests.environment, workingDirectory: workspace.path,
            stdoutPath: workspace.path + "/run.out", stderrPath: workspace.path + "/run.err")
        defer {
            hedgeops.signalGroup(SIGKILL)
            _ = hedgeops.wait(timeout: 10)
        }
        let runs = disk.path + "/data/runs"
        var folder = ""
        var launch: [String: Any]?
        for _ in 0..<400 where launch == nil {
            usleep(50_000)
            folder = ((try? FileManager.default.contentsOfDirectory(atPath: runs))?.first).map { runs + "/" + $0 } ?? ""
            launch = (try? RawJournal(path: folder + "/journal.jsonl"))?.events.first {
                $0["type"] as? String == "launch"
            }
        }
        let executor = Int32(try #require(launch?["pid"] as? Int, "the run never launched"))

        // Hour 2 or so: the disk fills up and stays full past the planned end.
        usleep(4_000_000)
        disk.fill("filler")
        let stderr = workspace.path + "/run.err"
        #expect(appears("JOURNAL WRITE FAILED", in: stderr, seconds: 10))
        #expect(appears("the run has ended, but", in: stderr, seconds: 40))
        let output = try String(contentsOfFile: stderr, encoding: .utf8)
        #expect(output.contains("No space left on device"), "\(output)")
        #expect(hedgeops.poll() == nil, "hedgeops ended while the disk was full: \(output)")
        // The executor was stopped at the planned end all the same.
        #expect(kill(executor, 0) != 0 && errno == ESRCH, "the executor \(executor) is still running")

        // Space returns: what was held is written, then hedgeops ends with its verdict.
        unlink(disk.path + "/filler")
        let end = hedgeops.wait(timeout: 30)
        let stdout = (try? String(contentsOfFile: workspace.path + "/run.out", encoding: .utf8)) ?? ""
        let all = stdout + ((try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "")
        #expect(end == .exited(0) || end == .exited(1), "\(String(describing: end)): \(all)")
        #expect(stdout.contains("VERDICT"), "\(all)")
        #expect(all.contains("journal writes work again"), "\(all)")

        let journal = try RawJournal(path: folder + "/journal.jsonl")
        #expect(journal.isValid, "\(String(describing: journal.problem))")
        #expect(journal.tornTail == nil)
        let types = journal.events.compactMap { $0["type"] as? String }
        #expect(types.filter { $0 == "verdict" }.count == 1)
        #expect(journal.events.compactMap { $0["seq"] as? Int } == Array(1...journal.events.count))
        // The end was recorded (stopped by hedgeops, or ended by itself on its own clock at the planned end).
        #expect(types.filter { $0 == "exit" }.count == 1)
        let gap = try #require(
            journal.events.first { $0["type"] as? String == "write_gap" && $0["file"] as? String == "journal.jsonl" })
        #expect(gap["reason"] as? String == "No space left on device")
        #expect((gap["samples_held"] as? Int ?? 0) > 0)
        #expect((gap["from"] as? String ?? "") < (gap["to"] as? String ?? ""))
        // Held events were written after the gap began, in order, the verdict among them.
        let verdictIndex = try #require(types.firstIndex(of: "verdict"))
        let gapIndex = try #require(types.lastIndex(of: "write_gap"))
        #expect(verdictIndex < gapIndex)

        let data = try #require(FileManager.default.contents(atPath: folder + "/results.json"))
        let results = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let ending = try #require(results["end"] as? [String: Any])
        #expect(ending["kind"] as? String == "normal")
        // Its own stderr was on the full disk too: it still shut down as asked, no trap.
        #expect(!(ending["detail"] as? String ?? "").contains("killed by signal"), "\(ending)")
        #expect(results["journal_sha256"] as? String == Journal.fileSHA256(folder + "/journal.jsonl"))
        let rows = try String(contentsOfFile: folder + "/samples.csv", encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "hour,at,rss_mb,rss_anon_mb,swap_mb,cpu_pct,threads,open_files,processes")
        #expect(rows.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == 9 })
    }

    @Test func aDiskFullBeforeTheLaunchStartsNothing() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let disk = try SmallDisk(kilobytes: 64)
        disk.fill("filler")
        let result = try Binary.run(
            [
                "run", "--checklist", RunTests.demoChecklist, "--time-scale", "1440", "--yes", "--data-dir",
                disk.path + "/data",
            ], environment: RunTests.environment, in: workspace.path)
        #expect(result.exitCode == 1, "\(result.all)")
        #expect(result.stderr.contains("No space left on device; nothing was launched"), "\(result.stderr)")
        // No executor was started: it would have opened its log.
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/data/load_test").isEmpty)
    }
}

/// `chattr -R` on a folder (needs root and a file system that supports it).
enum Chattr {
    static let permitted: Bool = {
        guard getuid() == 0, let workspace = try? Workspace() else { return false }
        return run("+i", workspace.path) && run("-i", workspace.path)
    }()

    @discardableResult
    static func run(_ flag: String, _ path: String) -> Bool {
        // Every file and folder but sockets (the supervisor's control.sock), which carry no such flags.
        let process = try? ChildProcess.spawn(
            ["find", path, "-not", "-type", "s", "-exec", "chattr", flag, "{}", "+"],
            environment: Binary.baseEnvironment,
            workingDirectory: "/")
        return process?.wait(timeout: 10) == .exited(0)
    }
}

/// A run folder made immutable (`chattr +i`) while the run goes on.
@Suite(.enabled(if: Chattr.permitted, "needs root and chattr on the temporary directory"))
struct ImmutableFolderTests {
    @Test func anImmutableRunFolderIsToldAndTheRunGoesOnToItsVerdict() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let hedgeops = try ChildProcess.spawn(
            [Binary.path, "run", "--checklist", RunTests.demoChecklist, "--time-scale", "1440", "--yes"],
            environment: RunTests.environment, workingDirectory: workspace.path,
            stdoutPath: workspace.path + "/run.out", stderrPath: workspace.path + "/run.err")
        defer {
            hedgeops.signalGroup(SIGKILL)
            _ = hedgeops.wait(timeout: 10)
        }
        let folder = try RunLockTests.launched(workspace)
        defer { Chattr.run("-i", folder) }
        usleep(2_000_000)
        #expect(Chattr.run("+i", folder))
        let stderr = workspace.path + "/run.err"
        #expect(appears("Operation not permitted", in: stderr, seconds: 10))
        usleep(1_000_000)
        #expect(hedgeops.poll() == nil, "hedgeops ended on an immutable folder")
        #expect(Chattr.run("-i", folder))

        let end = hedgeops.wait(timeout: 60)
        let all =
            ((try? String(contentsOfFile: workspace.path + "/run.out", encoding: .utf8)) ?? "")
            + ((try? String(contentsOfFile: stderr, encoding: .utf8)) ?? "")
        #expect(end == .exited(0) || end == .exited(1), "\(String(describing: end)): \(all)")
        #expect(all.contains("JOURNAL WRITE FAILED") && all.contains("journal writes work again"), "\(all)")
        let journal = try RawJournal(path: folder + "/journal.jsonl")
        #expect(journal.isValid && journal.tornTail == nil, "\(String(describing: journal.problem))")
        let types = journal.events.compactMap { $0["type"] as? String }
        #expect(types.filter { $0 == "verdict" }.count == 1)
        let gap = try #require(journal.events.first { $0["type"] as? String == "write_gap" })
        #expect(gap["reason"] as? String == "Operation not permitted")
        #expect(FileManager.default.fileExists(atPath: folder + "/results.json"))
    }
}
