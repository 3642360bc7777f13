import Foundation
import Testing

@testable import HedgeOpsKit

/// The run's decisions without time: whole eight-hour runs of the shipped
/// checklist are driven through ``RunCore`` on made-up clock values, the way
/// the supervisor's loop drives it, and each finishes in milliseconds.
struct RunCoreTests {
    /// The shipped checklist's 8 h run, sampled every 5 s, at `scale`.
    static func core(scale: Double = 60, launch: Double = 1000) throws -> RunCore {
        let checklist = try ChecklistLoader.load(path: Fixture.shippedChecklist)
        return RunCore(plan: .init(checklist: checklist, timeScale: scale), launch: launch)
    }

    /// A busy, healthy log: orders and no errors, a line every moment.
    static func healthyLog(_ now: Double) -> RunCore.LogState {
        RunCore.LogState(
            counts: ["orders_placed": 5000, "errors": 0, "ws_reconnects": 1, "error_lock": 0], wsState: "Connected",
            lastLineAt: now)
    }

    /// What the loop recorded while driving the core.
    struct Drive {
        var core: RunCore
        var now: Double
        var samples = 0
        var checkpoints: [CheckpointRecord] = []
        var projections: [String] = []
        var silences: [RunCore.SilenceChange] = []
        var ending: RunCore.Ending?

        init(_ core: RunCore) {
            self.core = core
            now = core.launch
        }

        /// The supervisor's loop, on a clock that jumps to each wake-up.
        ///
        /// - Parameters:
        ///   - memory: MB at a run hour.
        ///   - exit: the executor's end, if it ends by itself: run hour and how.
        ///   - stop: the planned stop's outcome.
        mutating func run(
            memory: (Double) -> Double, log: (Double) -> RunCore.LogState = RunCoreTests.healthyLog,
            exit: (hour: Double, termination: ChildProcess.Termination)? = nil,
            stop: ChildProcess.Termination = .signaled(SIGINT), untilHour: Double = .infinity
        ) {
            while ending == nil && core.hour(at: now) < untilHour {
                let hour = core.hour(at: now)
                let gone = exit.map { hour >= $0.hour } ?? false
                if core.isSampleDue(now) {
                    if !gone { sample(memory(hour)) }
                    core.sampleTaken(at: now)
                }
                for checkpoint in core.checkpointsDue(now) {
                    record(checkpoint, log: log(now), missed: gone, note: gone ? "the executor had ended" : nil)
                }
                if gone, let exit {
                    ending = core.classify(exit.termination, at: now, stoppedByUs: false)
                    break
                }
                if let change = core.silence(at: now, lastLineAt: log(now).lastLineAt) { silences.append(change) }
                if core.isOver(now) {
                    sample(memory(hour))
                    for checkpoint in core.checkpointsAtEnd { record(checkpoint, log: log(now), missed: false) }
                    ending = core.classify(stop, at: now, stoppedByUs: true)
                    break
                }
                let wake = core.nextWake(after: now)
                guard wake > now && wake <= now + 0.2 + 1e-9 else {
                    Issue.record("woke at \(wake) after \(now)")
                    return
                }
                now = wake
            }
            guard let ending else { return }
            for checkpoint in core.unrecorded {
                record(checkpoint, log: log(now), missed: true, note: "not reached: \(ending.detail)")
            }
        }

        mutating func sample(_ mb: Double) {
            samples += 1
            core.add(
                ProcessSample(
                    monotonic: now, rssMB: mb, rssAnonMB: mb * 0.8, swapMB: 0, cpuPercent: 4, threads: 12,
                    openFiles: 30, processes: 1), at: now)
        }

        mutating func record(_ checkpoint: Checkpoint, log: RunCore.LogState, missed: Bool, note: String? = nil) {
            let outcome = core.checkpoint(
                checkpoint, at: now, wallTime: "t", log: log, pssMB: missed ? nil : 50, missed: missed, note: note)
            checkpoints.append(outcome.record)
            if let projection = outcome.projection { projections.append(projection.message) }
        }

        func criterion(_ id: String, log: RunCore.LogState) -> CriterionResult? {
            core.criteria(end: ending, counts: log.counts).first { $0.id == id }
        }
    }

    @Test func aHealthyRunPassesEveryCriterion() throws {
        var drive = Drive(try Self.core())
        drive.run(memory: { hour in 80 + 2 * sin(hour * 7) })
        let ending = try #require(drive.ending)
        #expect(ending.end == .normal)
        #expect(
            ending.detail
                == "ran the full 8 h; stopped by hedgeops at the planned end (it shut down on SIGINT, as asked)")
        #expect(drive.checkpoints.map(\.hour) == [0, 1, 2, 4, 6, 8])
        #expect(drive.checkpoints.allSatisfy { !$0.missed && $0.rssMB != nil && $0.samples >= 5 })
        #expect(drive.projections.isEmpty)
        #expect(drive.silences.isEmpty)
        // 8 h at one sample per 5 s, and the one at the end.
        #expect((8 * 720...8 * 720 + 2).contains(drive.samples), "\(drive.samples)")
        let results = drive.core.criteria(end: drive.ending, counts: Self.healthyLog(0).counts)
        #expect(results.count == 6)
        for result in results { #expect(result.passed, "\(result.id): \(result.detail)") }
    }

    @Test func aLeakIsProjectedAtHourOneAndFailsAtTheVerdict() throws {
        var drive = Drive(try Self.core())
        drive.run(memory: { hour in 80 * (1 + 0.2 * hour) })
        #expect(drive.ending?.end == .normal)
        // The projection warns from hour 1 on: 80 MB rising 16 MB/h reaches 208 MB at hour 8.
        #expect(drive.projections.count == 5)
        let first = try #require(drive.projections.first)
        #expect(first.hasPrefix("memory projected to 2.5"), "\(first)")
        #expect(first.hasSuffix("at hour 8: the leak criterion (< 1.50×) will fail"))
        let hour1 = try #require(drive.checkpoints.first { $0.hour == 1 })
        #expect((hour1.trend?.rising ?? false) && (hour1.trend?.projectedRatio ?? 0) > 2.4)
        let leak = try #require(drive.criterion("memory-leak", log: Self.healthyLog(0)))
        #expect(!leak.passed)
        #expect(abs((leak.value ?? 0) - 208.0 / 80.3) < 0.05, "\(leak.detail)")
    }

    @Test func aCrashMidRunLeavesTheRemainingCheckpointsMissedWithTheReason() throws {
        var drive = Drive(try Self.core())
        drive.run(memory: { _ in 80 }, exit: (3.0, .signaled(SIGSEGV)))
        let ending = try #require(drive.ending)
        #expect(ending.end == .crashed)
        #expect(ending.detail.hasPrefix("crashed at hour 3.00: killed by signal 11"), "\(ending.detail)")
        #expect(drive.checkpoints.map(\.hour) == [0, 1, 2, 4, 6, 8])
        let missed = drive.checkpoints.filter(\.missed)
        #expect(missed.map(\.hour) == [4, 6, 8])
        #expect(missed.allSatisfy { $0.note == "not reached: \(ending.detail)" && $0.rssMB == nil && $0.trend == nil })
        let full = try #require(drive.criterion("no-crashes", log: Self.healthyLog(0)))
        #expect(!full.passed && full.detail == ending.detail)
        let leak = try #require(drive.criterion("memory-leak", log: Self.healthyLog(0)))
        #expect(leak.value == nil && leak.detail.hasPrefix("inconclusive: the final checkpoint (hour 8) was missed"))
    }

    @Test func aHangIsRecordedOnceAndItsEndToo() throws {
        var drive = Drive(try Self.core())
        // The log stops at hour 2 and speaks again at hour 3.
        let launch = drive.core.launch
        let scale = drive.core.plan.timeScale
        func log(_ now: Double) -> RunCore.LogState {
            let hour = (now - launch) * scale / 3600
            var state = RunCoreTests.healthyLog(now)
            if hour >= 2 && hour < 3 { state.lastLineAt = launch + 2 * 3600 / scale }
            return state
        }
        drive.run(memory: { _ in 80 }, log: log)
        guard case .began(let hour, let message) = drive.silences.first else {
            Issue.record("no silence: \(drive.silences)")
            return
        }
        #expect(drive.silences.count == 2 && drive.silences.last == .ended)
        // Ten minutes of silence past hour 2, seen at the next wake-up.
        #expect(hour > 2 + 10.0 / 60 && hour < 2 + 10.5 / 60, "\(hour)")
        #expect(message.contains("silent for more than 10 min"))
        #expect(drive.core.silences == 1)
        let stuck = try #require(drive.criterion("state-machine", log: Self.healthyLog(0)))
        #expect(!stuck.passed && stuck.detail.contains("the log went silent 1 time(s): stuck"))
    }

    @Test func aQuietSecondIsNotAHangAtAnyTimeScale() throws {
        var core = try Self.core(scale: 36000)
        // Ten simulated minutes are 1/60 s of real time here: still no hang before a real second.
        #expect(core.silence(at: core.launch + 0.9, lastLineAt: core.launch) == nil)
        #expect(core.silence(at: core.launch + 1.1, lastLineAt: core.launch) != nil)
        #expect(core.silence(at: core.launch + 1.2, lastLineAt: core.launch) == nil, "said once")
    }

    /// A loaded machine can take seconds to start the executor: before its
    /// first line, the log is silent only after five real seconds (or the
    /// checklist's limit, when longer).
    @Test func theStartUpIsGivenFiveRealSecondsBeforeTheLogIsSilent() throws {
        var compressed = try Self.core(scale: 3600)
        #expect(compressed.silence(at: compressed.launch + 4.9, lastLineAt: nil) == nil)
        #expect(compressed.silence(at: compressed.launch + 5.1, lastLineAt: nil) != nil)
        var real = try Self.core(scale: 1)
        #expect(real.silence(at: real.launch + 599, lastLineAt: nil) == nil)
        #expect(real.silence(at: real.launch + 601, lastLineAt: nil) != nil)
    }

    @Test func checkpointsInAGapAfterResumeAreMissedWithTheNearestLaterValue() throws {
        var before = Drive(try Self.core())
        before.run(memory: { hour in 80 + hour }, untilHour: 1.5)
        #expect(before.checkpoints.map(\.hour) == [0, 1])

        // A new supervisor at hour 4.3: the same launch, the journal's samples and checkpoints.
        var core = try Self.core()
        core.restore(checkpoints: before.checkpoints, silences: 0)
        core.replay(hour: 1.4, mb: 81.4, threads: 12, openFiles: 30, cpuPercent: 4)
        let now = core.launch + 4.3 * 3600 / core.plan.timeScale
        let due = core.gapCheckpoints(now)
        #expect(due.map(\.hour) == [2, 4])
        core.add(
            ProcessSample(
                monotonic: now, rssMB: 84.3, rssAnonMB: 70, swapMB: 0, cpuPercent: 4, threads: 12, openFiles: 30,
                processes: 1), at: now)
        let filled = core.fillGap(due, at: now, wallTime: "t", log: Self.healthyLog(now), executorAlive: true)
        #expect(filled.map(\.record.hour) == [2, 4])
        for outcome in filled {
            #expect(outcome.record.missed && outcome.record.rssMB == 84.3)
            #expect(
                outcome.record.note
                    == "fell in the gap while hedgeops was not running; value is the nearest later sample, at hour 4.30"
            )
            #expect(outcome.projection == nil)
        }
        #expect(core.unrecorded.map(\.hour) == [6, 8])
        #expect(core.gapCheckpoints(now).isEmpty)

        // The executor died in the gap: no value at all.
        var dead = try Self.core()
        dead.restore(checkpoints: before.checkpoints, silences: 0)
        let lost = dead.fillGap(due, at: now, wallTime: "t", log: Self.healthyLog(now), executorAlive: false)
        #expect(
            lost.allSatisfy {
                $0.record.rssMB == nil && $0.record.note == "fell in the gap while hedgeops was not running"
            })
    }

    @Test func aMissedFinalCheckpointIsNoFinalMemory() throws {
        var drive = Drive(try Self.core())
        drive.run(memory: { _ in 80 }, untilHour: 7)
        let late = drive.core.launch + 8.2 * 3600 / drive.core.plan.timeScale
        drive.now = late
        let final = try #require(drive.core.checkpointsDue(late).first)
        drive.record(final, log: Self.healthyLog(late), missed: true, note: "the executor had ended")
        let record = try #require(drive.checkpoints.last)
        #expect(record.missed && record.rssMB == nil && record.pssMB == nil && record.windowStartHour == nil)
        let leak = try #require(drive.core.criteria(end: nil, counts: [:]).first { $0.id == "memory-leak" })
        #expect(leak.detail == "inconclusive: the final checkpoint (hour 8) was missed: the executor had ended")
    }

    @Test func hourZeroIsAFiveSampleMedianAfterTheWarmupAtALargeTimeScale() throws {
        // An hour in a second: samples 90 simulated seconds apart (the 0.025 s floor).
        var drive = Drive(try Self.core(scale: 3600))
        #expect(drive.core.tick == RunCore.minimumSampleInterval)
        #expect(drive.core.checkpointWindow == 450, "widened from 60 s to five samples")
        #expect(drive.core.warmup == 1800, "hour 0 waits for the executor's first log line")
        _ = drive.core.silence(at: drive.core.launch, lastLineAt: drive.core.launch)
        #expect(drive.core.warmup == 720, "0.2 s of real time after it")
        let hour0 = try #require(drive.core.plan.checkpoints.first)
        #expect(drive.core.dueOffset(hour0) == 720 + 450)
        // A start-up blip of 400 MB in the warm-up is never the baseline.
        drive.run(memory: { hour in hour * 3600 < 600 ? 400 : 80 })
        let baseline = try #require(drive.checkpoints.first { $0.hour == 0 })
        #expect(baseline.rssMB == 80)
        #expect(baseline.samples >= 5)
        #expect((baseline.windowStartHour ?? 0) >= 720.0 / 3600)
        #expect(abs((baseline.windowEndHour ?? 0) - 1170.0 / 3600) < 0.03)
        let failed = drive.core.criteria(end: drive.ending, counts: Self.healthyLog(0).counts).filter { !$0.passed }
        #expect(failed.isEmpty, "\(failed.map(\.detail))")
    }

    /// A loaded machine takes a quarter of a second or more to start the
    /// executor: at an hour a second that is a quarter of an hour, and hour 0
    /// must not be its start-up.
    @Test func aSlowStartMovesTheWarmupToTheFirstLogLine() throws {
        let core = try Self.core(scale: 3600)
        var late = core
        _ = late.silence(at: core.launch + 0.25, lastLineAt: core.launch + 0.25)
        #expect(abs(late.warmup - 0.45 * 3600) < 1e-6)
        let hour0 = try #require(core.plan.checkpoints.first)
        #expect(abs(late.dueOffset(hour0) - (0.45 * 3600 + 450)) < 1e-6)
        // A first line later than half an hour of run time: the warm-up stops there, before hour 1.
        var never = core
        _ = never.silence(at: core.launch + 0.9, lastLineAt: core.launch + 0.9)
        #expect(never.warmup == 1800)
        // After a resume, the warm-up is where hour 0's window started.
        var resumed = core
        var record = CheckpointRecord(
            hour: 0, label: "Memory Hour 0", at: "", rssMB: 80, pssMB: nil, samples: 5, windowSeconds: 450,
            cpuPercent: nil, threads: nil, openFiles: nil, counts: [:], wsState: nil, errorLockSeen: false,
            trend: nil, missed: false, note: nil, threadsPerHour: nil, openFilesPerHour: nil)
        record.windowStartHour = 0.3
        resumed.restore(checkpoints: [record], silences: 0)
        #expect(abs(resumed.warmup - 0.3 * 3600) < 1e-6)
    }

    @Test func thePlannedStopAndTheExecutorsOwnEndsAreClassified() throws {
        let core = try Self.core()
        let end = core.end
        func classify(
            _ termination: ChildProcess.Termination?, at now: Double, byUs: Bool = false, unwatched: Bool = false
        ) -> (RunCore.Ending, RunFacts) {
            var copy = core
            let ending = copy.classify(termination, at: now, stoppedByUs: byUs, unwatched: unwatched)
            return (ending, copy.facts(end: ending, counts: [:]))
        }
        let planned: [(ChildProcess.Termination?, String)] = [
            (.signaled(SIGINT), "it shut down on SIGINT, as asked"),
            (.signaled(SIGTERM), "it did not stop on SIGINT; it shut down on SIGTERM"),
            (.signaled(SIGKILL), "it ignored SIGINT and SIGTERM; killed with SIGKILL"),
            (.exited(3), "exit 3"), (nil, "ended"),
        ]
        for (termination, words) in planned {
            let (ending, facts) = classify(termination, at: end, byUs: true)
            #expect(ending.end == .normal && facts.fullDuration == true)
            #expect(ending.detail == "ran the full 8 h; stopped by hedgeops at the planned end (\(words))")
        }
        #expect(classify(.exited(0), at: end - 1).0.detail == "ended by itself at the planned end (exit 0)")
        let early = classify(.exited(0), at: end - 120)
        #expect(early.0.end == .childEndedEarly && early.0.detail == "ended early at hour 6.00 (exit 0)")
        #expect(early.1.fullDuration == false)
        let watched = classify(.vanished, at: end + 1)
        #expect(watched.0.end == .normal && watched.1.fullDuration == true)
        let unwatched = classify(.vanished, at: end + 1, unwatched: true)
        #expect(unwatched.0.end == .normal && unwatched.1.fullDuration == nil, "no exit status: not judged")
        let vanishedEarly = classify(.vanished, at: end - 120)
        #expect(vanishedEarly.0.end == .crashed)
        #expect(core.aborted("SIGINT", at: end - 240).detail == "aborted by operator (SIGINT)")
    }

    @Test func theLoopWakesForTheNextSampleCheckpointOrEndAndNeverLater() throws {
        var core = try Self.core(scale: 3600)
        let launch = core.launch
        #expect(core.isSampleDue(launch))
        core.sampleTaken(at: launch + 0.001)
        #expect(!core.isSampleDue(launch + 0.02))
        #expect(core.nextWake(after: launch + 0.001) == launch + 0.025)
        // A late wake-up keeps the grid: the next sample is not pushed back.
        core.sampleTaken(at: launch + 0.06)
        #expect(abs(core.nextWake(after: launch + 0.06) - (launch + 0.075)) < 1e-9)
        // At the scale of one, with a sample every 5 s, the 1 s cap keeps a dead child seen soon.
        var slow = try Self.core(scale: 1)
        slow.sampleTaken(at: slow.launch + 1)
        #expect(slow.nextWake(after: slow.launch + 1.5) == slow.launch + 2.5)
        slow.sampleTaken(at: slow.end - 0.1)
        #expect(slow.nextWake(after: slow.end - 0.1) == slow.end)
    }
}
