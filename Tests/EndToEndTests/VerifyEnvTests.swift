import Foundation
import Testing

/// `hedgeops verify-env`, run as a binary with controlled environments.
@Suite(.serialized)
struct VerifyEnvTests {
    static let secret = "S3CRET-never-print-me-0123456789abcdef"
    static let apiKey = "apikey-visible-only-as-digest-42"

    /// An environment in which every local check passes.
    static func readyEnvironment(venv: String) -> [String: String] {
        var env = Binary.baseEnvironment
        env["BITUNIX_API_KEY"] = apiKey
        env["BITUNIX_API_SECRET"] = secret
        env["BITUNIX_USE_TESTNET"] = "true"
        env["BITUNIX_REST_URL"] = "http://127.0.0.1:18080"
        env["BITUNIX_WS_URL"] = "ws://127.0.0.1:18080/public/"
        env["VIRTUAL_ENV"] = venv
        env["PATH"] = "\(venv)/bin:" + (env["PATH"] ?? "")
        return env
    }

    /// A workspace with a log directory and requirements the fresh venv meets.
    static func readyWorkspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        try workspace.write("requirements.txt", "# the executor's requirements\npip>=20  # present in every venv\n")
        return workspace
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func item(_ id: String, in document: [String: Any]) -> [String: Any]? {
        (document["items"] as? [[String: Any]])?.first { $0["id"] as? String == id }
    }

    @Test func everythingInPlacePassesWithExitZero() throws {
        let venv = try #require(SharedVenv.path)
        let workspace = try Self.readyWorkspace()
        let result = try Binary.run(
            ["verify-env", "--offline", "--checklist", Binary.shippedChecklist],
            environment: Self.readyEnvironment(venv: venv), in: workspace.path)
        #expect(result.exitCode == 0, "\(result.all)")
        #expect(result.stdout.contains("ready: 7 passed, 0 failed"))
        #expect(result.stdout.contains("skipped: --offline"))
    }

    @Test(arguments: ["true"])
    func theFlagsTrueValuesPassTheGate(_ value: String) throws {
        var env = Binary.baseEnvironment
        env["BITUNIX_USE_TESTNET"] = value
        env["BITUNIX_REST_URL"] = "http://127.0.0.1:1"
        env["BITUNIX_WS_URL"] = "ws://127.0.0.1:1"
        let workspace = try Workspace()
        let result = try Binary.run(
            ["verify-env", "--json", "--checklist", Binary.shippedChecklist], environment: env, in: workspace.path)
        let document = try json(result.stdout)
        #expect((document["testnet_gate"] as? [String: Any])?["status"] as? String == "pass")
        #expect(item("testnet-flag", in: document)?["status"] as? String == "pass")
        // Other checks fail here (no venv), so the exit is 1, not 3.
        #expect(result.exitCode == 1)
    }

    @Test(arguments: ["false", "0", "no", "off", "", nil, "1", "yes", "TRUE"] as [String?])
    func anyOtherFlagValueIsRefusedWithExitThree(_ value: String?) throws {
        let venv = try #require(SharedVenv.path)
        let workspace = try Self.readyWorkspace()
        var env = Self.readyEnvironment(venv: venv)
        env["BITUNIX_USE_TESTNET"] = value
        let result = try Binary.run(
            ["verify-env", "--offline", "--checklist", Binary.shippedChecklist], environment: env, in: workspace.path)
        #expect(result.exitCode == 3, "\(result.all)")
        #expect(result.stdout.contains("TESTNET gate: REFUSED"))
        #expect(result.stdout.contains(value == nil ? "BITUNIX_USE_TESTNET is not set" : "is not exactly true"))
    }

    @Test func theLiveHostIsRefusedWithExitThreeEvenWhenEverythingElsePasses() throws {
        let venv = try #require(SharedVenv.path)
        let workspace = try Self.readyWorkspace()
        var env = Self.readyEnvironment(venv: venv)
        env["BITUNIX_REST_URL"] = "https://fapi.bitunix.com"
        let result = try Binary.run(
            ["verify-env", "--offline", "--json", "--checklist", Binary.shippedChecklist], environment: env,
            in: workspace.path)
        #expect(result.exitCode == 3)
        let document = try json(result.stdout)
        let failed = (document["items"] as? [[String: Any]] ?? []).filter { $0["status"] as? String == "fail" }
        #expect(failed.map { $0["id"] as? String } == ["testnet-flag"])
        let detail = try #require(item("testnet-flag", in: document)?["detail"] as? String)
        #expect(detail.contains("fapi.bitunix.com"))
        #expect(detail.contains("LIVE Bitunix exchange"))
        #expect(detail.contains("Bitunix documents no public testnet"))
        #expect(document["exit_code"] as? Int == 3)
    }

    @Test func unsetHostsMeanTheLiveDefaultAndAreRefused() throws {
        var env = Binary.baseEnvironment
        env["BITUNIX_USE_TESTNET"] = "true"
        let workspace = try Workspace()
        let result = try Binary.run(
            ["verify-env", "--checklist", Binary.shippedChecklist], environment: env, in: workspace.path)
        #expect(result.exitCode == 3)
        #expect(result.stdout.contains("BITUNIX_REST_URL not set, the executor's default"))
        // No network check is attempted past a refused gate.
        #expect(result.stdout.contains("not run: the TESTNET gate refused, no connection attempted"))
    }

    @Test func secretValuesNeverAppearInAnyOutput() throws {
        let venv = try #require(SharedVenv.path)
        let workspace = try Self.readyWorkspace()
        var env = Self.readyEnvironment(venv: venv)
        env["BITUNIX_API_SECRET"] = " " + Self.secret  // a warning must not print it either
        for arguments in [
            ["verify-env"], ["verify-env", "--json"], ["verify-env", "--quiet"], ["verify-env", "--fix", "--offline"],
        ] {
            let result = try Binary.run(
                arguments + ["--checklist", Binary.shippedChecklist], environment: env, in: workspace.path)
            #expect(!result.all.contains(Self.secret), "secret leaked by \(arguments)")
            #expect(!result.all.contains(Self.apiKey), "API key leaked by \(arguments)")
            #expect(!result.all.contains(String(Self.secret.prefix(12))), "part of the secret leaked by \(arguments)")
        }
        let result = try Binary.run(
            ["verify-env", "--json", "--checklist", Binary.shippedChecklist], environment: env, in: workspace.path)
        let detail = try #require(item("env-vars", in: try json(result.stdout))?["detail"] as? String)
        #expect(detail.contains("BITUNIX_API_SECRET set, \(Self.secret.count + 1) chars, hmac:"))
        #expect(item("env-vars", in: try json(result.stdout))?["status"] as? String == "warn")
    }

    @Test func aMissingVariableFailsAndNamesIt() throws {
        let venv = try #require(SharedVenv.path)
        let workspace = try Self.readyWorkspace()
        var env = Self.readyEnvironment(venv: venv)
        env["BITUNIX_API_SECRET"] = nil
        let result = try Binary.run(
            ["verify-env", "--offline", "--checklist", Binary.shippedChecklist], environment: env, in: workspace.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("BITUNIX_API_SECRET not set"))
        #expect(result.stdout.contains("fix: export BITUNIX_API_KEY"))
    }

    // MARK: Log directory

    @Test func aMissingLogDirectoryFailsAndFixCreatesIt() throws {
        let venv = try #require(SharedVenv.path)
        let workspace = try Self.readyWorkspace()
        try FileManager.default.removeItem(atPath: workspace.path + "/data/load_test")
        let env = Self.readyEnvironment(venv: venv)
        let before = try Binary.run(
            ["verify-env", "--offline", "--checklist", Binary.shippedChecklist], environment: env, in: workspace.path)
        #expect(before.exitCode == 1)
        #expect(before.stdout.contains("data/load_test does not exist"))
        #expect(!workspace.exists("data/load_test"))
        let fixed = try Binary.run(
            ["verify-env", "--offline", "--fix", "--checklist", Binary.shippedChecklist], environment: env,
            in: workspace.path)
        #expect(fixed.exitCode == 0, "\(fixed.all)")
        #expect(fixed.stdout.contains("data/load_test created, writable"))
        #expect(workspace.exists("data/load_test"))
    }

    @Test func aFileWhereTheLogDirectoryShouldBeFails() throws {
        let venv = try #require(SharedVenv.path)
        let workspace = try Self.readyWorkspace()
        try FileManager.default.removeItem(atPath: workspace.path + "/data/load_test")
        try workspace.write("data/load_test", "not a directory")
        let result = try Binary.run(
            ["verify-env", "--offline", "--fix", "--checklist", Binary.shippedChecklist],
            environment: Self.readyEnvironment(venv: venv), in: workspace.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("data/load_test exists but is not a directory"))
    }

    @Test func aReadOnlyLogDirectoryFails() throws {
        let venv = try #require(SharedVenv.path)
        let workspace = try Self.readyWorkspace()
        let logDir = workspace.path + "/data/load_test"
        if geteuid() == 0 {
            // root writes through mode bits; sysfs refuses even root.
            try FileManager.default.removeItem(atPath: logDir)
            try FileManager.default.createSymbolicLink(atPath: logDir, withDestinationPath: "/sys/kernel")
        } else {
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: logDir)
        }
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: logDir) }
        let result = try Binary.run(
            ["verify-env", "--offline", "--checklist", Binary.shippedChecklist],
            environment: Self.readyEnvironment(venv: venv), in: workspace.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("data/load_test is not writable"))
    }

    // MARK: Virtual environment and requirements

    @Test func noActiveVirtualEnvironmentFails() throws {
        let venv = try #require(SharedVenv.path)
        let workspace = try Self.readyWorkspace()
        var env = Self.readyEnvironment(venv: venv)
        env["VIRTUAL_ENV"] = nil
        let result = try Binary.run(
            ["verify-env", "--offline", "--json", "--checklist", Binary.shippedChecklist], environment: env,
            in: workspace.path)
        #expect(result.exitCode == 1)
        let document = try json(result.stdout)
        #expect(item("venv", in: document)?["status"] as? String == "fail")
        #expect((item("venv", in: document)?["fix"] as? String)?.contains("activate") == true)
    }

    @Test func aVenvThatIsNotFirstOnPathFails() throws {
        let venv = try #require(SharedVenv.path)
        let workspace = try Self.readyWorkspace()
        var env = Self.readyEnvironment(venv: venv)
        env["PATH"] = Binary.baseEnvironment["PATH"]
        let result = try Binary.run(
            ["verify-env", "--offline", "--checklist", Binary.shippedChecklist], environment: env, in: workspace.path)
        #expect(result.stdout.contains("outside \(venv)"))
    }

    @Test func unmetRequirementsAreListed() throws {
        let venv = try #require(SharedVenv.path)
        let workspace = try Self.readyWorkspace()
        try workspace.write(
            "requirements.txt",
            "pip>=20\nhedgeops-no-such-package==1.0\npip<1  # too old\n--index-url https://example.invalid\n")
        let result = try Binary.run(
            ["verify-env", "--offline", "--json", "--checklist", Binary.shippedChecklist],
            environment: Self.readyEnvironment(venv: venv), in: workspace.path)
        #expect(result.exitCode == 1)
        let detail = try #require(item("requirements", in: try json(result.stdout))?["detail"] as? String)
        #expect(detail.contains("2 of 3 not met"))
        #expect(detail.contains("hedgeops-no-such-package==1.0 (not installed)"))
        #expect(detail.contains("pip<1 (installed"))
    }

    @Test func linesWithMarkersAreJudgedByTheVenvsInterpreter() throws {
        let venv = try #require(SharedVenv.path)
        let workspace = try Self.readyWorkspace()
        try workspace.write(
            "requirements.txt",
            "pip>=20 ; python_version >= \"3\"\nhedgeops-windows-only==1 ; sys_platform == \"win32\"\nhedgeops-missing>=1 ; python_version >= \"3\"\n"
        )
        let result = try Binary.run(
            ["verify-env", "--offline", "--json", "--checklist", Binary.shippedChecklist],
            environment: Self.readyEnvironment(venv: venv), in: workspace.path)
        let detail = try #require(item("requirements", in: try json(result.stdout))?["detail"] as? String)
        #expect(detail == "1 of 3 not met: hedgeops-missing>=1 ; python_version >= \"3\" (not installed)")
    }

    @Test func aMissingRequirementsFileIsItsOwnFailure() throws {
        let venv = try #require(SharedVenv.path)
        let workspace = try Self.readyWorkspace()
        try FileManager.default.removeItem(atPath: workspace.path + "/requirements.txt")
        let result = try Binary.run(
            ["verify-env", "--offline", "--checklist", Binary.shippedChecklist],
            environment: Self.readyEnvironment(venv: venv), in: workspace.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("requirements.txt not found"))
    }

    // MARK: Parameters, commands, usage

    @Test func aDebugLogLevelFailsTheInfoItem() throws {
        let venv = try #require(SharedVenv.path)
        let workspace = try Self.readyWorkspace()
        let result = try Binary.run(
            ["verify-env", "--offline", "--set", "log_level=DEBUG", "--checklist", Binary.shippedChecklist],
            environment: Self.readyEnvironment(venv: venv), in: workspace.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("log_level is DEBUG, the checklist requires INFO"))
    }

    @Test func anUnknownOrInvalidParameterIsAUsageError() throws {
        let workspace = try Workspace()
        let unknown = try Binary.run(
            ["verify-env", "--set", "symbl=ETHUSDT", "--checklist", Binary.shippedChecklist], in: workspace.path)
        #expect(unknown.exitCode == 2)
        #expect(unknown.stderr.contains("did you mean 'symbol'?"))
        let invalid = try Binary.run(
            ["verify-env", "--set", "offset=0.5", "--checklist", Binary.shippedChecklist], in: workspace.path)
        #expect(invalid.exitCode == 2)
        #expect(invalid.stderr.contains("must be at most 0.01"))
    }

    @Test func commandItemsAreRunWithATimeout() throws {
        let workspace = try Workspace()
        let minimal = try String(
            contentsOf: Binary.repositoryRoot.appendingPathComponent("Tests/HedgeOpsKitTests/Fixtures/minimal.yaml"),
            encoding: .utf8)
        let withCommands = minimal.replacingOccurrences(
            of: "      - id: keys\n",
            with: """
                      - id: quick
                        kind: command
                        title: A command that succeeds
                        run: [sh, -c, "exit 0"]
                      - id: slow
                        kind: command
                        title: A command that hangs
                        run: [sleep, "30"]
                        timeout: 500ms
                      - id: wrong
                        kind: command
                        title: A command that fails
                        run: [sh, -c, "echo broken >&2; exit 3"]
                      - id: keys

                """)
        try workspace.write("checklist.yaml", withCommands)
        let started = Date()
        let result = try Binary.run(["verify-env", "--json", "--checklist", "checklist.yaml"], in: workspace.path)
        #expect(Date().timeIntervalSince(started) < 10)
        let document = try json(result.stdout)
        #expect(item("quick", in: document)?["status"] as? String == "pass")
        #expect((item("slow", in: document)?["detail"] as? String)?.contains("no answer within 0.5 s") == true)
        #expect((item("wrong", in: document)?["detail"] as? String)?.contains("exit 3, expected 0: broken") == true)
    }

    @Test func theJSONShapeIsStable() throws {
        let workspace = try Workspace()
        let result = try Binary.run(
            ["verify-env", "--json", "--checklist", Binary.shippedChecklist], in: workspace.path)
        let document = try json(result.stdout)
        #expect(
            Set(document.keys) == [
                "schema", "checklist", "ok", "exit_code", "testnet_gate", "items", "summary", "duration_ms",
            ])
        #expect(document["schema"] as? String == "hedgeops.verify-env/1")
        for entry in document["items"] as? [[String: Any]] ?? [] {
            #expect(
                Set(entry.keys).isSuperset(of: ["id", "title", "kind", "required", "status", "detail", "duration_ms"]))
            #expect(["pass", "fail", "warn", "skip"].contains(entry["status"] as? String ?? ""))
            if entry["status"] as? String == "fail" { #expect(entry["fix"] is String) }
        }
    }

    @Test func anInvalidChecklistIsExitTwoWithEveryError() throws {
        let workspace = try Workspace()
        try workspace.write("bad.yaml", "schema: 1\ntitel: x\n")
        let result = try Binary.run(["verify-env", "--checklist", "bad.yaml"], in: workspace.path)
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("bad.yaml:2:1: error: titel: unknown key 'titel'; did you mean 'title'?"))
        #expect(result.stderr.contains("missing required key 'testnet'"))
        #expect(result.stdout.isEmpty)
    }
}
