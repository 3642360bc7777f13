import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops demo`: the whole workflow on the bundled simulator (8 hours in
/// 40 s), on a fresh machine with no keys and no exchange.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract:
            "Run the whole workflow on the bundled simulator: local TESTNET, simulated executor, 8 hours in 40 s, signed results.",
        discussion: """
            Starts the local TESTNET exchange (hedge-sim exchange: REST and WebSocket) on a free loopback \
            port, sets a throwaway TESTNET \
            environment for its own child processes only, runs the pre-flight (network checks included), \
            answers the manual items itself (showing each answer), runs checklists/demo.yaml with hedge-sim \
            as the executor, then writes the report and chart, signs the results with a throwaway key, \
            exports the signed bundle and prints the ssh-keygen command that checks them. Every process it \
            started is stopped at the end, also on Ctrl-C.

            --interactive opens the guided session instead, on the same throwaway environment: you answer \
            the manual items, set parameters, type `launch`, tick the hourly items; `quit` after the \
            verdict and the demo signs the results.

            Examples:
              hedgeops demo
              hedgeops demo --scenario leak          # a FAIL, with the hour-2 projection warning
              hedgeops demo --hour-seconds 2
              hedgeops demo --interactive --hour-seconds 20
              eval "$(hedgeops demo --print-env)"    # then hedgeops run on the demo checklist

            Exit codes: 0 PASS, 1 FAIL, 2 usage, 4 interrupted.
            """
    )

    @Option(
        help: "hedge-sim scenario: healthy, leak, slow-leak, sawtooth, ws-flaky, error-burst, error-lock, crash, hang.")
    var scenario = "healthy"

    @Option(help: "Real seconds one simulated hour lasts.")
    var hourSeconds: Double = 5

    @Flag(help: "Answer the guided session yourself (needs a terminal).")
    var interactive = false

    @Option(help: ArgumentHelp("Where runs are recorded.", valueName: "path"))
    var dataDir = "data"

    @Option(
        help: ArgumentHelp(
            "The demo checklist (default: checklists/demo.yaml, here or beside hedgeops).", valueName: "path"))
    var checklist: String?

    @Flag(
        help: ArgumentHelp(
            "Print the shell exports that point hedgeops (and an executor) at `hedge-sim exchange` on --port, and exit.",
            discussion:
                "For `hedgeops run` or `verify-env` on the demo checklist: eval \"$(hedgeops demo --print-env)\""))
    var printEnv = false

    @Option(help: "With --print-env: the port `hedge-sim exchange` listens on.")
    var port: UInt16 = 18080

    func validate() throws {
        // One demo hour lasts at least half a second and at most 100 hours (a time scale of 0.01).
        guard hourSeconds.isFinite, hourSeconds >= 0.5, hourSeconds <= 360_000 else {
            throw ValidationError("--hour-seconds is out of range: use a number from 0.5 to 360000")
        }
        guard !interactive || (isatty(0) == 1 && isatty(1) == 1) else {
            throw ValidationError("--interactive needs a terminal; without one, run `hedgeops demo`")
        }
    }

    func run() throws {
        let terminal = Terminal()
        let checklistPath = checklist ?? DemoSupport.findDemoChecklist()
        if printEnv {
            // Throwaway demo values, printed as they are: they are for `eval`.
            print(DemoSupport.exports(checklist: checklistPath, port: port))
            return
        }
        let checklist = try GlobalOptions.loadChecklist(path: checklistPath, named: true, terminal: terminal)
        let overrides = ["scenario": scenario]
        try GlobalOptions.validate(overrides, for: checklist, terminal: terminal)
        let scale = 3600 / hourSeconds
        terminal.out(
            terminal.paint("hedgeops demo", .bold)
                + ": the 8-hour TESTNET load test, rehearsed on the bundled simulator"
        )
        terminal.out("  checklist \(checklistPath); scenario \(scenario); one hour lasts \(formatted(hourSeconds)) s")
        terminal.out("")

        // 1. The mock TESTNET and a throwaway environment, for our children only.
        let key = "demo-" + String(UUID().uuidString.prefix(8)).lowercased()
        let secret = UUID().uuidString + UUID().uuidString
        let mock: DemoSupport.MockAPI
        do {
            mock = try DemoSupport.MockAPI(apiKey: key, apiSecret: secret)
        } catch {
            terminal.error("error: \(error)")
            throw ExitCode(ExitCode.failed)
        }
        defer { mock.stop() }
        terminal.out("local TESTNET exchange (hedge-sim exchange) listening on \(mock.url)")
        var environment = ProcessInfo.processInfo.environment
        environment["BITUNIX_API_KEY"] = key
        environment["BITUNIX_API_SECRET"] = secret
        environment["BITUNIX_USE_TESTNET"] = "true"
        environment["BITUNIX_REST_URL"] = mock.url
        environment["BITUNIX_WS_URL"] = mock.url.replacingOccurrences(of: "http:", with: "ws:") + "/public/"
        environment["HEDGEOPS_NOTIFY_URL"] = nil
        // The demo's executor is the simulator on loopback: a corporate proxy has no
        // business here, and the TESTNET gate would rightly refuse it.
        for name in environment.keys where name.lowercased().hasSuffix("_proxy") { environment[name] = nil }
        ScreenRedaction.include(checklist, environment: environment)
        try? FileManager.default.createDirectory(atPath: "data/load_test", withIntermediateDirectories: true)

        if interactive {
            // The guided session, answered by the user, on the same throwaway environment.
            let session = GuidedSession(
                checklist: checklist, dataDirectory: dataDir, timeScale: scale, overrides: overrides,
                terminal: terminal, environment: environment)
            let code = session.run()
            if let supervisor = session.supervisor,
                FileManager.default.fileExists(atPath: supervisor.folder + "/results.json")
            {
                terminal.out("")
                try signOff(supervisor, checklist: checklist, environment: environment, terminal: terminal)
            }
            throw ExitCode(code)
        }

        // 2. Pre-flight, network checks included.
        let context = PreflightContext(
            environment: environment, workingDirectory: FileManager.default.currentDirectoryPath, fix: true,
            parameterOverrides: overrides, toolDirectories: [ToolLocation.directory])
        let preflight = Preflight(checklist: checklist, context: context).run()
        terminal.out(
            PreflightPresenter(report: preflight, terminal: terminal).table(
                title: checklist.title, heading: "pre-flight"))
        guard preflight.ok else {
            terminal.error("error: the demo's pre-flight failed; see above")
            throw ExitCode(preflight.exitCode)
        }

        // 3. The manual items, answered as an operator would type them.
        terminal.out("")
        var answers: [String: String] = [:]
        for item in checklist.items where item.kind.isManual {
            let question = {
                if case .manual(let spec) = item.kind { return spec.prompt ?? item.title } else { return item.title }
            }()
            terminal.out(
                "? \(item.title)\n  \(question) [y]es / [n]o / [s]kip > " + terminal.paint("yes", .bold)
                    + terminal.paint("   (answered by the demo)", .dim))
            answers[item.id] = "yes (answered by hedgeops demo)"
        }
        terminal.out("")

        // 4. The run.
        // On a terminal the run's progress line is redrawn as in `hedgeops run`.
        let presenter = RunPresenter(
            terminal: terminal, timeScale: scale, durationHours: checklist.run.duration / 3600,
            progress: terminal.canRedraw ? .live : .none)
        let (supervisor, results) = try launchToVerdict(
            .init(checklist: checklist, context: context, dataDirectory: dataDir, timeScale: scale, answers: answers),
            preflight: preflight, presenter: presenter, terminal: terminal)

        // 5. Sign-off with a throwaway key.
        terminal.out("")
        try signOff(supervisor, checklist: checklist, environment: environment, terminal: terminal)
        if results.verdict != "PASS" { throw ExitCode(ExitCode.failed) }
    }

    /// Signs the results with a throwaway key and says how to check them.
    private func signOff(
        _ supervisor: RunSupervisor, checklist: Checklist, environment: [String: String], terminal: Terminal
    ) throws {
        if let status = try? RunStatus(folder: supervisor.folder, checklist: checklist) {
            terminal.out(terminal.paint("checkpoints", .bold))
            CheckpointTable(checkpoints: status.checkpoints).lines.forEach { terminal.out($0) }
            terminal.out("")
        }
        do {
            let signOff = try DemoSupport.signOff(
                folder: supervisor.folder, runID: supervisor.runID, dataDirectory: dataDir,
                environment: environment)
            terminal.out(terminal.paint("sign-off", .bold))
            terminal.out("  results   \(signOff.results)  (signed: \(signOff.results).sig)")
            terminal.out("  report    \(signOff.report)")
            terminal.out("  chart     \(signOff.chart)")
            terminal.out("  bundle    \(signOff.bundle)")
            terminal.out("  key       \(signOff.key) (throwaway, demo only; \(signOff.fingerprint))")
            terminal.out("")
            terminal.out("check the signature with the tool already on your machine:")
            terminal.out(
                "  ssh-keygen -Y verify -f \(signOff.allowedSigners) -I \(DemoSupport.principal) -n hedgeops -s \(signOff.results).sig < \(signOff.results)",
                wrap: false)
            terminal.out(
                "  hedgeops verify \(signOff.bundle) --allowed-signers \(signOff.allowedSigners) --identity \(DemoSupport.principal)",
                wrap: false)
        } catch {
            terminal.error("error: sign-off failed: \(error)")
            throw ExitCode(ExitCode.failed)
        }
    }

    private func formatted(_ value: Double) -> String {
        formatNumber(value)
    }
}
