import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedge-sim run`: behaves like `python tests/load/load_test_8h.py`.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the simulated 8-hour load test (executor log format, hourly report blocks, real memory).",
        discussion: """
            Writes DIR/load_test_%Y%m%d_%H%M%S.log in the executor's Python logging format and the same \
            records to stderr. SIGINT logs the final report and then dies by SIGINT, as the load-test script does \
            does; the end of the run exits 0. Parameters also come from the environment hedgeops sets: \
            LOAD_TEST_SYMBOL, LOAD_TEST_OFFSET, LOAD_TEST_TICK_SECONDS, LOG_LEVEL, BITUNIX_WS_URL, \
            HEDGEOPS_TIME_SCALE and HEDGE_SIM_SCENARIO.

            Examples:
              hedge-sim run --scenario healthy --time-scale 3600
              HEDGEOPS_TIME_SCALE=720 hedge-sim run --scenario crash
            """
    )

    @Option(
        help: "One of: \(Scenario.all.map(\.name).joined(separator: ", ")) (default $HEDGE_SIM_SCENARIO, else healthy)."
    )
    var scenario: String?

    @Option(help: "Length of the run in simulated hours.")
    var hours: Double = 8

    @Option(help: "Simulated seconds per real second (default $HEDGEOPS_TIME_SCALE, else 1).")
    var timeScale: Double?

    @Option(help: "Where the log file is written; it must exist.")
    var logDir: String = "data/load_test"

    @Option(help: "Start value of the random numbers, for reproducible runs.")
    var randomStart: UInt64 = 1

    @Option(help: "Memory held at the start, in MB (RSS is this plus the runtime).")
    var baseMb: Double = 40

    func validate() throws {
        if let name = effectiveScenario, Scenario.named(name) == nil {
            throw ValidationError(
                "unknown scenario '\(name)'; use one of: \(Scenario.all.map(\.name).joined(separator: ", "))")
        }
        // Bounded, so the schedule's arithmetic always fits an integer.
        guard hours.isFinite, hours > 0, hours <= 168 else {
            throw ValidationError("--hours is out of range: use a number above 0 and at most 168")
        }
        guard baseMb.isFinite, (0...65536).contains(baseMb) else {
            throw ValidationError("--base-mb is out of range: use a number from 0 to 65536")
        }
        _ = try effectiveTimeScale()
        _ = try tickSeconds()
    }

    /// $LOAD_TEST_TICK_SECONDS (a duration), else 5 s; from 0.1 s to 1 h.
    private func tickSeconds() throws -> Double {
        guard let text = environment["LOAD_TEST_TICK_SECONDS"] else { return 5 }
        guard let seconds = parseDuration(text), seconds >= 0.1, seconds <= 3600 else {
            throw ValidationError("LOAD_TEST_TICK_SECONDS='\(text)' is out of range: use a duration from 0.1s to 1h")
        }
        return seconds
    }

    private var environment: [String: String] { ProcessInfo.processInfo.environment }

    private var effectiveScenario: String? { scenario ?? environment["HEDGE_SIM_SCENARIO"] }

    private func effectiveTimeScale() throws -> Double {
        do {
            return try TimeScale.resolve(option: timeScale, environment: environment)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let settings = Simulator.Settings(
            scenario: Scenario.named(effectiveScenario ?? "healthy") ?? Scenario.all[0],
            hours: hours,
            timeScale: try effectiveTimeScale(),
            tickSeconds: try tickSeconds(),
            symbol: environment["LOAD_TEST_SYMBOL"] ?? "BTCUSDT",
            offset: environment["LOAD_TEST_OFFSET"].flatMap(Double.init) ?? 0.0005,
            baseMB: baseMb,
            randomStart: randomStart,
            wsURL: environment["BITUNIX_WS_URL"] ?? "wss://fapi.bitunix.com/public/",
            debug: environment["LOG_LEVEL"] == "DEBUG")
        // Python keeps an inherited ignored SIGINT ignored (REFERENCE): so does
        // the simulator, so a launcher that forgets to reset it is caught.
        var inherited = sigaction()
        sigaction(SIGINT, nil, &inherited)
        let ignoredHandler = unsafeBitCast(SIG_IGN, to: Int.self)
        let inheritedHandler = inherited.__sigaction_handler.sa_handler.map { unsafeBitCast($0, to: Int.self) } ?? 0
        if inheritedHandler != ignoredHandler {
            signal(SIGINT) { _ in interruptRequested = 1 }
        }
        let simulator: Simulator
        do {
            simulator = try Simulator(settings: settings, logDirectory: logDir)
        } catch {
            writeStandardError("hedge-sim: \(error)\n")
            throw ExitCode(1)
        }
        if simulator.run() == .interrupted {
            // As Python: KeyboardInterrupt re-raised after `finally:`, death by SIGINT.
            writeStandardError("Traceback (most recent call last):\nKeyboardInterrupt\n")
            dieBy(SIGINT)
        }
    }
}

/// Dies by `signal` with its default action. The signal is sent to the
/// process, not this thread: a pool thread may block it, and `raise` would
/// leave it pending while the process exits 0.
func dieBy(_ signalNumber: Int32) -> Never {
    signal(signalNumber, SIG_DFL)
    kill(getpid(), signalNumber)
    // Delivery is asynchronous; do not fall through to a normal exit.
    for _ in 0..<50 { usleep(20_000) }
    exit(128 + signalNumber)
}
