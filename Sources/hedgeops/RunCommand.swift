import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops run`: pre-flight, launch, supervise, verdict, without the REPL.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the load test under supervision: pre-flight, launch, sampling, checkpoints, verdict.",
        discussion: """
            Runs the pre-flight (as verify-env); a failed required check or a refused TESTNET gate stops \
            it before anything starts. Then launches the checklist's run command in its own process group, \
            samples its process tree from /proc, follows its log, records checkpoints (hours 0/1/2/4/6/8) \
            and judges the pass criteria. Everything goes to data/runs/<run-id>/journal.jsonl first; \
            results.json is rewritten at every checkpoint.

            The first Ctrl-C (or SIGTERM) stops the run gracefully and records "aborted by operator" \
            (exit 4); a second one kills it at once. SIGHUP is recorded and ignored: close the terminal \
            and `hedgeops resume` later.

            Examples:
              hedgeops run --yes
              hedgeops run --answers answers.yaml
              hedgeops run --yes --metrics-listen 127.0.0.1:9464     # Prometheus scrapes /metrics
              hedgeops run --yes --progress-every 30m > run.log 2>&1    # a progress line every 30 minutes

            A rehearsal you can run now, from the repository (the demo checklist needs a local TESTNET):
              hedge-sim exchange --port 18080 --api-key demo-key --api-secret demo-secret &
              eval "$(hedgeops demo --print-env)"
              hedgeops run --time-scale 3600 --set scenario=leak --yes

            Exit codes: 0 PASS, 1 FAIL (or a required check failed), 2 usage, 3 TESTNET gate refused,
            4 aborted by the operator.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Simulated seconds per real second, for rehearsals (default $HEDGEOPS_TIME_SCALE, else 1).")
    var timeScale: Double?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a run parameter.", valueName: "NAME=VALUE"))
    var assignments: [ParameterAssignment] = []

    @Option(help: ArgumentHelp("Answers to the manual items (YAML: id: yes|no|skip).", valueName: "file"))
    var answers: String?

    @Flag(help: "Answer yes to every manual item.")
    var yes = false

    @Flag(help: "Only the checkpoints, warnings and the verdict: no progress between checkpoints.")
    var quiet = false

    @Option(
        help: ArgumentHelp(
            "When the output is not a terminal, a progress line this often (real time; default 10m). "
                + "On a terminal one line is redrawn every second.", valueName: "duration"))
    var progressEvery: String?

    @OptionGroup var network: NetworkOptions

    @OptionGroup var metrics: MetricsOptions

    func validate() throws {
        if answers != nil && yes { throw ValidationError("use --answers FILE or --yes, not both") }
        _ = try effectiveTimeScale()
        if let progressEvery, (parseDuration(progressEvery) ?? 0) < 1 {
            throw ValidationError(
                "--progress-every: expected a duration of 1 s or more (30s, 10m, 1h), got '\(progressEvery)'")
        }
    }

    /// Live on a terminal, periodic in a log, nothing with --quiet.
    private func progress(_ terminal: Terminal) -> RunPresenter.Progress {
        if quiet { return .none }
        if terminal.canRedraw && progressEvery == nil { return .live }
        return .every(progressEvery.flatMap(parseDuration) ?? 600)
    }

    func run() throws {
        let terminal = Terminal()
        let (checklist, overrides) = try global.loadChecklist(terminal: terminal, assignments: assignments)
        let scale = try effectiveTimeScale()
        let manualAnswers = try collectAnswers(checklist, terminal: terminal)
        let context = PreflightContext(
            environment: ProcessInfo.processInfo.environment,
            workingDirectory: FileManager.default.currentDirectoryPath, parameterOverrides: overrides,
            toolDirectories: [ToolLocation.directory], proxy: network.proxy)
        let preflight = Preflight(checklist: checklist, context: context).run()
        let presenter = RunPresenter(
            terminal: terminal, timeScale: scale, durationHours: checklist.run.duration / 3600,
            progress: progress(terminal))
        presenter.preflight(preflight)
        guard preflight.ok else { throw ExitCode(preflight.exitCode) }
        let refused = checklist.items.filter { item in
            item.required && item.kind.isManual && (manualAnswers[item.id] ?? "").hasPrefix("no")
        }
        guard refused.isEmpty else {
            terminal.error("error: required manual items answered no: \(refused.map(\.id).joined(separator: ", "))")
            throw ExitCode(ExitCode.failed)
        }

        var options = RunSupervisor.Options(
            checklist: checklist, context: context, dataDirectory: global.dataDir, timeScale: scale,
            answers: manualAnswers)
        options.answersSource = yes ? "--yes at launch" : answers.map { "the answers file \($0)" } ?? "none"
        metrics.apply(to: &options)
        if let address = options.metricsListen { terminal.out("metrics for Prometheus: http://\(address)/metrics") }
        let (_, results) = try launchToVerdict(
            options,
            preflight: preflight, presenter: presenter, terminal: terminal)
        if results.verdict != "PASS" { throw ExitCode(ExitCode.failed) }
    }

    private func effectiveTimeScale() throws -> Double {
        do {
            return try TimeScale.resolve(option: timeScale, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
    }

    private func collectAnswers(_ checklist: Checklist, terminal: Terminal) throws -> [String: String] {
        let manual = checklist.items.filter(\.kind.isManual)
        if yes { return Dictionary(uniqueKeysWithValues: manual.map { ($0.id, "yes") }) }
        var given: [String: String] = [:]
        if let answers {
            do {
                given = try ManualAnswers.load(path: answers, checklist: checklist)
            } catch {
                terminal.error(error.description)
                throw ExitCode(ExitCode.usage)
            }
        }
        let missing = manual.filter { $0.required && given[$0.id] == nil }
        guard missing.isEmpty else {
            terminal.error(
                "error: required manual items need an answer: \(missing.map(\.id).joined(separator: ", ")); "
                    + "pass --answers FILE or --yes (or use the guided session)")
            throw ExitCode(ExitCode.usage)
        }
        return given
    }
}

/// First SIGINT/SIGTERM: graceful stop, "aborted by operator". Second: at
/// once. SIGHUP: recorded and ignored, the run goes on. (Sendable: the
/// count is under the lock, the sources are set once.)
final class SignalHandling: @unchecked Sendable {
    private var watch: SignalWatch.Watch?
    private var count = 0
    private let lock = NSLock()

    init(supervisor: RunSupervisor, terminal: Terminal, signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]) {
        watch = SignalWatch.install(signals) { [weak self] number in
            guard let self else { return }
            if number == SIGHUP {
                supervisor.record(.signal(.init(signal: "SIGHUP", action: "ignored; the run goes on")))
                return
            }
            self.lock.lock()
            self.count += 1
            let count = self.count
            self.lock.unlock()
            let name = number == SIGINT ? "SIGINT" : "SIGTERM"
            if count == 1 {
                terminal.error("\(name): stopping the run gracefully (again to stop at once)…")
                supervisor.requestStop("\(name) to hedgeops")
            } else {
                terminal.error("\(name) again: stopping at once")
                supervisor.killNow("second \(name)")
                Foundation.exit(ExitCode.aborted)
            }
        }
    }
}
