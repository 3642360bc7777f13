import Foundation
import HedgeOpsKit
import Testing

/// The supervisor SIGKILLed again and again, at seeded moments of a
/// compressed run (mid-sample, mid-checkpoint, right after an operator's
/// answer was acknowledged), and `hedgeops resume` each time: the verdict is
/// reached, every checkpoint is recorded or marked missed with a reason,
/// the journal chain is whole, and no acknowledged answer is missing.
struct SupervisorCrashTests {
    /// The pid of the process now supervising the run in `folder`, once it has said so.
    static func supervisor(of folder: String, not previous: Int32, timeout: Double = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let journal = try? RawJournal(path: folder + "/journal.jsonl"),
                let last = journal.events.last(where: {
                    ["resume", "supervisor", "session"].contains($0["type"] as? String)
                }),
                let pid = (last["hedgeops_pid"] as? Int).flatMap(Int32.init(exactly:)), pid != previous,
                ControlClient.connect(folder: folder) != nil
            {
                return pid
            }
            usleep(20_000)
        }
        return nil
    }

    static func waitForDeath(_ pid: Int32, timeout: Double = 5) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            // Gone, or a zombie waiting for its parent.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            if stat.split(separator: ")").last?.split(separator: " ").first == "Z" { return true }
            usleep(10_000)
        }
        return false
    }

    @Test func tenSigkillsAtSeededMomentsLoseNothingAndResumeReachesTheVerdict() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        // Eight hours in 24 s.
        let run = try ChildProcess.spawn(
            [Binary.path, "run", "--checklist", RunTests.demoChecklist, "--time-scale", "1200", "--yes"],
            environment: RunTests.environment, workingDirectory: workspace.path,
            stdoutPath: workspace.path + "/run.out", stderrPath: workspace.path + "/run.err")
        var clients: [ChildProcess] = [run]
        defer {
            for client in clients { client.signalGroup(SIGKILL) }
        }
        var folder: String?
        for _ in 0..<200 where folder == nil {
            usleep(25_000)
            folder = try? RunTests.runFolder(workspace)
        }
        let runFolder = try #require(folder)
        var random = ReproducibleRandom(randomStart: 20_261_129)
        var acknowledged: [String] = []
        var supervisor: Int32 = 0
        for round in 0..<10 {
            let next = try #require(
                Self.supervisor(of: runFolder, not: supervisor), "round \(round): no supervisor took the run")
            supervisor = next
            // A seeded moment: samples, checkpoints and journal writes go on meanwhile.
            usleep(UInt32(150_000 + random.next() % 1_400_000))
            if round % 2 == 0, let client = ControlClient.connect(folder: runFolder),
                case .ok = client.send(.note("answer before kill \(round)"))
            {
                acknowledged.append("answer before kill \(round)")
            }
            kill(supervisor, SIGKILL)
            #expect(Self.waitForDeath(supervisor), "round \(round): the supervisor \(supervisor) did not die")
            // The executor goes on alone until someone resumes it.
            let resume = try ChildProcess.spawn(
                [Binary.path, "resume"], environment: RunTests.environment, workingDirectory: workspace.path,
                stdoutPath: workspace.path + "/resume-\(round).out", stderrPath: workspace.path + "/resume-\(round).err"
            )
            clients.append(resume)
        }
        let last = try #require(clients.last)
        let ended = last.wait(timeout: 90)
        let output = (try? String(contentsOfFile: workspace.path + "/resume-9.out", encoding: .utf8)) ?? ""
        #expect(ended != nil, "the last resume did not reach the verdict: \(output)")
        #expect(output.contains("VERDICT:"), "\(output)")

        let journal = try RawJournal(path: runFolder + "/journal.jsonl")
        #expect(journal.isValid, "\(String(describing: journal.problem))")
        #expect(journal.tornTail == nil)
        let types = journal.events.compactMap { $0["type"] as? String }
        #expect(types.filter { $0 == "resume" }.count == 10)
        #expect(types.last == "verdict")
        let notes = Set(journal.events.compactMap { $0["type"] as? String == "note" ? $0["text"] as? String : nil })
        for answer in acknowledged {
            #expect(notes.contains(answer), "'\(answer)' was acknowledged, then lost")
        }
        let results = try RunResults(path: runFolder + "/results.json")
        #expect(results.verdict == "PASS" || results.verdict == "FAIL")
        #expect(results.checkpoints.map(\.hour) == [0, 1, 2, 4, 6, 8])
        for checkpoint in results.checkpoints {
            // Recorded with a value, or missed with the reason.
            #expect(
                (!checkpoint.missed && checkpoint.rssMB != nil)
                    || (checkpoint.missed && checkpoint.note?.isEmpty == false),
                "\(checkpoint)")
        }
        let aside =
            (try? FileManager.default.contentsOfDirectory(atPath: runFolder))?.filter {
                $0.hasPrefix("journal.torn-line-")
            }.count ?? 0
        print(
            "10 SIGKILLs of the supervisor: verdict \(results.verdict), \(acknowledged.count) acknowledged answers kept, "
                + "\(results.checkpoints.filter(\.missed).count) checkpoints missed with a reason, \(aside) torn lines set aside"
        )
        // The journal's digest in results.json is the journal's.
        #expect(JournalDigest(results: results)?.problem(journalPath: runFolder + "/journal.jsonl") == nil)
    }
}
