import BenchSupport
import Foundation
import HedgeOpsKit

// hedgeops's log follower on its own, for Benchmarks/compare.sh:
//   hedgeops-logscan generate FILE BYTES     write a generated executor log
//   hedgeops-logscan scan FILE               read it all; print bytes, seconds, MB/s and counts (JSON)
//   hedgeops-logscan follow DIR SECONDS TICK follow DIR/*.log as a run does; print the CPU it used (JSON)

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

func json(_ object: [String: Any]) {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    print(String(decoding: data, as: UTF8.self))
}

let arguments = CommandLine.arguments
switch arguments.dropFirst().first {
case "generate" where arguments.count == 4:
    try ExecutorLog.write(to: arguments[2], bytes: Int(arguments[3]) ?? ExecutorLog.benchmarkSize)
case "scan" where arguments.count == 3:
    let file = arguments[2]
    let directory = (file as NSString).deletingLastPathComponent
    let follower = LogFollower(
        glob: (file as NSString).lastPathComponent, workingDirectory: directory, notBefore: .distantPast,
        patterns: ExecutorLog.patterns)
    follower.resume(file: file, offset: 0, counts: [:])
    var info = stat()
    stat(file, &info)
    let start = RunClock.monotonic()
    while follower.bytesRead < Int(info.st_size) {
        let before = follower.bytesRead
        _ = follower.poll(monotonic: RunClock.monotonic())
        if follower.bytesRead == before { break }
    }
    let seconds = RunClock.monotonic() - start
    json([
        "bytes": follower.bytesRead, "seconds": seconds, "mb_per_s": Double(follower.bytesRead) / 1_048_576 / seconds,
        "counts": follower.counts,
    ])
case "follow" where arguments.count == 5:
    let follower = LogFollower(
        glob: "*.log", workingDirectory: arguments[2], notBefore: Date(), patterns: ExecutorLog.patterns)
    // Read as a run reads it while sampling every TICK seconds: at most every logReadInterval.
    let seconds = Double(arguments[3]) ?? 10
    let tick = max(Double(arguments[4]) ?? 0.025, RunSupervisor.logReadInterval)
    let start = RunClock.monotonic(), cpu = cpuSeconds()
    var next = start
    while RunClock.monotonic() - start < seconds {
        _ = follower.poll(monotonic: RunClock.monotonic())
        next += tick
        RunClock.sleep(until: next)
    }
    json([
        "bytes": follower.bytesRead, "seconds": RunClock.monotonic() - start, "cpu_seconds": cpuSeconds() - cpu,
        "counts": follower.counts,
    ])
default:
    FileHandle.standardError.write(
        Data("usage: hedgeops-logscan generate FILE BYTES | scan FILE | follow DIR SECONDS TICK\n".utf8))
    exit(2)
}
