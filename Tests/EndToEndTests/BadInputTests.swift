import Foundation
import HedgeOpsKit
import Testing

/// Hostile or broken files and values given to the real binary: each gets a
/// clear error naming what is wrong, an exit code of 1 or 2, never a crash
/// (a signal) and never a hang.
struct BadInputTests {
    /// Runs hedgeops and checks the outcome is an answer, not a crash or a hang.
    @discardableResult
    func answered(_ arguments: [String], in directory: String, environment: [String: String] = Binary.baseEnvironment)
        throws -> Binary.Result
    {
        let started = Date()
        let result = try Binary.run(arguments, environment: environment, in: directory)
        #expect(Date().timeIntervalSince(started) < 10, "\(arguments) took \(Date().timeIntervalSince(started)) s")
        #expect((1...2).contains(result.exitCode), "\(arguments): exit \(result.exitCode): \(result.all)")
        #expect(!result.all.contains("Fatal error") && !result.all.contains("Stack dump"), "\(result.all)")
        return result
    }

    @Test(.enabled(if: SignOffTests.hasSSHKeygen)) func garbageTruncatedAndForeignSignaturesAreNamed() throws {
        let (_, folder) = try #require(SignOffTests.passRun)
        let workspace = try Workspace()
        let keygen = try Binary.run(["keygen", "--out", "op", "--comment", "op@example.com"], in: workspace.path)
        try workspace.write("allowed_signers", keygen.stdout)
        try FileManager.default.copyItem(atPath: folder + "/results.json", toPath: workspace.path + "/results.json")
        let sign = try Binary.run(["sign", "results.json", "--key", "op"], in: workspace.path)
        #expect(sign.exitCode == 0, "\(sign.all)")
        let good = try #require(FileManager.default.contents(atPath: workspace.path + "/results.json.sig"))
        // A signature by the same key over the same bytes in another namespace (ssh-keygen's own).
        let foreign = try SignOffTests().sh(
            "ssh-keygen -Y sign -f op -n file < results.json 2>/dev/null",
            in: workspace.path)
        var random = ReproducibleRandom(randomStart: 3)
        let garbage = Data((0..<700).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        let cases: [(String, Data)] = [
            ("empty", Data()),
            ("random bytes", garbage),
            ("cut in half", good.prefix(good.count / 2)),
            ("armour without its body", Data("-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n".utf8)),
            ("base64 of nothing", Data("-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----\n".utf8)),
            ("another namespace", Data(foreign.output.utf8)),
        ]
        for (name, bytes) in cases {
            try bytes.write(to: URL(fileURLWithPath: workspace.path + "/results.json.sig"))
            let result = try answered(
                ["verify", "results.json", "--allowed-signers", "allowed_signers"], in: workspace.path)
            #expect(result.exitCode == 1, "\(name): \(result.all)")
            #expect(result.all.contains("results.json.sig"), "\(name): the signature file is not named: \(result.all)")
        }
    }

    @Test(.enabled(if: SignOffTests.hasSSHKeygen)) func garbageAndTruncatedBundlesAreNamed() throws {
        let (_, folder) = try #require(SignOffTests.passRun)
        let workspace = try Workspace()
        let keygen = try Binary.run(["keygen", "--out", "op", "--comment", "op@example.com"], in: workspace.path)
        try workspace.write("allowed_signers", keygen.stdout)
        let export = try Binary.run(["export", folder, "--key", "op", "--out", "good.tar.gz"], in: workspace.path)
        #expect(export.exitCode == 0, "\(export.all)")
        let good = try #require(FileManager.default.contents(atPath: workspace.path + "/good.tar.gz"))
        var random = ReproducibleRandom(randomStart: 5)
        var flipped = good
        for _ in 0..<8 {
            let at = Int(random.next() % UInt64(flipped.count))
            flipped[at] ^= 0xFF
        }
        let cases: [(String, Data)] = [
            ("empty", Data()),
            ("random bytes", Data((0..<4096).map { _ in UInt8(truncatingIfNeeded: random.next()) })),
            ("cut at a third", good.prefix(good.count / 3)),
            ("cut before its end", good.prefix(good.count - 10)),
            ("eight bytes flipped", flipped),
            ("a gzip of plain text", try gzip("not a tar archive\n", in: workspace.path)),
        ]
        for (name, bytes) in cases {
            try bytes.write(to: URL(fileURLWithPath: workspace.path + "/bad.tar.gz"))
            let result = try answered(
                ["verify", "bad.tar.gz", "--allowed-signers", "allowed_signers"], in: workspace.path)
            #expect(result.exitCode == 1 || result.exitCode == 2, "\(name): \(result.all)")
            #expect(result.stderr.contains("bad.tar.gz") || result.stderr.contains("FAILED"), "\(name): \(result.all)")
        }
    }

    func gzip(_ text: String, in directory: String) throws -> Data {
        let path = directory + "/plain.txt"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        _ = try SignOffTests().sh("gzip -f plain.txt", in: directory)
        return try #require(FileManager.default.contents(atPath: path + ".gz"))
    }

    @Test func aJournalDamagedAtRandomBytesIsNamedByStatusAndResume() throws {
        let (runWorkspace, folder) = try #require(SignOffTests.passRun)
        _ = runWorkspace
        let original = try #require(FileManager.default.contents(atPath: folder + "/journal.jsonl"))
        let workspace = try Workspace()
        var random = ReproducibleRandom(randomStart: 9)
        let lineStarts = [0] + original.indices.filter { original[$0] == UInt8(ascii: "\n") }.map { $0 + 1 }
        for round in 0..<6 {
            try workspace.mkdir("data/runs")
            let copy = workspace.path + "/data/runs/damaged-\(round)"
            try FileManager.default.copyItem(atPath: folder, toPath: copy)
            var damaged = original
            // Not the last line: a change there is caught by results.json's digest, with another message.
            let at = Int(random.next() % UInt64(lineStarts[lineStarts.count - 2]))
            damaged[at] = damaged[at] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
            try damaged.write(to: URL(fileURLWithPath: copy + "/journal.jsonl"))
            let line = (lineStarts.lastIndex { $0 <= at } ?? 0) + 1
            let status = try Binary.run(["status", copy, "--json"], in: workspace.path)
            #expect(
                status.stdout.contains("line \(line)") || status.stdout.contains("line \(line + 1)"),
                "round \(round): byte \(at) (line \(line)): \(status.all)")
            let resume = try answered(["resume", copy, "--checklist", RunTests.demoChecklist], in: workspace.path)
            #expect(
                resume.stderr.contains("line \(line)") || resume.stderr.contains("line \(line + 1)")
                    || resume.stderr.contains("finished"),
                "round \(round): \(resume.all)")
        }
    }

    @Test func environmentValuesWithNewlinesAreRefusedByName() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        var env = RunTests.environment
        env["BITUNIX_API_KEY"] = "demo-key-0001\nX-Injected: 1"
        let result = try answered(
            ["verify-env", "--checklist", RunTests.demoChecklist, "--offline"], in: workspace.path, environment: env)
        #expect(result.exitCode == 1, "\(result.all)")
        #expect(result.all.contains("BITUNIX_API_KEY"), "\(result.all)")
        #expect(!result.all.contains("X-Injected"), "the value is never shown: \(result.all)")
    }
}
