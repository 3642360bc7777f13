import Foundation
import HedgeOpsKit
import Testing

/// What the reviewer reads never overstates: a rehearsal says so, automatic
/// answers are not an operator's, a mock API is named as a mock, a parameter
/// set after the pre-flight is checked again, and the record is private.
struct ReportTruthTests {
    struct Reported: Sendable {
        var folder: String
        var stdout: String
        var report: String
        var resultsText: String
        var results: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(resultsText.utf8))) as? [String: Any] ?? [:]
        }
    }

    /// Lives as long as the test process: the run below is read by several tests.
    static let workspace = try? Workspace()

    /// A compressed `run --yes` on the demo checklist, reported.
    static let rehearsal: Reported? = {
        guard let workspace, (try? workspace.mkdir("data/load_test")) != nil,
            let run = try? Binary.run(
                ["run", "--checklist", RunTests.demoChecklist, "--time-scale", "3600", "--yes"],
                environment: RunTests.environment, in: workspace.path),
            let folder = try? RunTests.runFolder(workspace),
            (try? Binary.run(["report", folder], in: workspace.path))?.exitCode == 0,
            let report = try? String(contentsOfFile: folder + "/report.md", encoding: .utf8),
            let results = try? String(contentsOfFile: folder + "/results.json", encoding: .utf8)
        else { return nil }
        return Reported(folder: folder, stdout: run.stdout, report: report, resultsText: results)
    }()

    @Test func aRehearsalSaysSoEverywhereAReviewerLooks() throws {
        let run = try #require(Self.rehearsal)
        #expect(run.results["rehearsal"] as? Bool == true)
        #expect(run.results["rehearsal_label"] as? String == "rehearsal, 8 h in 8 s")
        #expect(
            run.stdout.contains("VERDICT: PASS (rehearsal, 8 h in 8 s)")
                || run.stdout.contains("VERDICT: FAIL (rehearsal, 8 h in 8 s)"))
        let title = try #require(run.report.split(separator: "\n").first)
        #expect(title.hasSuffix("(Rehearsal, 8 h in 8 s)"), "\(title)")
        #expect(run.report.contains("**This was a rehearsal**"))
        let chart = try String(contentsOfFile: run.folder + "/memory.svg", encoding: .utf8)
        #expect(chart.contains("(rehearsal, 8 h in 8 s)</text>"))
        let workspace = try Workspace()
        #expect(try Binary.run(["keygen", "--out", "k"], in: workspace.path).exitCode == 0)
        let export = try Binary.run(["export", run.folder, "--key", "k"], in: workspace.path)
        #expect(export.exitCode == 0, "\(export.all)")
        let bundles = try FileManager.default.contentsOfDirectory(atPath: workspace.path).filter {
            $0.hasSuffix(".tar.gz")
        }
        #expect(bundles.count == 1 && bundles[0].hasSuffix("-rehearsal.tar.gz"), "\(bundles)")
    }

    @Test func automaticAnswersAreNotAnOperatorsAndUnreviewedHoursSayNobodyLooked() throws {
        let run = try #require(Self.rehearsal)
        #expect(run.report.contains("- Automatic, `venv`: yes, by --yes at launch"), "\(run.report)")
        #expect(!run.report.contains("- Operator, "))
        #expect(run.report.contains("- Hourly items: not reviewed by an operator"))
        let events = try RawJournal(path: run.folder + "/journal.jsonl").events
        let answers = events.filter { $0["type"] as? String == "answer" }
        #expect(!answers.isEmpty && answers.allSatisfy { $0["source"] as? String == "--yes at launch" })
    }

    @Test func aMockAPIIsNamedAsAMockInTheTESTNETEvidence() throws {
        let run = try #require(Self.rehearsal)
        #expect(
            run.report.contains("the server is the hedge-sim local TESTNET simulator, not an exchange"), "\(run.report)"
        )
    }

    @Test func theRunFolderIsTheOperatorsAlone() throws {
        let run = try #require(Self.rehearsal)
        func mode(_ path: String) -> Int? {
            (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
        }
        #expect(mode(run.folder) == 0o700)
        #expect(mode(run.folder + "/journal.jsonl") == 0o600)
        #expect(mode(run.folder + "/results.json") == 0o600)
    }

    @Test func aParameterSetAfterThePreflightIsCheckedAgainBeforeTheLaunch() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let script = "y\ny\ny\nset log_level DEBUG\nlaunch\nquit\n"
        let result = try Binary.run(
            ["session", "--checklist", RunTests.demoChecklist, "--time-scale", "3600"],
            environment: RunTests.environment, in: workspace.path, stdin: script)
        #expect(result.stdout.contains("log_level = DEBUG (recorded)"), "\(result.all)")
        #expect(result.stdout.contains("FAIL log-level"), "\(result.all)")
        #expect(result.stdout.contains("not launched: fix the parameters above"), "\(result.all)")
        #expect(!result.stdout.contains("type `launch` to start it"), "no launch on a value the check refused")
        let folder = try #require(try RunTests.runFolder(workspace))
        let events = try RawJournal(path: folder + "/journal.jsonl").events
        let again = events.filter { $0["type"] as? String == "check" && $0["at_launch"] as? Bool == true }
        #expect(again.contains { $0["id"] as? String == "log-level" && $0["status"] as? String == "fail" })
        #expect(!events.contains { $0["type"] as? String == "launch" })
    }
}
