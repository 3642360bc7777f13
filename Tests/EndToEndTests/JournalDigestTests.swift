import Foundation
import HedgeOpsKit
import Testing

/// results.json records the SHA-256 and line count of the journal; the hash
/// chain alone cannot show a cut, an emptied journal or a changed last line.
/// `status`, `resume` and `verify` check the journal against it.
struct JournalDigestTests {
    /// A copy of the finished run's folder, its journal rewritten by `change`.
    func tampered(_ run: RunTests.Finished, _ name: String, _ change: ([String]) -> [String]) throws -> String {
        let copy = run.workspace.path + "/copies/" + name
        try FileManager.default.createDirectory(
            atPath: run.workspace.path + "/copies", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: run.folder, toPath: copy)
        let text = try String(contentsOfFile: copy + "/journal.jsonl", encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()  // the empty string after the final newline
        let changed = change(lines)
        try (changed.isEmpty ? "" : changed.joined(separator: "\n") + "\n")
            .write(toFile: copy + "/journal.jsonl", atomically: true, encoding: .utf8)
        return copy
    }

    /// The line with its `type` changed to `x`.
    func retyped(_ line: String) -> String {
        guard let start = line.range(of: #""type":""#), let end = line[start.upperBound...].firstIndex(of: "\"")
        else { return line }
        return line.replacingCharacters(in: start.upperBound..<end, with: "x")
    }

    func status(_ folder: String, _ workspace: Workspace) throws -> Binary.Result {
        try Binary.run(["status", folder], environment: RunTests.environment, in: workspace.path)
    }

    @Test func statusExitsOneOnACutEmptiedOrAlteredJournalAndNamesTheLine() throws {
        let run = try RunTests().run("healthy")
        #expect(run.result.exitCode == 0, "\(run.result.all)")
        let lines = try String(contentsOfFile: run.folder + "/journal.jsonl", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let count = lines.count
        #expect(run.results["journal_lines"] as? Int == count)
        let verdictLine = try #require(lines.lastIndex { $0.contains(#""type":"verdict""#) }) + 1

        let intact = try status(run.folder, run.workspace)
        #expect(intact.exitCode == 0, "\(intact.all)")

        let half = count / 2
        let cut = try status(try tampered(run, "cut") { Array($0.prefix(half)) }, run.workspace)
        #expect(cut.exitCode == 1, "\(cut.all)")
        #expect(
            cut.stderr.contains(
                "line \(half + 1): the journal ends after line \(half) but results.json records \(count) lines"),
            "\(cut.all)")

        let emptied = try status(try tampered(run, "empty") { _ in [] }, run.workspace)
        #expect(emptied.exitCode == 1, "\(emptied.all)")
        #expect(emptied.stderr.contains("line 1: the journal is empty but results.json records \(count) lines"))

        let noVerdict = try status(
            try tampered(run, "no-verdict") { lines in
                lines.enumerated().filter { $0.offset + 1 != verdictLine }.map(\.element)
            },
            run.workspace)
        #expect(noVerdict.exitCode == 1, "\(noVerdict.all)")
        #expect(noVerdict.stderr.contains("line \(verdictLine)"), "\(noVerdict.all)")

        let lastRetyped = try status(
            try tampered(run, "last-retyped") { lines in
                lines.dropLast() + [retyped(lines[count - 1])]
            }, run.workspace)
        #expect(lastRetyped.exitCode == 1, "\(lastRetyped.all)")
        #expect(lastRetyped.stderr.contains("line \(count) (type 'x') differs"), "\(lastRetyped.all)")

        let middleRetyped = try status(
            try tampered(run, "middle-retyped") { lines in
                var lines = lines
                lines[half - 1] = retyped(lines[half - 1])
                return lines
            }, run.workspace)
        #expect(middleRetyped.exitCode == 1, "\(middleRetyped.all)")
        #expect(middleRetyped.stderr.contains("line \(half) was changed"), "\(middleRetyped.all)")
    }

    @Test func resumeAndVerifyRefuseAJournalCutBackToBeforeItsVerdict() throws {
        let run = try RunTests().run("healthy")
        let lines = try String(contentsOfFile: run.folder + "/journal.jsonl", encoding: .utf8)
            .split(separator: "\n").count
        let cut = try tampered(run, "cut") { Array($0.prefix($0.count - 3)) }
        let resumed = try Binary.run(["resume", cut], environment: RunTests.environment, in: run.workspace.path)
        #expect(resumed.exitCode == 1, "\(resumed.all)")
        #expect(
            resumed.stderr.contains("line \(lines - 2): the journal ends after line \(lines - 3)"), "\(resumed.all)")
        #expect(resumed.stderr.contains("does not match results.json"), "\(resumed.all)")

        let verified = try Binary.run(["verify", cut], environment: RunTests.environment, in: run.workspace.path)
        #expect(verified.exitCode == 1)
        #expect(
            verified.stdout.contains("BAD journal.jsonl: line \(lines - 2): the journal ends after line"),
            "\(verified.all)")
        let intact = try Binary.run(["verify", run.folder], environment: RunTests.environment, in: run.workspace.path)
        #expect(intact.stdout.contains("OK  results.json: journal_sha256 matches journal.jsonl"), "\(intact.all)")
        let file = try Binary.run(
            ["verify", cut + "/results.json"], environment: RunTests.environment, in: run.workspace.path)
        #expect(file.stdout.contains("BAD journal.jsonl: line \(lines - 2)"), "\(file.all)")
    }
}
