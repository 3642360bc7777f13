import Foundation
import HedgeOpsKit
import Testing

/// Every process the executor starts is counted: a double-forked grandchild
/// (reparented to hedgeops, the child subreaper) and short-lived workers
/// whose CPU is only left in their parent's `cutime` once reaped.
struct ProcessTreeTests {
    /// An executor that double-forks a 100 MB daemon (setsid, so it leaves the
    /// process group too) and then runs short CPU-bound workers one after the
    /// other until it is stopped; it writes what the kernel says it used.
    static let executor = #"""
        import os, resource, signal, subprocess, sys, time
        pid = os.fork()
        if pid == 0:
            os.setsid()
            if os.fork() == 0:
                block = bytearray(100 * 1024 * 1024)
                for i in range(0, len(block), 4096):
                    block[i] = 1
                with open("grandchild.pid", "w") as f:
                    f.write(str(os.getpid()))
                time.sleep(600)
                os._exit(0)
            os._exit(0)
        os.waitpid(pid, 0)
        stop = False
        def ask_stop(*_):
            global stop
            stop = True
        signal.signal(signal.SIGINT, ask_stop)
        while not stop:
            worker = subprocess.Popen([sys.executable, "-c", "x = 0\nfor i in range(1500000): x += i"])
            worker.wait()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        mine = resource.getrusage(resource.RUSAGE_SELF)
        with open("tree.cpu", "w") as f:
            f.write(str(usage.ru_utime + usage.ru_stime + mine.ru_utime + mine.ru_stime))
        """#

    @Test func aDoubleForkedGrandchildAndShortLivedWorkersAreInTheFigures() throws {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        try workspace.write("tree.py", Self.executor)
        let text = try String(contentsOfFile: RunTests.demoChecklist, encoding: .utf8)
        try workspace.write(
            "tree.yaml",
            text.replacingOccurrences(
                of: "command: [hedge-sim, run, --log-dir, data/load_test]", with: "command: [python3, tree.py]"))
        let scale = 1800.0
        let result = try Binary.run(
            ["run", "--checklist", workspace.path + "/tree.yaml", "--yes", "--time-scale", String(scale)],
            environment: RunTests.environment, in: workspace.path)
        defer {
            if let text = try? String(contentsOfFile: workspace.path + "/grandchild.pid", encoding: .utf8),
                let pid = Int32(text)
            {
                kill(pid, SIGKILL)
            }
        }
        #expect([0, 1].contains(result.exitCode), "\(result.all)")
        let grandchildText = try String(contentsOfFile: workspace.path + "/grandchild.pid", encoding: .utf8)
        let grandchild = try #require(Int32(grandchildText))
        // The grandchild still lives (nobody stopped it: it left the group); /proc says what it holds.
        let status = try String(contentsOfFile: "/proc/\(grandchild)/status", encoding: .utf8)
        let rssLine = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let grandchildMB = (Double(rssLine.split(whereSeparator: \.isWhitespace)[1]) ?? 0) / 1024
        #expect(grandchildMB > 100)

        let folder = try #require(try RunTests.runFolder(workspace))
        let rows = try String(contentsOfFile: folder + "/samples.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let samples = rows.compactMap { row -> (seconds: Double, rss: Double, cpu: Double?)? in
            guard row.count > 5, let hour = Double(row[0]), let rss = Double(row[2]) else { return nil }
            return (hour * 3600 / scale, rss, Double(row[5]))
        }
        try #require(samples.count > 20)
        // Late samples, when the grandchild long holds its block: it is in the tree's memory.
        let late = samples.suffix(samples.count / 2)
        let lowest = late.map(\.rss).min() ?? 0
        #expect(lowest > grandchildMB, "tree RSS \(lowest) MB must include the grandchild's \(grandchildMB) MB")

        // CPU: the figures integrated over the run against what the kernel charged the tree.
        var integrated = 0.0
        for (previous, next) in zip(samples, samples.dropFirst()) {
            integrated += (next.cpu ?? 0) / 100 * (next.seconds - previous.seconds)
        }
        let charged = try #require(
            Double(try String(contentsOfFile: workspace.path + "/tree.cpu", encoding: .utf8)))
        #expect(charged > 2, "the workers ran")
        #expect(
            integrated > 0.8 * charged && integrated < 1.2 * charged,
            "sampled CPU \(integrated) s against \(charged) s charged by the kernel")
    }
}
