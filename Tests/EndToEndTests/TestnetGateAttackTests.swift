import Foundation
import HedgeOpsKit
import Testing

/// The TESTNET gate attacked through the real binary, watched by `strace`:
/// whatever the environment, the checklist or the command line says, no
/// connection leaves loopback and no name is looked up in DNS. 192.0.2.2
/// (TEST-NET-1) stands for a foreign address: nothing listens there, and the
/// trace shows whether hedgeops tried.
@Suite(.serialized)
struct TestnetGateAttackTests {
    static let strace = ["/usr/bin/strace", "/bin/strace"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// One socket operation with an address, from the trace.
    struct Contact: CustomStringConvertible {
        var address: String
        var port: Int
        var line: String
        var description: String { "\(address):\(port) (\(line))" }
        var leavesLoopback: Bool {
            !(address.hasPrefix("127.") || address == "::1" || address.hasPrefix("::ffff:127."))
        }
    }

    struct Traced {
        var result: Binary.Result
        var contacts: [Contact]
        /// Every contact off loopback, and every DNS query (port 53), anywhere.
        var escapes: [Contact] { contacts.filter { $0.leavesLoopback || $0.port == 53 } }
    }

    /// Runs hedgeops under `strace -f`, following every child it starts.
    static func traced(_ arguments: [String], environment: [String: String], in directory: String) throws -> Traced {
        let strace = try #require(Self.strace, "strace is needed (apt-get install strace)")
        let log = directory + "/strace-\(UUID().uuidString.prefix(6)).txt"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: strace)
        process.arguments =
            ["-f", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o", log, Binary.path] + arguments
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let trace = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return Traced(
            result: Binary.Result(
                exitCode: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: stderr, as: UTF8.self)),
            contacts: contacts(in: trace))
    }

    static func contacts(in trace: String) -> [Contact] {
        let port = try? NSRegularExpression(pattern: #"sin6?_port=htons\((\d+)\)"#)
        let address = try? NSRegularExpression(
            pattern: #"inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6?, "([^"]+)""#)
        return trace.split(separator: "\n").compactMap { raw in
            let line = String(raw)
            let range = NSRange(line.startIndex..., in: line)
            guard let portMatch = port?.firstMatch(in: line, range: range),
                let portRange = Range(portMatch.range(at: 1), in: line),
                let addressMatch = address?.firstMatch(in: line, range: range)
            else { return nil }
            let group = addressMatch.range(at: 1).location != NSNotFound ? 1 : 2
            guard let addressRange = Range(addressMatch.range(at: group), in: line) else { return nil }
            return Contact(address: String(line[addressRange]), port: Int(line[portRange]) ?? -1, line: line)
        }
    }

    /// A ready environment on the mock TESTNET API, which every case then spoils one way.
    static var environment: [String: String] { RunTests.environment }

    static let demo = RunTests.demoChecklist

    /// The demo checklist with one edit, in the workspace.
    static func editedChecklist(_ workspace: Workspace, _ edit: (String) -> String) throws -> String {
        let text = try String(contentsOfFile: demo, encoding: .utf8)
        let edited = edit(text)
        #expect(edited != text, "the edit changed nothing")
        try workspace.write("edited.yaml", edited)
        return workspace.path + "/edited.yaml"
    }

    /// The demo checklist with a run parameter that sets the executor's BITUNIX_REST_URL.
    static func restURLParameterChecklist(_ workspace: Workspace) throws -> String {
        try editedChecklist(workspace) {
            $0.replacingOccurrences(
                of: "          - { name: symbol,",
                with: "          - { name: rest_url, title: REST, type: string, default: \"http://127.0.0.1:18080\", "
                    + "env: BITUNIX_REST_URL }\n          - { name: symbol,")
        }
    }

    /// One way around the gate that the first attack found, as the environment
    /// variables it sets and the arguments it adds.
    struct Attack: CustomTestStringConvertible, Sendable {
        var name: String
        var variables: [String: String]
        var testDescription: String { name }
    }

    static let environmentAttacks: [Attack] = [
        Attack(
            name: "resolve override to a foreign address",
            variables: ["HEDGEOPS_RESOLVE": "localhost:18081:192.0.2.2", "BITUNIX_REST_URL": "http://localhost:18081"]),
        Attack(
            name: "timed resolve override over TLS",
            variables: ["HEDGEOPS_RESOLVE": "+localhost:443:192.0.2.2", "BITUNIX_REST_URL": "https://localhost"]),
        Attack(name: "http_proxy", variables: ["http_proxy": "http://192.0.2.2:18081"]),
        Attack(name: "HTTP_PROXY", variables: ["HTTP_PROXY": "http://192.0.2.2:18081"]),
        Attack(name: "https_proxy (CONNECT)", variables: ["https_proxy": "http://192.0.2.2:18081"]),
        Attack(name: "all_proxy", variables: ["all_proxy": "http://192.0.2.2:18081"]),
        Attack(name: "ALL_PROXY socks5h", variables: ["ALL_PROXY": "socks5h://192.0.2.2:1080"]),
        Attack(name: "a proxy on the live host", variables: ["http_proxy": "http://fapi.bitunix.com:80"]),
        Attack(
            name: "the live host under another name", variables: ["EXCHANGE_FEED": "wss://fapi.bitunix.com/public/"]),
        Attack(name: "a trailing dot on the live host", variables: ["BITUNIX_REST_URL": "https://FAPI.bitunix.com./"]),
        Attack(
            name: "userinfo before the live host", variables: ["BITUNIX_REST_URL": "http://127.0.0.1@fapi.bitunix.com/"]
        ),
        Attack(name: "a decimal IPv4 address", variables: ["BITUNIX_REST_URL": "http://3221225986:18081/"]),
        Attack(name: "the flag as 1", variables: ["BITUNIX_USE_TESTNET": "1"]),
    ]

    @Test(arguments: environmentAttacks)
    func verifyEnvRefusesAndNeverLeavesLoopback(_ attack: Attack) throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        var env = Self.environment
        env.merge(attack.variables) { $1 }
        let traced = try Self.traced(
            ["verify-env", "--checklist", Self.demo, "--data-dir", "data"], environment: env, in: workspace.path)
        #expect(traced.result.exitCode == 3, "\(traced.result.all)")
        #expect(traced.result.stdout.contains("TESTNET gate: REFUSED"))
        #expect(traced.escapes.isEmpty, "\(traced.escapes)")
        for value in attack.variables.values where value.contains("192.0.2.2") {
            #expect(!traced.result.all.contains(value), "a variable's value is never printed")
        }
    }

    @Test func theReadyEnvironmentPassesAndTalksOnlyToLoopback() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let traced = try Self.traced(
            ["verify-env", "--checklist", Self.demo], environment: Self.environment, in: workspace.path)
        #expect(traced.result.exitCode == 0, "\(traced.result.all)")
        #expect(!traced.contacts.isEmpty, "the network checks connected to the mock API")
        #expect(traced.escapes.isEmpty, "\(traced.escapes)")
    }

    @Test func aNamedProxyOffTheAllowListIsRefused() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let traced = try Self.traced(
            ["verify-env", "--checklist", Self.demo, "--proxy", "http://192.0.2.2:3128"], environment: Self.environment,
            in: workspace.path)
        #expect(traced.result.exitCode == 3, "\(traced.result.all)")
        #expect(traced.result.stdout.contains("--proxy"))
        #expect(traced.escapes.isEmpty, "\(traced.escapes)")
    }

    @Test func checklistEditsThatLintCleanTodayAreRejected() throws {
        let workspace = try Workspace()
        let edits: [(String, (String) -> String)] = [
            ("flag HOME", { $0.replacingOccurrences(of: "flag: BITUNIX_USE_TESTNET", with: "flag: HOME") }),
            (
                "trailing dot",
                {
                    $0.replacingOccurrences(
                        of: #"allow_hosts: [127.0.0.1"#, with: #"allow_hosts: ["fapi.bitunix.com.", 127.0.0.1"#)
                }
            ),
            (
                "emptied live lists",
                {
                    $0.replacingOccurrences(
                        of: #"allow_hosts: [127.0.0.1"#, with: #"allow_hosts: [fapi.bitunix.com, 127.0.0.1"#
                    )
                    .replacingOccurrences(
                        of: "live_hosts: [fapi.bitunix.com, openapi.bitunix.com]", with: "live_hosts: []"
                    )
                    .replacingOccurrences(of: "live_domains: [bitunix.com]", with: "live_domains: []")
                }
            ),
            (
                "live webhook",
                {
                    $0.replacingOccurrences(
                        of: "\nendpoints:", with: "\nnotify_url: https://fapi.bitunix.com/hook\nendpoints:")
                }
            ),
        ]
        for (name, edit) in edits {
            let path = try Self.editedChecklist(workspace, edit)
            let lint = try Binary.run(["checklist", "lint", path], in: workspace.path)
            #expect(lint.exitCode == 2, "\(name): \(lint.all)")
            #expect(lint.all.contains("edited.yaml:"), "\(name): file:line:column")
        }
    }

    @Test func aParameterCannotHandTheExecutorTheLiveHost() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let path = try Self.restURLParameterChecklist(workspace)
        let traced = try Self.traced(
            ["verify-env", "--checklist", path, "--set", "rest_url=https://fapi.bitunix.com"],
            environment: Self.environment, in: workspace.path)
        #expect(traced.result.exitCode == 3, "\(traced.result.all)")
        #expect(traced.result.stdout.contains("fapi.bitunix.com"))
        #expect(traced.escapes.isEmpty, "\(traced.escapes)")

        let run = try Self.traced(
            [
                "run", "--checklist", path, "--yes", "--time-scale", "3600", "--set",
                "rest_url=https://fapi.bitunix.com",
            ],
            environment: Self.environment, in: workspace.path)
        #expect(run.result.exitCode == 3, "\(run.result.all)")
        #expect(!workspace.exists("data/runs"), "nothing launched")
        #expect(run.escapes.isEmpty, "\(run.escapes)")
    }

    @Test func aParameterSetInTheSessionIsJudgedBeforeTheLaunchConfirmation() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let path = try Self.restURLParameterChecklist(workspace)
        var environment = Self.environment
        environment.merge(try RunTests.sessionEnvironment(workspace)) { $1 }
        let script = "y\ny\ny\nset rest_url https://fapi.bitunix.com\nlaunch\nquit\n"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.strace))
        let log = workspace.path + "/strace.txt"
        process.arguments =
            [
                "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o", log, Binary.path, "session",
                "--checklist", path, "--time-scale", "3600",
            ]
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: workspace.path)
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: Data(script.utf8))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text.contains("not launched: the TESTNET gate refuses the values in force"), "\(text)")
        #expect(!text.contains("type `launch` to start it"), "no confirmation is offered on the live host")
        let folder = try #require(try RunTests.runFolder(workspace))
        let events = try RawJournal(path: folder + "/journal.jsonl").events
        #expect(!events.contains { $0["type"] as? String == "launch" })
        let escapes = Self.contacts(in: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "").filter {
            $0.leavesLoopback || $0.port == 53
        }
        #expect(escapes.isEmpty, "\(escapes)")
    }

    @Test func aChecklistWithoutTheWebSocketEndpointStillGuardsIt() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let path = try Self.editedChecklist(workspace) { text in
            guard let start = text.range(of: "  - id: ws\n"), let end = text.range(of: "\npreflight:") else {
                return text
            }
            var edited = String(text[..<start.lowerBound]) + String(text[end.lowerBound...])
            // The WebSocket check names the endpoint: it goes with it.
            if let item = edited.range(of: "      - id: testnet-websocket\n"),
                let next = edited.range(of: "      - id: ", range: item.upperBound..<edited.endIndex)
            {
                edited.removeSubrange(item.lowerBound..<next.lowerBound)
            }
            return edited
        }
        var env = Self.environment
        env["BITUNIX_WS_URL"] = "wss://fapi.bitunix.com/public/"
        let traced = try Self.traced(["verify-env", "--checklist", path], environment: env, in: workspace.path)
        #expect(traced.result.exitCode == 3, "\(traced.result.all)")
        #expect(traced.escapes.isEmpty, "\(traced.escapes)")
    }

    @Test func aLiveWebhookAndALiveUploadLookNothingUp() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        var env = Self.environment
        env["HEDGEOPS_NOTIFY_URL"] = "https://fapi.bitunix.com/hook"
        // Under strace the verdict may suffer (samples come late); the point here is where it connects.
        let run = try Self.traced(
            ["run", "--checklist", Self.demo, "--yes", "--time-scale", "3600"], environment: env, in: workspace.path)
        #expect([0, 1].contains(run.result.exitCode), "\(run.result.all)")
        #expect(run.result.all.contains("webhook notifications are off"))
        #expect(run.escapes.isEmpty, "\(run.escapes)")
        let folder = try #require(try RunTests.runFolder(workspace))
        let journal = try String(contentsOfFile: folder + "/journal.jsonl", encoding: .utf8)
        #expect(journal.contains("\"notify_refused\""))

        _ = try Binary.run(["keygen", "--out", "op", "--comment", "op@example.com"], in: workspace.path)
        let export = try Self.traced(
            ["export", folder, "--key", "op", "--out", "x.tar.gz", "--upload", "https://fapi.bitunix.com/put"],
            environment: Binary.baseEnvironment, in: workspace.path)
        #expect(export.result.exitCode != 0, "\(export.result.all)")
        #expect(export.result.all.contains("LIVE"), "\(export.result.all)")
        #expect(export.escapes.isEmpty, "\(export.escapes)")
    }

    @Test func resolveOverridesInForceAreJournalled() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        var env = Self.environment
        let port = URLComponents(string: RunTests.mockAPI)?.port ?? 0
        env["HEDGEOPS_RESOLVE"] = "testnet.localhost:\(port):127.0.0.1"
        let run = try Binary.run(
            ["run", "--checklist", Self.demo, "--yes", "--time-scale", "3600"], environment: env, in: workspace.path)
        // The gate let it through (3 would be a refusal); the verdict is not the point here.
        #expect([0, 1].contains(run.exitCode), "\(run.all)")
        let folder = try #require(try RunTests.runFolder(workspace))
        let journal = try RawJournal(path: folder + "/journal.jsonl")
        let gate = try #require(journal.events.first { $0["type"] as? String == "testnet_gate" })
        #expect(gate["resolve_overrides"] as? [String] == ["testnet.localhost:\(port) -> 127.0.0.1"])
    }
}
