import BenchSupport
import Benchmark
import Foundation
import HedgeOpsKit

/// Time and allocations per operation of the monitor's hot paths: one
/// sample of a 10-process tree, scanning 64 MiB of executor log, one
/// journal line with and without fsync, the leak trend over an 8-hour run's
/// 28,800 samples. `swift package benchmark` in Benchmarks/ runs them.
let benchmarks: @Sendable () -> Void = {
    let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .mallocCountTotal, .throughput]
    let quick = Benchmark.Configuration(metrics: metrics, maxDuration: .seconds(3), maxIterations: 100_000)
    let slow = Benchmark.Configuration(metrics: metrics, maxDuration: .seconds(5), maxIterations: 20)

    Benchmark(
        "Sample of a 10-process tree", configuration: quick,
        closure: { benchmark in
            guard let sampler = Fixtures.shared.sampler else { return }
            for _ in benchmark.scaledIterations {
                blackHole(sampler.sample(monotonic: RunClock.monotonic()))
            }
        }, setup: { try Fixtures.shared.startTree() }, teardown: { Fixtures.shared.stopTree() })

    Benchmark(
        "Scan 64 MiB of log (7 patterns)",
        configuration: .init(
            metrics: metrics, timeUnits: .milliseconds, maxDuration: .seconds(10), maxIterations: 20),
        closure: { benchmark in
            guard let file = Fixtures.shared.logFile else { return }
            for _ in benchmark.scaledIterations {
                let follower = LogFollower(
                    glob: "*.log", workingDirectory: Fixtures.shared.directory, notBefore: .distantPast,
                    patterns: ExecutorLog.patterns)
                follower.resume(file: file, offset: 0, counts: [:])
                blackHole(follower.poll(monotonic: 0))
                // Whole lines only: the file is a little under 64 MiB.
                precondition(follower.bytesRead > ExecutorLog.benchmarkSize - 4096, "read \(follower.bytesRead)")
            }
        }, setup: { try Fixtures.shared.writeLog() })

    Benchmark(
        "Journal append (fsync at most every 5 s)", configuration: quick,
        closure: { benchmark in
            guard let journal = Fixtures.shared.openJournal else { return }
            for _ in benchmark.scaledIterations { blackHole(try? journal.append("sample", Fixtures.sampleFields)) }
        }, setup: { Fixtures.shared.newJournal() }, teardown: { Fixtures.shared.openJournal = nil })

    Benchmark(
        "Journal append with fsync", configuration: .init(metrics: metrics, maxDuration: .seconds(3)),
        closure: { benchmark in
            guard let journal = Fixtures.shared.openJournal else { return }
            for _ in benchmark.scaledIterations {
                blackHole(try? journal.append("checkpoint", Fixtures.sampleFields, durable: true))
            }
        }, setup: { Fixtures.shared.newJournal() }, teardown: { Fixtures.shared.openJournal = nil })

    Benchmark(
        "Leak trend over 28,800 samples", configuration: slow,
        closure: { benchmark in
            for _ in benchmark.scaledIterations {
                var series = MemorySeries(recentHours: 60.0 / 3600)
                for index in 0..<28_800 {
                    let hour = Double(index) / 3600
                    series.add(hour: hour, mb: 70 + 0.1 * hour + Double(index % 7) * 0.05, afterWarmup: index >= 300)
                }
                blackHole(series.trend(endHour: 8, baseline: 70))
            }
        })
}

/// What the benchmarks share: a process tree, a log file, a scratch folder.
final class Fixtures: @unchecked Sendable {
    static let shared = Fixtures()

    let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hedgeops-bench-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()
    var tree: ChildProcess?
    var sampler: ProcessSampler?
    var logFile: String?
    private var journals = 0

    static let sampleFields: [String: JSONValue] = [
        "hour": .double(1.25), "rss_mb": .double(71.3), "rss_anon_mb": .double(60.1), "swap_mb": .double(0),
        "cpu_pct": .double(3.5), "threads": .int(12), "open_files": .int(40), "processes": .int(10),
        "counts": .object(["errors": .int(0), "orders_placed": .int(1200)]),
        "log_file": .string("/data/load_test/load_test_20250101_000000.log"), "log_offset": .int(123_456_789),
    ]

    /// `sh` and nine `sleep`s.
    func startTree() throws {
        let child = try ChildProcess.spawn(
            ["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9; do sleep 600 & done; wait"],
            environment: ["PATH": "/usr/bin:/bin"], workingDirectory: "/")
        tree = child
        let sampler = ProcessSampler(rootPID: child.pid)
        for _ in 0..<500 {
            if sampler.sample(monotonic: RunClock.monotonic())?.processes == 10 { break }
            usleep(10_000)
        }
        self.sampler = sampler
    }

    func stopTree() {
        tree?.signalGroup(SIGKILL)
        _ = tree?.wait()
        tree = nil
        sampler = nil
    }

    func writeLog() throws {
        let path = directory + "/executor.log"
        if FileManager.default.fileExists(atPath: path) {
            logFile = path
            return
        }
        try ExecutorLog.write(to: path, bytes: ExecutorLog.benchmarkSize)
        logFile = path
    }

    /// The journal the append benchmarks write to, made once before each of
    /// them (making a file is not what an append costs).
    var openJournal: Journal?

    /// A new journal in the scratch folder (a journal is never overwritten).
    func newJournal() {
        journals += 1
        openJournal = try? Journal(creating: directory + "/journal-\(journals).jsonl")
    }
}
