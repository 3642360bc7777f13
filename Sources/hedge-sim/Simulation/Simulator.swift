import Foundation
import HedgeOpsKit

/// Set from the SIGINT handler; read by the tick loop.
nonisolated(unsafe) var interruptRequested: sig_atomic_t = 0

/// Behaves like the load-test script `load_test_8h.py` driving a Bitunix HEDGE executor:
/// ticks, adaptive limit orders, WebSocket drops, errors, the hourly report
/// block, and real memory following the scenario. Time runs `timeScale`
/// times faster than the wall clock.
final class Simulator {
    struct Settings {
        var scenario: Scenario
        var hours: Double
        var timeScale: Double
        var tickSeconds: Double
        var symbol: String
        var offset: Double
        var baseMB: Double
        var randomStart: UInt64
        var wsURL: String
        var debug: Bool
    }

    enum Outcome { case finished, interrupted }

    private let settings: Settings
    private let log: PythonLog
    private var random: ReproducibleRandom
    private let ballast = MemoryBallast()
    private let startWall: Date
    private let startMonotonic: Double
    private var simulatedSeconds = 0.0

    // The load-test script's LoadTestMetrics, kept as running figures so memory stays flat.
    private var ordersPlaced = 0
    private var ordersModified = 0
    private var wsReconnects = 0
    private var errors = 0
    private var firstSample: Double?
    private var lastSample = 0.0
    private var peakSample = 0.0
    private var sampleSum = 0.0
    private var sampleCount = 0

    // Executor state.
    private var state = "IDLE"
    private var price = 95_000.0
    private var orderPrice = 0.0
    private var orderNumber = 0
    private var ticksInEntry = 0
    private var wsDownTicks = 0
    private var baselineMB = 0.0

    private let mainLogger = "__main__"
    private let executorLogger = "src.core.broker.bitunix_hedge_executor"
    private let wsLogger = "src.core.broker.bitunix_ws"

    init(settings: Settings, logDirectory: String) throws {
        self.settings = settings
        random = ReproducibleRandom(randomStart: settings.randomStart)
        startWall = Date()
        startMonotonic = Self.monotonicSeconds()
        let start = startWall.timeIntervalSince1970
        log = try PythonLog(directory: logDirectory, startedAt: startWall, now: { start })
        // asctime follows simulated time, so a compressed run still logs 8 hours.
        log.now = { [unowned self] in start + self.simulatedSeconds }
    }

    var logPath: String { log.path }

    func run() -> Outcome {
        ballast.resize(toMB: settings.baseMB)
        baselineMB = MemoryBallast.residentMB()
        log.log(.info, executorLogger, "Connecting to \(settings.wsURL) (symbol \(settings.symbol))")
        log.log(.info, wsLogger, "WebSocket Connected")
        log.log(.info, mainLogger, "8-hour load test started")

        let ticks = Int((settings.hours * 3600 / settings.tickSeconds).rounded())
        let ticksPerHour = max(1, Int((3600 / settings.tickSeconds).rounded()))
        var previousHour = 0.0
        for tick in 1...max(ticks, 1) {
            if !sleepUntil(startMonotonic + Double(tick) * settings.tickSeconds / settings.timeScale) { break }
            simulatedSeconds = Double(tick) * settings.tickSeconds
            let hour = simulatedSeconds / 3600
            scheduledEvents(from: previousHour, to: hour)
            previousHour = hour
            let offset = settings.scenario.memoryOffset(atHour: hour, random: &random)
            ballast.resize(toMB: settings.baseMB + offset * baselineMB)
            recordMemory()
            marketTick()
            if sampleCount % ticksPerHour == 0 { report() }
        }
        finish()
        return interruptRequested != 0 ? .interrupted : .finished
    }

    // MARK: Events

    private func scheduledEvents(from: Double, to: Double) {
        let scenario = settings.scenario
        func crossed(_ at: Double) -> Bool { from < at && at <= to }
        if let at = scenario.crashAt, crossed(at) { crash() }
        if let at = scenario.hangAt, crossed(at) { hang() }
        if let at = scenario.errorLockAt, crossed(at) {
            log.log(
                .critical, executorLogger,
                "State transition: \(state) -> ERROR_LOCK: exchange reported an unknown order state; manual unlock required"
            )
            state = "ERROR_LOCK"
        } else if state == "ERROR_LOCK", Int(from) != Int(to) {
            log.log(.critical, executorLogger, "Executor in ERROR_LOCK; manual unlock required")
        }
        for at in scenario.disconnectsAt where crossed(at) {
            log.log(.warning, wsLogger, "Connection closed unexpectedly (code=1006, reason=)")
            wsDownTicks = 3
        }
        var newErrors = scenario.errorsAt.filter(crossed).count
        if scenario.errorChancePerTick > 0, random.chance(scenario.errorChancePerTick) { newErrors += 1 }
        for _ in 0..<newErrors {
            errors += 1
            log.log(
                .error, executorLogger,
                "Order modify failed for \(settings.symbol): code=10006 msg=Too many requests; will retry")
        }
    }

    private func recordMemory() {
        let mb = MemoryBallast.residentMB()
        if firstSample == nil { firstSample = mb }
        lastSample = mb
        peakSample = max(peakSample, mb)
        sampleSum += mb
        sampleCount += 1
    }

    /// One market tick: follow the price with the adaptive limit order.
    private func marketTick() {
        if wsDownTicks > 0 {
            wsDownTicks -= 1
            if wsDownTicks == 1 {
                log.log(.warning, wsLogger, "Reconnecting in 4s (attempt #1)...")
            } else if wsDownTicks == 0 {
                wsReconnects += 1
                log.log(.info, wsLogger, "WebSocket Connected")
            }
            return
        }
        guard state != "ERROR_LOCK" else { return }
        price *= 1 + random.uniform(-0.00025, 0.00025)
        if settings.debug { log.log(.debug, executorLogger, "Tick \(settings.symbol) \(format(price))") }
        let target = (price * (1 - settings.offset) * 10).rounded() / 10
        switch state {
        case "IDLE":
            orderNumber += 1
            orderPrice = target
            ordersPlaced += 1
            ticksInEntry = 0
            log.log(
                .info, executorLogger,
                "Order placed: id=SIM-\(String(format: "%06d", orderNumber)) symbol=\(settings.symbol) side=BUY qty=0.001 price=\(format(target)) offset=\(settings.offset)"
            )
            log.log(.info, executorLogger, "State transition: IDLE -> ENTRY_PENDING")
            state = "ENTRY_PENDING"
        default:
            ticksInEntry += 1
            if ticksInEntry >= 60 {
                log.log(
                    .info, executorLogger,
                    "Order cancelled: id=SIM-\(String(format: "%06d", orderNumber)) no fill (test mode: no real fills)")
                log.log(.info, executorLogger, "State transition: ENTRY_PENDING -> IDLE")
                state = "IDLE"
            } else if target != orderPrice {
                ordersModified += 1
                log.log(
                    .info, executorLogger,
                    "Order modified: id=SIM-\(String(format: "%06d", orderNumber)) price \(format(orderPrice)) -> \(format(target))"
                )
                orderPrice = target
            }
        }
    }

    /// The load-test script's `LoadTestMetrics.report()`, word for word.
    private func report() {
        let elapsed = simulatedSeconds / 3600
        let first = firstSample ?? lastSample
        let average = sampleCount > 0 ? sampleSum / Double(sampleCount) : 0
        let message = """

            === Load Test Report (After \(String(format: "%.2f", elapsed))h) ===
            Orders Placed: \(ordersPlaced)
            Orders Modified: \(ordersModified)
            WS Reconnects: \(wsReconnects)
            Errors: \(errors)
            Memory Usage:
              Current: \(String(format: "%.1f", lastSample)) MB
              Peak: \(String(format: "%.1f", peakSample)) MB
              Average: \(String(format: "%.1f", average)) MB
              Leak Check: \(lastSample < first * 1.5 ? "PASS" : "FAIL")

            """
        log.log(.info, mainLogger, message)
    }

    /// The script's `finally:` block: a final report, then disconnect.
    private func finish() {
        if sampleCount == 0 { recordMemory() }
        report()
        log.log(.info, wsLogger, "WebSocket disconnected")
    }

    private func crash() {
        writeStandardError(
            "Fatal Python error: Segmentation fault\n\nCurrent thread (most recent call first):\n"
                + "  File \"tests/load/load_test_8h.py\", line 103 in main\n")
        dieBy(SIGSEGV)
    }

    /// Alive but silent, as a deadlocked event loop: no more records, memory
    /// held, and a SIGINT kills it without the final report.
    private func hang() -> Never {
        while true {
            if interruptRequested != 0 { dieBy(SIGINT) }
            usleep(100_000)
        }
    }

    private func format(_ value: Double) -> String { String(format: "%.1f", value) }

    // MARK: Clock

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Sleeps to an absolute point on the monotonic clock (no drift), in
    /// slices of at most 200 ms so a SIGINT handled on another thread is seen
    /// promptly; false when interrupted.
    private func sleepUntil(_ deadline: Double) -> Bool {
        while true {
            if interruptRequested != 0 { return false }
            let now = Self.monotonicSeconds()
            if now >= deadline { return true }
            let until = min(deadline, now + 0.2)
            var target = timespec(tv_sec: Int(until), tv_nsec: Int((until - until.rounded(.down)) * 1e9))
            _ = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, nil)
        }
    }
}
