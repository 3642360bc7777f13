import Foundation
import Testing

@testable import HedgeOpsKit

/// The follower on real files: incremental reads, partial lines, truncation,
/// rotation, and files of an earlier run.
struct LogFollowerTests {
    let directory: String
    let patterns = [
        LogPattern(id: "errors", title: "Errors", regex: " - ERROR - "),
        LogPattern(id: "ws_reconnects", title: "WS", regex: "Reconnecting in [0-9.]+s"),
        LogPattern(id: "ws_state", title: "WS state", regex: "WebSocket (Connected|Disconnected)"),
    ]

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("follower-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func append(_ name: String, _ text: String) throws {
        let path = directory + "/" + name
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    func follower(since: Date = Date()) -> LogFollower {
        LogFollower(glob: "load_test_*.log", workingDirectory: directory, notBefore: since, patterns: patterns)
    }

    @Test func countsIncrementallyAndWaitsForWholeLines() throws {
        try append("old_unrelated.txt", "x - ERROR - y\n")
        let follower = follower()
        try append(
            "load_test_1.log", "a - ERROR - boom\nb - WARNING - Reconnecting in 4s (attempt #1)...\nc - WebSocket Conn")
        let events = follower.poll(monotonic: 1)
        #expect(follower.counts["errors"] == 1)
        #expect(follower.counts["ws_reconnects"] == 1)
        #expect(events.map(\.pattern) == ["errors", "ws_reconnects"])
        #expect(follower.lastWSState == nil, "a partial line is not read yet")
        try append("load_test_1.log", "ected\n")
        _ = follower.poll(monotonic: 2)
        #expect(follower.lastWSState == "Connected")
        #expect(follower.counts["errors"] == 1, "nothing is read twice")
    }

    @Test func survivesTruncationAndRotation() throws {
        let follower = follower()
        try append("load_test_1.log", "a - ERROR - one\n")
        _ = follower.poll(monotonic: 1)
        // Truncated in place, then written again.
        try Data().write(to: URL(fileURLWithPath: directory + "/load_test_1.log"))
        try append("load_test_1.log", "b - ERROR - two\n")
        _ = follower.poll(monotonic: 2)
        #expect(follower.counts["errors"] == 2)
        // Rotated: the old file moved away, a new one created.
        try FileManager.default.moveItem(atPath: directory + "/load_test_1.log", toPath: directory + "/rotated.1")
        try append("load_test_1.log", "c - ERROR - three\n")
        _ = follower.poll(monotonic: 3)
        #expect(follower.counts["errors"] == 3)
    }

    @Test func anEarlierRunsFileIsNeverCounted() throws {
        try append("load_test_0.log", "old - ERROR - from yesterday\n")
        let follower = follower(since: Date().addingTimeInterval(-60))
        _ = follower.poll(monotonic: 1)
        #expect(follower.counts["errors"] == 0)
        try append("load_test_0.log", "old - ERROR - still the old file\n")
        try append("load_test_9.log", "new - ERROR - this run\n")
        _ = follower.poll(monotonic: 2)
        #expect(follower.counts["errors"] == 1)
        #expect(follower.currentFile?.hasSuffix("load_test_9.log") == true)
    }

    /// Sets a file's (or the directory's) modification time to `ago` seconds in the past.
    func age(_ name: String?, _ ago: Double) {
        let path = name.map { directory + "/" + $0 } ?? directory
        let when = Date().timeIntervalSince1970 - ago
        var times = [timeval](repeating: timeval(tv_sec: Int(when), tv_usec: 0), count: 2)
        #expect(utimes(path, &times) == 0, "utimes \(path)")
    }

    /// With the directory as it was (nothing made, renamed or removed, so the
    /// listing is not read again), a second new file that is written while the
    /// followed one went quiet is still followed; one written before launch never is.
    @Test func aQuietFileGivesWayToANewerOneInAnUnchangedDirectory() throws {
        try append("load_test_0.log", "old - ERROR - yesterday\n")
        age("load_test_0.log", 3600)
        let follower = follower(since: Date().addingTimeInterval(-60))
        try append("load_test_1.log", "a - ERROR - one\n")
        try append("load_test_2.log", "")
        age("load_test_2.log", 20)
        age(nil, 30)
        _ = follower.poll(monotonic: 1)
        #expect(follower.currentFile?.hasSuffix("load_test_1.log") == true)
        _ = follower.poll(monotonic: 2)
        try append("load_test_0.log", "old - ERROR - the old file again\n")
        age("load_test_1.log", 10)
        age(nil, 30)
        _ = follower.poll(monotonic: 3)
        #expect(follower.currentFile?.hasSuffix("load_test_1.log") == true, "the old file is not followed")
        try append("load_test_2.log", "b - ERROR - two\n")
        age(nil, 30)
        _ = follower.poll(monotonic: 4)
        #expect(follower.currentFile?.hasSuffix("load_test_2.log") == true)
        #expect(follower.counts["errors"] == 2)
    }

    /// The log directory is looked at through a descriptor held on it. One
    /// removed and made again is followed at the next look, even though the
    /// removed one's time is as it was listed; one renamed away and made
    /// again is followed once it is opened by path again (`relistInterval`).
    @Test func aLogDirectoryRemovedOrRenamedAndMadeAgainIsFollowed() throws {
        let logs = directory + "/logs"
        let listedTime = Date().timeIntervalSince1970 - 60
        func setTime(_ path: String) {
            var times = [timeval](repeating: timeval(tv_sec: Int(listedTime), tv_usec: 0), count: 2)
            #expect(utimes(path, &times) == 0, "utimes \(path)")
        }
        func write(_ name: String, _ text: String) {
            #expect(FileManager.default.createFile(atPath: logs + "/" + name, contents: Data(text.utf8)))
        }
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: false)
        let follower = LogFollower(
            glob: "logs/load_test_*.log", workingDirectory: directory, notBefore: Date().addingTimeInterval(-5),
            patterns: patterns, relistInterval: 0.5)
        write("load_test_1.log", "a - ERROR - one\n")
        setTime(logs)
        _ = follower.poll(monotonic: 1)
        #expect(follower.counts["errors"] == 1)
        // Removed (its time put back as it was listed) and made again.
        try FileManager.default.removeItem(atPath: logs + "/load_test_1.log")
        setTime(logs)
        #expect(rmdir(logs) == 0)
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: false)
        write("load_test_2.log", "b - ERROR - two\n")
        _ = follower.poll(monotonic: 2)
        #expect(follower.currentFile == logs + "/load_test_2.log")
        #expect(follower.counts["errors"] == 2)
        // Renamed away and made again.
        try FileManager.default.moveItem(atPath: logs, toPath: directory + "/logs.old")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: false)
        write("load_test_3.log", "c - ERROR - three\n")
        usleep(600_000)
        _ = follower.poll(monotonic: 3)
        #expect(follower.currentFile == logs + "/load_test_3.log")
        #expect(follower.counts["errors"] == 3)
    }

    /// A rotation is noticed within a quarter of a second of the poll's
    /// clock (the directory is not looked at by every poll of a fast sampler),
    /// and nothing written to the new file is lost meanwhile.
    @Test func aRotationIsNoticedWithinAQuarterSecond() throws {
        let follower = follower()
        try append("load_test_1.log", "a - ERROR - one\n")
        _ = follower.poll(monotonic: 10)
        try FileManager.default.moveItem(atPath: directory + "/load_test_1.log", toPath: directory + "/rotated.1")
        try append("load_test_2.log", "b - ERROR - two\n")
        _ = follower.poll(monotonic: 10.1)
        #expect(follower.currentFile?.hasSuffix("load_test_1.log") == true, "not looked for yet")
        try append("load_test_2.log", "c - ERROR - three\n")
        _ = follower.poll(monotonic: 10.26)
        #expect(follower.currentFile?.hasSuffix("load_test_2.log") == true)
        #expect(follower.counts["errors"] == 3)
    }

    @Test func parsesTheLoadTestScriptsReportBlock() throws {
        let follower = follower()
        try append(
            "load_test_1.log",
            "t - __main__ - INFO - \n=== Load Test Report (After 2.00h) ===\nOrders Placed: 24\nOrders Modified: 1400\n"
                + "WS Reconnects: 0\nErrors: 0\nMemory Usage:\n  Current: 70.1 MB\n  Peak: 71.0 MB\n  Average: 70.4 MB\n"
                + "  Leak Check: PASS\n\n")
        _ = follower.poll(monotonic: 1)
        let report = try #require(follower.reports.first)
        #expect(report.hours == 2)
        #expect(report.fields["Orders Modified"] == "1400")
        #expect(report.fields["Current"] == "70.1 MB")
        #expect(report.fields["Leak Check"] == "PASS")
    }
}

extension LogFollowerTests {
    @Test func aTruncateAndRewritePastTheOldSizeIsNoticed() throws {
        let follower = follower()
        try append("load_test_1.log", "a - ERROR - one\n")
        _ = follower.poll(monotonic: 1)
        try Data("b - ERROR - two\nc - ERROR - three\n".utf8)
            .write(to: URL(fileURLWithPath: directory + "/load_test_1.log"))
        _ = follower.poll(monotonic: 2)
        #expect(follower.counts["errors"] == 3)
    }

    @Test func linesAroundAReportBlockAreCountedOnce() throws {
        let follower = follower()
        try append(
            "load_test_1.log",
            "x - ERROR - before\n=== Load Test Report (After 1.00h) ===\nErrors: 1\n\ny - ERROR - after\n"
                + "z - WARNING - Reconnecting in 2s\n")
        let events = follower.poll(monotonic: 1)
        #expect(follower.counts["errors"] == 2)
        #expect(follower.counts["ws_reconnects"] == 1)
        #expect(events.map(\.line) == ["x - ERROR - before", "y - ERROR - after", "z - WARNING - Reconnecting in 2s"])
        #expect(follower.reports.map(\.fields) == [["Errors": "1"]])
    }

    @Test func aBacklogLargerThanTheBufferIsReadWhole() throws {
        let follower = follower()
        let line = "t - INFO - WebSocket Connected " + String(repeating: "x", count: 200) + "\n"
        try append("load_test_1.log", String(repeating: line, count: 12_000) + "t - ERROR - last\n")
        _ = follower.poll(monotonic: 1)
        #expect(follower.counts["ws_state"] == 12_000)
        #expect(follower.counts["errors"] == 1)
        #expect(follower.lastWSState == "Connected")
    }
}

struct ProcessSamplerTests {
    @Test func theWholeTreeIsSampledFromProc() throws {
        let child = try ChildProcess.spawn(
            ["sh", "-c", "sleep 5 & sleep 5 & wait"], environment: ["PATH": "/usr/bin:/bin"], workingDirectory: "/")
        defer {
            child.signalGroup(SIGKILL)
            child.wait()
        }
        Thread.sleep(forTimeInterval: 0.3)
        let sampler = ProcessSampler(rootPID: child.pid)
        let first = try #require(sampler.sample(monotonic: RunClock.monotonic()))
        #expect(first.processes == 3)
        #expect(first.threads >= 3)
        #expect(first.rssMB > 0.5)
        #expect(first.openFiles >= 3)
        #expect(first.cpuPercent == nil, "no CPU figure without a previous sample")
        Thread.sleep(forTimeInterval: 0.1)
        let second = try #require(sampler.sample(monotonic: RunClock.monotonic()))
        #expect(second.cpuPercent != nil)
        #expect(ProcessSampler.startTime(of: child.pid) != nil)
        child.signalGroup(SIGKILL)
        child.wait()
        #expect(sampler.sample(monotonic: RunClock.monotonic()) == nil)
    }

    @Test func statFieldsSurviveParenthesesInTheCommandName() {
        let fields = ProcessSampler.statFields(
            "42 (a (weird) name) S 1 42 42 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0 12345 0 0")
        #expect(fields?[0] == "S")
        #expect(fields?[1] == "1")
        #expect(fields?[11] == "7")
        #expect(fields?[19] == "12345")
    }
}
