import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops supervise`: the run's supervisor as a process of its own, started
/// by the guided session (and `resume` on a terminal), never by hand. It runs
/// in a session of its own, so a closed terminal, a detached or killed
/// session never stops the sampling; it writes to `supervisor.log` in the run
/// folder and serves its clients over the control socket.
struct SuperviseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supervise",
        abstract: "Supervise a prepared run in the background (started by the session; not for direct use).",
        shouldDisplay: false
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("continue"), help: "Launch the run the session prepared in this folder.")
    var continueFolder: String?

    @Option(name: .customLong("adopt"), help: "Adopt the run in this folder, whose supervisor died.")
    var adoptFolder: String?

    @Option(help: "The descriptor holding the data directory's lock, handed down by the caller.")
    var lockFD: Int32?

    @Option(help: "Simulated seconds per real second.")
    var timeScale: Double = 1

    @Option(name: .customLong("set"), help: ArgumentHelp("A run parameter in force.", valueName: "NAME=VALUE"))
    var assignments: [ParameterAssignment] = []

    @Option(help: ArgumentHelp("The proxy for hedgeops's own requests.", valueName: "url"))
    var proxy: String?

    @Flag(help: "Adopt even though the checklist changed since launch.")
    var force = false

    @OptionGroup var metrics: MetricsOptions

    func validate() throws {
        guard (continueFolder == nil) != (adoptFolder == nil) else {
            throw ValidationError("give exactly one of --continue FOLDER or --adopt FOLDER")
        }
    }

    func run() throws {
        let terminal = Terminal()
        // No terminal is ours any more; a SIGHUP from a closing one is recorded and ignored.
        signal(SIGHUP, SIG_IGN)
        let folder = continueFolder ?? adoptFolder ?? ""
        let dataDirectory = ResumeCommand.dataDirectory(of: folder) ?? global.dataDir
        let lock: RunLock
        do {
            lock =
                try lockFD.map { try RunLock(inherited: $0, dataDirectory: dataDirectory) }
                ?? RunLock(dataDirectory: dataDirectory)
        } catch {
            terminal.error("error: \(error)")
            throw ExitCode(ExitCode.usage)
        }
        let checklist = try GlobalOptions.loadChecklist(
            path: global.checklist ?? folder + "/checklist.yaml", named: true, terminal: terminal)
        let overrides = Dictionary(assignments.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        let context = PreflightContext(
            environment: ProcessInfo.processInfo.environment,
            workingDirectory: FileManager.default.currentDirectoryPath, parameterOverrides: overrides,
            toolDirectories: [ToolLocation.directory], proxy: proxy)
        let presenter = RunPresenter(
            terminal: terminal, timeScale: timeScale, durationHours: checklist.run.duration / 3600)
        var options = RunSupervisor.Options(
            checklist: checklist, context: context, dataDirectory: dataDirectory, timeScale: timeScale)
        metrics.apply(to: &options)
        let supervisor = RunSupervisor(options: options, onEvent: { presenter.show($0) })
        terminal.out("hedgeops supervise (pid \(getpid())) takes the run in \(folder)")
        if continueFolder != nil {
            try launching(terminal) {
                try supervisor.continuePrepared(folder: folder)
                try supervisor.start()
            }
        } else {
            do {
                terminal.out("resumed: \(try supervisor.adopt(folder: folder, force: force))")
            } catch {
                terminal.error("error: \(error.description)")
                throw ExitCode(error.exitCode)
            }
        }
        let results = try superviseToVerdict(supervisor, lock: lock, terminal: terminal)
        presenter.flush()
        if results.verdict != "PASS" { throw ExitCode(ExitCode.failed) }
    }
}

/// Starts `hedgeops supervise` for a run and waits until it serves its
/// control socket, or says why it could not.
enum SupervisorLauncher {
    enum Mode {
        case launch
        case adopt(force: Bool)
    }

    struct Failure: Error, CustomStringConvertible {
        var exitCode: Int32
        var description: String
    }

    /// The supervisor process, started in a session of its own with the
    /// lock handed down; `environment` is the executor's (secrets included:
    /// they go to the executor, never to the log).
    static func start(
        _ mode: Mode, folder: String, lock: RunLock, checklistPath: String?, timeScale: Double,
        parameters: [String: String], proxy: String?, environment: [String: String], extra: [String] = []
    ) throws -> ChildProcess {
        var argv = [ToolLocation.directory + "/hedgeops", "supervise", "--lock-fd", "3"]
        switch mode {
        case .launch: argv += ["--continue", folder]
        case .adopt(let force): argv += ["--adopt", folder] + (force ? ["--force"] : [])
        }
        if let checklistPath { argv += ["--checklist", checklistPath] }
        argv += ["--time-scale", formatNumber(timeScale)]
        for (name, value) in parameters.sorted(by: { $0.key < $1.key }) { argv += ["--set", "\(name)=\(value)"] }
        if let proxy { argv += ["--proxy", proxy] }
        argv += extra
        return try ChildProcess.spawn(
            argv, environment: environment, workingDirectory: FileManager.default.currentDirectoryPath,
            stdoutPath: folder + "/supervisor.log", stderrPath: folder + "/supervisor.log", newSession: true,
            inheriting: [lock.descriptor])
    }

    /// A client of the supervisor once it listens; if the process ends first,
    /// its exit code and the end of its log.
    static func connect(folder: String, process: ChildProcess, timeout: Double = 20) -> Result<ControlClient, Failure> {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let client = ControlClient.connect(folder: folder) { return .success(client) }
            if let ended = process.poll() {
                let code: Int32
                if case .exited(let status) = ended { code = status } else { code = ExitCode.failed }
                return .failure(
                    Failure(
                        exitCode: code,
                        description: refusal(folder) ?? "the supervisor stopped (\(ended)): " + logTail(folder)))
            }
            usleep(20_000)
        }
        return .failure(
            Failure(exitCode: ExitCode.failed, description: "the supervisor did not answer in time: " + logTail(folder))
        )
    }

    /// What the supervisor refused, as it said it (its `error:` lines), if it did.
    static func refusal(_ folder: String) -> String? {
        let text = (try? String(contentsOfFile: folder + "/supervisor.log", encoding: .utf8)) ?? ""
        let errors = text.split(separator: "\n").filter { $0.hasPrefix("error: ") }.map { $0.dropFirst(7) }
        return errors.isEmpty ? nil : errors.joined(separator: "\n")
    }

    static func logTail(_ folder: String) -> String {
        let text = (try? String(contentsOfFile: folder + "/supervisor.log", encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").suffix(3).joined(separator: " / ")
        return lines.isEmpty ? "see \(folder)/supervisor.log" : lines
    }
}
