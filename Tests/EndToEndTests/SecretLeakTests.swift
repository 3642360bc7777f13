import Foundation
import HedgeOpsKit
import Testing

/// A secret's value, in any form, never reaches the screen, the journal,
/// the history file or a bundle; export and verify leave nothing behind in
/// $TMPDIR; a gzip bomb is refused; fingerprints are keyed per install.
@Suite(.serialized)
struct SecretLeakTests {
    /// The value of BITUNIX_API_SECRET in `RunTests.environment`.
    static let secret = "demo-secret-never-shown-0001"

    /// Forms of the secret computed here, independently of the product's redactor.
    static let forms: [(name: String, text: String)] = forms(of: secret)

    /// Forms of `secret`: plain, in part, percent-encoded, base64 and hex.
    static func forms(of secret: String) -> [(name: String, text: String)] {
        let bytes = Array(secret.utf8)
        let base64 = Data(bytes).base64EncodedString()
        return [
            ("plain", secret),
            ("first 14 characters", String(secret.prefix(14))),
            ("last 14 characters", String(secret.suffix(14))),
            ("percent-encoded", bytes.map { String(format: "%%%02X", $0) }.joined()),
            ("percent-encoded, lower case", bytes.map { String(format: "%%%02x", $0) }.joined()),
            ("base64", base64),
            (
                "base64, URL-safe",
                base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            ),
            ("hex", bytes.map { String(format: "%02x", $0) }.joined()),
        ]
    }

    /// The forms of the secret that `text` holds (empty: none).
    static func leaks(in text: String, of forms: [(name: String, text: String)] = forms) -> [String] {
        forms.filter { text.contains($0.text) }.map(\.name)
    }

    /// Every file under `directory` that holds a form of the secret, with the forms.
    static func leaks(under directory: String, of forms: [(name: String, text: String)] = forms) -> [String] {
        let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
        return files.compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { return nil }
            let found = leaks(in: String(decoding: data, as: UTF8.self), of: forms)
            return found.isEmpty ? nil : "\(name): \(found)"
        }
    }

    /// What hedgeops left in a private $TMPDIR.
    static func leftovers(_ workspace: Workspace) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: workspace.path + "/tmp")) ?? []).sorted()
    }

    static func environment(_ workspace: Workspace) throws -> [String: String] {
        try workspace.mkdir("tmp")
        var env = try RunTests.sessionEnvironment(workspace)
        env["TMPDIR"] = workspace.path + "/tmp"
        return env
    }

    /// The secret typed at the parameters prompt (in `set` and alone), during
    /// the run and after the verdict, plain, URL-encoded, base64, hex and in
    /// part: the screen (with scrollback), the journal, the history file and
    /// the exported bundle hold no form of it; `set` refuses it.
    @Test(.enabled(if: Tmux.available && SignOffTests.hasSSHKeygen))
    func aSecretTypedInTheSessionReachesNoScreenJournalHistoryOrBundle() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let env = try Self.environment(workspace)
        let keygen = try Binary.run(["keygen", "--out", "op_ed25519"], in: workspace.path)
        try workspace.write("allowed_signers", keygen.stdout)
        let form = Dictionary(uniqueKeysWithValues: Self.forms.map { ($0.name, $0.text) })
        // A history file from before, with the secret in it: it is scrubbed when the session starts.
        try workspace.write(
            "state/hedgeops/history", "_HiStOrY_V2_\nshow\nnote\\040\(form["base64"] ?? "")\n")
        let tmux = try Tmux(
            [Binary.path, "session", "--checklist", RunTests.demoChecklist, "--time-scale", "1440"],
            environment: env, in: workspace.path)
        try SessionTerminalTests.walk(tmux)

        try tmux.line("set symbol \(Self.secret)")
        #expect(tmux.waitFor("a secret is never a run parameter"), "\(tmux.screen())")
        try tmux.line("set symbol \(form["base64"] ?? "")")
        #expect(tmux.waitFor("error: refused: symbol", timeout: 5))
        try tmux.line(Self.secret)
        #expect(tmux.waitFor("unknown: [redacted BITUNIX_API_SECRET]"), "\(tmux.screen())")
        try tmux.line("sig=\(form["percent-encoded"] ?? "")")
        #expect(tmux.waitFor("unknown: sig=[redacted BITUNIX_API_SECRET]"), "\(tmux.screen())")
        try SessionTerminalTests.launch(tmux)

        #expect(tmux.waitFor("elapsed 0"), "\(tmux.screen())")
        // Typed ahead while the session is busy (pre-flight again): never echoed by the terminal.
        try tmux.line("recheck")
        try tmux.line(Self.secret)
        #expect(tmux.waitFor("unknown command '[redacted BITUNIX_API_SECRET]'"), "\(tmux.screen())")
        try tmux.line("note rotated key \(form["hex"] ?? "")")
        #expect(tmux.waitFor("noted"), "\(tmux.screen())")
        try tmux.line("note pasted \(form["first 14 characters"] ?? "") by mistake")
        try tmux.line(form["base64, URL-safe"] ?? "")

        #expect(tmux.waitFor("hedgeops [done · PASS]>", timeout: 90), "\(tmux.screen())")
        try tmux.line(Self.secret)
        #expect(tmux.waitFor("unknown command '[redacted BITUNIX_API_SECRET]'"), "\(tmux.screen())")
        try tmux.line("export op_ed25519 signoff.tar.gz")
        #expect(tmux.waitFor("signed bundle: signoff.tar.gz"), "\(tmux.screen())")
        try tmux.line("quit")
        #expect(tmux.waitForExit() == 0)

        let screen = tmux.screen(history: true)
        #expect(Self.leaks(in: screen).isEmpty, "on screen: \(Self.leaks(in: screen))\n\(screen)")
        #expect(screen.contains("[redacted BITUNIX_API_SECRET]"))

        let folder = try #require(try RunTests.runFolder(workspace))
        let journal = try String(contentsOfFile: folder + "/journal.jsonl", encoding: .utf8)
        #expect(Self.leaks(in: journal).isEmpty, "in the journal: \(Self.leaks(in: journal))")
        let events = try RawJournal(path: folder + "/journal.jsonl").events
        #expect(!events.contains { $0["type"] as? String == "parameter_set" }, "a refused value is not recorded")
        let notes = events.filter { $0["type"] as? String == "note" }.compactMap { $0["text"] as? String }
        #expect(notes.contains("rotated key [redacted BITUNIX_API_SECRET]"), "\(notes)")

        let history = try String(contentsOfFile: workspace.path + "/state/hedgeops/history", encoding: .utf8)
        #expect(history.contains("launch"))
        #expect(Self.leaks(in: history).isEmpty, "in the history file: \(Self.leaks(in: history))")
        let historyMode =
            try FileManager.default.attributesOfItem(atPath: workspace.path + "/state/hedgeops/history")[
                .posixPermissions] as? Int
        #expect(historyMode == 0o600)

        try workspace.mkdir("unpacked")
        let unpack = try ChildProcess.spawn(
            ["tar", "-xzf", "signoff.tar.gz", "-C", "unpacked"], environment: Binary.baseEnvironment,
            workingDirectory: workspace.path)
        #expect(unpack.wait() == .exited(0))
        #expect(Self.leaks(under: workspace.path + "/unpacked").isEmpty)
        #expect(Self.leftovers(workspace).isEmpty, "left in $TMPDIR: \(Self.leftovers(workspace))")
    }

    /// `--set` with a secret's value is refused before anything is shown,
    /// checked or recorded, by verify-env and by run.
    @Test func aParameterHoldingASecretIsRefusedAndNeverPrinted() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        for arguments in [
            ["verify-env", "--offline", "--set", "symbol=\(Self.secret)"],
            ["verify-env", "--json", "--set", "symbol=x\(Self.secret.prefix(14))"],
            [
                "run", "--yes", "--time-scale", "3600", "--set",
                "symbol=\(Data(Self.secret.utf8).base64EncodedString())",
            ],
        ] {
            let result = try Binary.run(
                arguments + ["--checklist", RunTests.demoChecklist], environment: RunTests.environment,
                in: workspace.path)
            #expect(result.exitCode == 2, "\(arguments): \(result.all)")
            #expect(result.stderr.contains("a secret is never a run parameter"), "\(arguments): \(result.all)")
            #expect(Self.leaks(in: result.all).isEmpty, "\(arguments) printed \(Self.leaks(in: result.all))")
        }
        #expect(try RunTests.runFolder(workspace) == nil, "no run was recorded")
    }

    /// export to a .tar.gz and verify of it leave no `hedgeops-*` directory in $TMPDIR.
    @Test(.enabled(if: SignOffTests.hasSSHKeygen))
    func exportAndVerifyLeaveNothingInTheTemporaryDirectory() throws {
        let (_, folder) = try #require(SignOffTests.passRun)
        let workspace = try Workspace()
        var env = try Self.environment(workspace)
        env["TERM"] = nil
        let keygen = try Binary.run(["keygen", "--out", "op"], in: workspace.path)
        try workspace.write("allowed_signers", keygen.stdout)
        let export = try Binary.run(
            ["export", folder, "--key", "op", "--out", "x.tar.gz"], environment: env, in: workspace.path)
        #expect(export.exitCode == 0, "\(export.all)")
        #expect(Self.leftovers(workspace).isEmpty, "export left \(Self.leftovers(workspace))")
        let verify = try Binary.run(
            ["verify", "x.tar.gz", "--allowed-signers", "allowed_signers"], environment: env, in: workspace.path)
        #expect(verify.exitCode == 0, "\(verify.all)")
        #expect(verify.stdout.contains("verified"))
        #expect(Self.leftovers(workspace).isEmpty, "verify left \(Self.leftovers(workspace))")
        // A tampered archive fails to verify and leaves nothing either.
        try workspace.write("bad.tar.gz", "not a gzip stream\n")
        let bad = try Binary.run(["verify", "bad.tar.gz"], environment: env, in: workspace.path)
        #expect(bad.exitCode == 1)
        #expect(Self.leftovers(workspace).isEmpty, "a failed verify left \(Self.leftovers(workspace))")
    }

    /// A 300 MB file compressed to a few hundred kB is refused before
    /// anything is extracted, with a clear error.
    @Test func aGzipBombIsRefusedAndLeavesNothingBehind() throws {
        let workspace = try Workspace()
        let env = try Self.environment(workspace)
        // A sparse file: 300 MB of zeros that take no disk, stored in full by tar.
        let make = try ChildProcess.spawn(
            [
                "/bin/sh", "-c",
                "mkdir bomb && truncate -s 300M bomb/journal.jsonl && tar -czf bomb.tar.gz bomb && rm -r bomb",
            ],
            environment: Binary.baseEnvironment, workingDirectory: workspace.path)
        #expect(make.wait(timeout: 120) == .exited(0))
        let size = try FileManager.default.attributesOfItem(atPath: workspace.path + "/bomb.tar.gz")[.size] as? Int
        #expect((size ?? 0) < 2_000_000)
        let result = try Binary.run(["verify", "bomb.tar.gz"], environment: env, in: workspace.path)
        #expect(result.exitCode == 1, "\(result.all)")
        #expect(result.all.contains("unpacks to more than 256 MiB"), "\(result.all)")
        #expect(result.all.contains("nothing was extracted"))
        #expect(Self.leftovers(workspace).isEmpty, "verify left \(Self.leftovers(workspace))")
    }

    /// SIGTERM while verify checks an archive: its temporary directory goes with it.
    @Test func anInterruptedVerifyLeavesNothingBehind() throws {
        let workspace = try Workspace()
        var env = try Self.environment(workspace)
        let make = try ChildProcess.spawn(
            ["/bin/sh", "-c", "mkdir big && echo x > big/samples.csv && tar -czf big.tar.gz big && rm -r big"],
            environment: Binary.baseEnvironment, workingDirectory: workspace.path)
        #expect(make.wait(timeout: 120) == .exited(0))
        // A `tar` first on PATH that stalls, so the signal surely arrives while
        // verify is unpacking (a fast machine finished a real archive first).
        try workspace.mkdir("slow-bin")
        let realTar = ["/usr/bin/tar", "/bin/tar"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "tar"
        try workspace.write("slow-bin/tar", "#!/bin/sh\nsleep 20\nexec \(realTar) \"$@\"\n")
        chmod(workspace.path + "/slow-bin/tar", 0o755)
        env["PATH"] = workspace.path + "/slow-bin:" + (env["PATH"] ?? "/usr/bin:/bin")
        let verify = try ChildProcess.spawn(
            [Binary.path, "verify", "big.tar.gz"], environment: env, workingDirectory: workspace.path,
            stdoutPath: workspace.path + "/verify.out", stderrPath: workspace.path + "/verify.out")
        var started = false
        for _ in 0..<2000 where !started {
            started = Self.leftovers(workspace).contains { $0.hasPrefix("hedgeops-verify-") }
            if !started { usleep(5_000) }
        }
        #expect(started, "verify made its temporary directory in $TMPDIR")
        kill(verify.pid, SIGTERM)
        #expect(
            verify.wait(timeout: 30) == .exited(128 + SIGTERM),
            "\((try? String(contentsOfFile: workspace.path + "/verify.out", encoding: .utf8)) ?? "")")
        #expect(Self.leftovers(workspace).isEmpty, "an interrupted verify left \(Self.leftovers(workspace))")
    }

    /// A run folder whose files hold a secret (here the checklist copy) is
    /// not exported: the error names the file, and no bundle is left.
    @Test(.enabled(if: SignOffTests.hasSSHKeygen))
    func anExportThatWouldHoldASecretIsRefusedNamingTheFile() throws {
        let (_, folder) = try #require(SignOffTests.passRun)
        let workspace = try Workspace()
        let env = try Self.environment(workspace)
        let copy = workspace.path + "/run"
        try FileManager.default.copyItem(atPath: folder, toPath: copy)
        let checklist = try String(contentsOfFile: copy + "/checklist.yaml", encoding: .utf8)
        let encoded = Data(Self.secret.utf8).base64EncodedString()
        try (checklist + "# pasted by mistake: \(encoded)\n").write(
            toFile: copy + "/checklist.yaml", atomically: true, encoding: .utf8)
        let keygen = try Binary.run(["keygen", "--out", "op"], in: workspace.path)
        #expect(keygen.exitCode == 0)
        for out in ["x.tar.gz", "bundle"] {
            let export = try Binary.run(
                ["export", copy, "--key", "op", "--out", out], environment: env, in: workspace.path)
            #expect(export.exitCode == 1, "\(export.all)")
            #expect(export.stderr.contains("checklist.yaml holds the value of BITUNIX_API_SECRET"), "\(export.all)")
            #expect(!workspace.exists(out), "a refused bundle is not left behind")
            #expect(Self.leftovers(workspace).isEmpty, "export left \(Self.leftovers(workspace))")
        }
    }

    /// A webhook payload (its text and its fields) carries no form of a secret.
    @Test func aWebhookPayloadNeverCarriesASecret() throws {
        let receiver = try WebhookReceiver(failFirst: 0)
        let notifier = Notifier(url: "http://127.0.0.1:\(receiver.port)/hook", onFailure: { _, _ in })
        notifier.redactor = SecretRedactor(environment: RunTests.environment)
        let encoded = Data(Self.secret.utf8).base64EncodedString()
        notifier.send(
            event: "crash", runID: "r1", text: "the executor printed \(Self.secret)",
            fields: ["detail": .string("auth=\(encoded)")])
        #expect(notifier.drain(seconds: 10))
        let body = String(decoding: try #require(receiver.bodies.first), as: UTF8.self)
        #expect(Self.leaks(in: body).isEmpty, "\(body)")
        #expect(body.contains("the executor printed [redacted BITUNIX_API_SECRET]"), "\(body)")
        #expect(body.contains("auth=[redacted BITUNIX_API_SECRET]"), "\(body)")
    }

    /// The fingerprint of a secret is keyed per install: two config
    /// directories give two fingerprints for one secret, one directory the
    /// same one twice, and never the plain SHA-256 prefix.
    @Test func theSecretsFingerprintIsKeyedPerInstall() throws {
        let workspace = try Workspace()
        func fingerprint(_ config: String) throws -> String {
            var env = RunTests.environment
            env["HEDGEOPS_CONFIG_DIR"] = workspace.path + "/" + config
            let result = try Binary.run(
                ["verify-env", "--offline", "--json", "--checklist", RunTests.demoChecklist], environment: env,
                in: workspace.path)
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.all)")
            let items = try #require(document["items"] as? [[String: Any]])
            let details = items.compactMap { $0["detail"] as? String }
            let detail = try #require(details.first { $0.contains("BITUNIX_API_SECRET set") }, "\(details)")
            let range = try #require(
                detail.range(of: #"BITUNIX_API_SECRET set, \d+ chars, \w+:[0-9a-f]{8}"#, options: .regularExpression))
            return String(String(detail[range]).split(separator: " ").last ?? "")
        }
        let first = try fingerprint("a")
        #expect(first.hasPrefix("hmac:"), "\(first)")
        #expect(try fingerprint("a") == first, "one install, one fingerprint")
        #expect(try fingerprint("b") != first, "two installs cannot be linked")
        try workspace.write("secret.txt", Self.secret)
        let digest = try #require(Journal.fileSHA256(workspace.path + "/secret.txt"))
        #expect(!first.hasSuffix(String(digest.prefix(8))), "a plain digest would confirm a guessed secret")
        let key = try FileManager.default.attributesOfItem(atPath: workspace.path + "/a/fingerprint.key")
        #expect(key[.posixPermissions] as? Int == 0o600)
    }

    /// The demo makes a throwaway key and secret of its own: read here from
    /// its exchange's environment while it runs, then looked for, in every
    /// form, in the whole workspace (runs, keys, the signed bundle) and in
    /// everything the demo printed. The exchange's command line never holds it.
    @Test func theDemosSecretReachesNoFileOutputOrBundle() throws {
        let workspace = try Workspace()
        let out = workspace.path + "/demo.out"
        let demo = try ChildProcess.spawn(
            [Binary.path, "demo", "--hour-seconds", "1", "--checklist", RunTests.demoChecklist],
            environment: Binary.baseEnvironment, workingDirectory: workspace.path, stdoutPath: out,
            stderrPath: workspace.path + "/demo.err")
        var secret: String?
        var commandLine = ""
        for _ in 0..<300 where secret == nil {
            usleep(50_000)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(name) != nil {
                guard let status = try? String(contentsOfFile: "/proc/\(name)/status", encoding: .utf8),
                    status.contains("PPid:\t\(demo.pid)\n"),
                    let cmdline = FileManager.default.contents(atPath: "/proc/\(name)/cmdline"),
                    String(decoding: cmdline, as: UTF8.self).contains("exchange"),
                    let environ = FileManager.default.contents(atPath: "/proc/\(name)/environ")
                else { continue }
                commandLine = String(decoding: cmdline, as: UTF8.self)
                secret = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                    .first { $0.hasPrefix("BITUNIX_API_SECRET=") }.map {
                        String($0.dropFirst("BITUNIX_API_SECRET=".count))
                    }
            }
        }
        #expect(demo.wait(timeout: 120) == .exited(0))
        let found = try #require(secret, "the demo's exchange was not seen")
        #expect(found.count >= 32)
        let forms = Self.forms(of: found)
        #expect(Self.leaks(in: commandLine, of: forms).isEmpty, "the secret is on the exchange's command line")
        let printed =
            ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
            + ((try? String(contentsOfFile: workspace.path + "/demo.err", encoding: .utf8)) ?? "")
        #expect(printed.contains("VERDICT: PASS"))
        // The files the demo wrote, not its own output files (checked just above).
        let files = Self.leaks(under: workspace.path, of: forms).filter { !$0.hasPrefix("demo.") }
        #expect(files.isEmpty, "\(files)")
        #expect(Self.leaks(in: printed, of: forms).isEmpty)
    }
}
