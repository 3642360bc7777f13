import Foundation
import HedgeOpsKit
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Keys, signatures and the export bundle, checked with the real ssh-keygen.
struct SignOffTests {
    static let hasSSHKeygen = FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen")

    /// One finished PASS run and one FAIL run, shared by the suite.
    static let passRun: (workspace: Workspace, folder: String)? = finishedRun("healthy")
    static let failRun: (workspace: Workspace, folder: String)? = finishedRun("ws-flaky")

    static func finishedRun(_ scenario: String) -> (Workspace, String)? {
        guard let workspace = try? Workspace(), (try? workspace.mkdir("data/load_test")) != nil,
            let result = try? Binary.run(
                [
                    "run", "--checklist", RunTests.demoChecklist, "--time-scale", "3600", "--yes", "--set",
                    "scenario=\(scenario)",
                ],
                environment: RunTests.environment, in: workspace.path),
            result.exitCode <= 1, let folder = try? RunTests.runFolder(workspace)
        else { return nil }
        return (workspace, folder)
    }

    func sh(_ command: String, in directory: String) throws -> (status: Int32, output: String) {
        let out = directory + "/.sh-\(UUID().uuidString)"
        defer { unlink(out) }
        let process = try ChildProcess.spawn(
            ["/bin/sh", "-c", command], environment: Binary.baseEnvironment, workingDirectory: directory,
            stdoutPath: out,
            stderrPath: out)
        let status: Int32 = if case .exited(let code) = process.wait() { code } else { -1 }
        return (status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    @Test(.enabled(if: hasSSHKeygen)) func hedgeopsSignaturesVerifyWithSSHKeygenAndBack() throws {
        let workspace = try Workspace()
        let keygen = try Binary.run(["keygen", "--out", "op", "--comment", "op@example.com"], in: workspace.path)
        #expect(keygen.exitCode == 0)
        try workspace.write("allowed_signers", keygen.stdout)
        let mode = try FileManager.default.attributesOfItem(atPath: workspace.path + "/op")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        try workspace.write("results.json", #"{"verdict":"PASS"}"# + "\n")
        #expect(try Binary.run(["sign", "results.json", "--key", "op"], in: workspace.path).exitCode == 0)
        let check = try sh(
            "ssh-keygen -Y verify -f allowed_signers -I op@example.com -n hedgeops -s results.json.sig < results.json",
            in: workspace.path)
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains("Good \"hedgeops\" signature for op@example.com"))
        let ours = try Binary.run(
            ["verify", "results.json", "--allowed-signers", "allowed_signers"], in: workspace.path)
        #expect(ours.exitCode == 0)
        #expect(ours.stdout.contains("good operator signature by op@example.com"))

        // A key made by ssh-keygen signs with hedgeops; ssh-keygen's signatures verify with hedgeops.
        _ = try sh("ssh-keygen -q -t ed25519 -N '' -C rev@example.com -f rev", in: workspace.path)
        #expect(
            try Binary.run(["sign", "results.json", "--key", "rev", "--role", "reviewer"], in: workspace.path).exitCode
                == 0)
        _ = try sh(
            #"echo "rev@example.com namespaces=\"hedgeops\" $(cut -d' ' -f1,2 rev.pub)" >> allowed_signers"#,
            in: workspace.path)
        let reviewer = try sh(
            "ssh-keygen -Y verify -f allowed_signers -I rev@example.com -n hedgeops -s results.json.reviewer.sig < results.json",
            in: workspace.path)
        #expect(reviewer.status == 0, "\(reviewer.output)")
        try workspace.write("other.json", "{}\n")
        _ = try sh("ssh-keygen -Y sign -n hedgeops -f rev other.json", in: workspace.path)
        let theirs = try Binary.run(
            ["verify", "other.json", "--allowed-signers", "allowed_signers"], in: workspace.path)
        #expect(theirs.exitCode == 0, "\(theirs.all)")
        #expect(theirs.stdout.contains("good operator signature by rev@example.com"))

        // One changed byte: both tools refuse.
        try workspace.write("results.json", #"{"verdict":"FAIL"}"# + "\n")
        #expect(
            try Binary.run(["verify", "results.json", "--allowed-signers", "allowed_signers"], in: workspace.path)
                .exitCode == 1)
        let tampered = try sh(
            "ssh-keygen -Y verify -f allowed_signers -I op@example.com -n hedgeops -s results.json.sig < results.json",
            in: workspace.path)
        #expect(tampered.status != 0)
    }

    @Test(.enabled(if: hasSSHKeygen)) func anEncryptedKeyGetsAClearError() throws {
        let workspace = try Workspace()
        _ = try sh("ssh-keygen -q -t ed25519 -N secretpass -f enc", in: workspace.path)
        try workspace.write("f.txt", "x\n")
        let result = try Binary.run(["sign", "f.txt", "--key", "enc"], in: workspace.path)
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("is encrypted") && result.stderr.contains("ssh-keygen -Y sign"))
        #expect(!result.all.contains("secretpass"))
    }

    @Test(.enabled(if: hasSSHKeygen)) func aFlippedByteInAnyBundleFileIsNamed() throws {
        let (_, folder) = try #require(Self.passRun)
        let workspace = try Workspace()
        let keygen = try Binary.run(["keygen", "--out", "op", "--comment", "op@example.com"], in: workspace.path)
        try workspace.write("allowed_signers", keygen.stdout)
        let export = try Binary.run(["export", folder, "--key", "op", "--out", "bundle"], in: workspace.path)
        #expect(export.exitCode == 0, "\(export.all)")
        let bundle = workspace.path + "/bundle"
        let good = try Binary.run(["verify", "bundle", "--allowed-signers", "allowed_signers"], in: workspace.path)
        #expect(good.exitCode == 0, "\(good.all)")
        #expect(try sh("sha256sum -c MANIFEST", in: bundle).status == 0)
        let manifestCheck = try sh(
            "ssh-keygen -Y verify -f ../allowed_signers -I op@example.com -n hedgeops -s MANIFEST.sig < MANIFEST",
            in: bundle)
        #expect(manifestCheck.status == 0, "\(manifestCheck.output)")
        let files = try FileManager.default.contentsOfDirectory(atPath: bundle).filter { !$0.hasSuffix(".sig") }
            .sorted()
        #expect(
            Set(files).isSuperset(of: [
                "results.json", "report.md", "memory.svg", "samples.csv", "journal.jsonl", "MANIFEST",
                "executor-log-excerpt.txt",
            ]))
        for name in files {
            let path = bundle + "/" + name
            var bytes = try #require(FileManager.default.contents(atPath: path))
            let index = bytes.count / 2
            bytes[index] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: path))
            let result = try Binary.run(
                ["verify", "bundle", "--allowed-signers", "allowed_signers"], in: workspace.path)
            #expect(result.exitCode == 1, "\(name) flipped went unnoticed")
            #expect(result.stderr.contains("FAILED: \(name)"), "\(name): \(result.stderr)")
            if name != "MANIFEST" {
                let sums = try sh("sha256sum -c MANIFEST", in: bundle)
                #expect(sums.status != 0 && sums.output.contains("\(name): FAILED"))
            }
            bytes[index] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: path))
        }
        #expect(
            try Binary.run(["verify", "bundle", "--allowed-signers", "allowed_signers"], in: workspace.path).exitCode
                == 0)
    }

    @Test func aFailRunSaysFailInEveryPassFailBlankAndTheChartHoldsEverySample() throws {
        let (_, folder) = try #require(Self.failRun)
        let report = try Binary.run(["report", folder, "--format", "md"])
        #expect(report.exitCode == 0)
        #expect(report.stdout.contains("**Pass/Fail**: FAIL"))
        #expect(report.stdout.contains("WS Stability: FAIL"))
        #expect(report.stdout.contains("Overall: FAIL"))
        #expect(report.stdout.contains("| **FAIL** | WS Stability"))
        #expect(report.stdout.contains("## Failure Analysis"))
        #expect(report.stdout.contains("| Memory Hour 8 |"))
        let svg = try Binary.run(["report", folder, "--format", "svg"])
        let document = try XMLDocument(data: Data(svg.stdout.utf8))
        let points = try document.nodes(
            forXPath: "//*[local-name()='g'][@id='samples']/*[local-name()='polyline']/@points"
        )
        .flatMap { ($0.stringValue ?? "").split(separator: " ") }
        let samples =
            try String(contentsOfFile: folder + "/samples.csv", encoding: .utf8).split(separator: "\n").count - 1
        #expect(points.count == samples)
        #expect(try document.nodes(forXPath: "//*[local-name()='line'][@id='threshold']").count == 1)
        #expect(try document.nodes(forXPath: "//*[local-name()='circle'][@class='checkpoint']").count == 6)
    }

    @Test func theBundleIsUploadedWithRetries() throws {
        let (_, folder) = try #require(Self.passRun)
        let receiver = try WebhookReceiver(failFirst: 1)
        let workspace = try Workspace()
        let keygen = try Binary.run(["keygen", "--out", "op"], in: workspace.path)
        #expect(keygen.exitCode == 0)
        let result = try Binary.run(
            [
                "export", folder, "--key", "op", "--out", "signoff.tar.gz", "--upload",
                "http://127.0.0.1:\(receiver.port)/upload",
            ],
            in: workspace.path)
        #expect(result.exitCode == 0, "\(result.all)")
        #expect(result.stdout.contains("uploaded: HTTP 200 after 2 attempts"))
        let archive = try #require(FileManager.default.contents(atPath: workspace.path + "/signoff.tar.gz"))
        #expect(receiver.bodies.first == archive)
        let verified = try Binary.run(["verify", "signoff.tar.gz", "--allow-any-signer"], in: workspace.path)
        #expect(verified.exitCode == 0, "\(verified.all)")
    }
}
