import Foundation
import HedgeOpsKit
import Testing

/// What a reviewer can see before any run: the committed example bundle,
/// checked with ssh-keygen and sha256sum exactly as data/example/README.md
/// says; and a demo that leaves the repository's `git status` clean.
struct ReviewerExampleTests {
    static let example = Binary.repositoryRoot.appendingPathComponent("data/example").path

    /// The ```sh block of data/example/README.md, as a reviewer would paste it.
    static func readmeCommands() throws -> String {
        let text = try String(contentsOfFile: example + "/README.md", encoding: .utf8)
        let start = try #require(text.range(of: "```sh\n"))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        return String(text[start.upperBound..<end.lowerBound])
    }

    func sh(_ script: String, in directory: String) throws -> Binary.Result {
        try Binary.run(["-ec", script], in: directory, executable: "/bin/sh")
    }

    @Test(.enabled(if: SignOffTests.hasSSHKeygen))
    func theExampleBundleChecksWithTheToolsOnEveryMachine() throws {
        let workspace = try Workspace()
        try FileManager.default.copyItem(atPath: Self.example, toPath: workspace.path + "/example")
        let commands = try Self.readmeCommands()
        #expect(commands.contains("ssh-keygen -Y verify") && commands.contains("sha256sum -c MANIFEST"))
        let checked = try sh(commands, in: workspace.path + "/example")
        #expect(checked.exitCode == 0, "\(checked.all)")
        #expect(checked.all.components(separatedBy: "Good \"hedgeops\" signature for demo@hedgeops.local").count == 3)
        let verified = try Binary.run(
            [
                "verify", "hedgeops-example-rehearsal", "--allowed-signers", "allowed_signers", "--identity",
                "demo@hedgeops.local",
            ], in: workspace.path + "/example")
        #expect(verified.exitCode == 0, "\(verified.all)")
        // The same commands refuse a bundle changed after signing.
        let results = workspace.path + "/example/hedgeops-example-rehearsal/results.json"
        let text = try String(contentsOfFile: results, encoding: .utf8)
        try text.replacingOccurrences(of: "\"PASS\"", with: "\"PASS \"").write(
            toFile: results, atomically: true, encoding: .utf8)
        #expect(try sh(commands, in: workspace.path + "/example").exitCode != 0)
    }

    /// `hedgeops demo` in a clone of the repository: its keys, exports,
    /// runs and logs are all ignored.
    @Test func theDemoLeavesGitStatusClean() throws {
        let workspace = try Workspace()
        let root = Binary.repositoryRoot.path
        let clone = workspace.path + "/repo"
        let setup = try sh(
            """
            git clone -q --no-hardlinks '\(root)' repo 2>/dev/null || { mkdir repo && cp -r '\(root)/checklists' '\(root)/data' '\(root)/.gitignore' repo/; }
            cd repo
            git init -q 2>/dev/null; git add -A && git -c user.name=t -c user.email=t@t commit -qm base >/dev/null 2>&1 || true
            """, in: workspace.path)
        #expect(setup.exitCode == 0, "\(setup.all)")
        // The clone has the committed files; what the worktree has not committed yet is copied in.
        for path in [".gitignore", "checklists", "data/example"] {
            _ = try sh("rm -rf '\(clone)/\(path)' && cp -r '\(root)/\(path)' '\(clone)/\(path)'", in: workspace.path)
        }
        _ = try sh("git add -A && git -c user.name=t -c user.email=t@t commit -qm now >/dev/null || true", in: clone)
        #expect(try sh("git status --porcelain", in: clone).stdout.isEmpty)
        var env = Binary.baseEnvironment
        env["PATH"] = URL(fileURLWithPath: Binary.path).deletingLastPathComponent().path + ":" + (env["PATH"] ?? "")
        let demo = try Binary.run(["demo", "--hour-seconds", "0.5"], environment: env, in: clone)
        // PASS or FAIL (a loaded machine may fail the CPU criterion at this speed): both sign and export.
        #expect(
            [0, 1].contains(demo.exitCode) && demo.stdout.contains("bundle    data/exports/"),
            "\(demo.all.suffix(1500))")
        let status = try sh("git status --porcelain --untracked-files=all", in: clone)
        #expect(status.stdout.isEmpty, "the demo left: \(status.stdout)")
    }
}
