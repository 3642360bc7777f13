import Foundation
import HedgeOpsKit
import Testing

/// `hedgeops demo`, as a newcomer runs it (one hour lasts 1 s here).
struct DemoTests {
    @Test func theDemoGoesFromNothingToASignedVerifiablePass() throws {
        let workspace = try Workspace()
        let result = try Binary.run(
            ["demo", "--hour-seconds", "1", "--checklist", RunTests.demoChecklist], in: workspace.path)
        #expect(result.exitCode == 0, "\(result.all.suffix(2000))")
        #expect(result.stdout.contains("VERDICT: PASS"))
        #expect(result.stdout.contains("PASS    testnet-credentials"))
        #expect(result.stdout.contains("(answered by the demo)"))
        // It ends with the checkpoint table: six rows, hour 0 to hour 8.
        let rows = result.stdout.split(separator: "\n").filter { $0.hasPrefix("  h") && $0.contains(" MB ") }
        #expect(rows.map { $0.split(separator: " ").first ?? "" } == ["h0", "h1", "h2", "h4", "h6", "h8"])
        // The printed ssh-keygen command really checks the signature.
        let command = try #require(
            result.stdout.split(separator: "\n").first { $0.contains("ssh-keygen -Y verify") }.map {
                $0.trimmingCharacters(in: .whitespaces)
            })
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen") {
            let check = try ChildProcess.spawn(
                ["/bin/sh", "-c", command], environment: Binary.baseEnvironment, workingDirectory: workspace.path)
            #expect(check.wait() == .exited(0))
        }
        let bundleLine = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("  hedgeops verify ") })
        let arguments = bundleLine.split(separator: " ").dropFirst().map(String.init)
        #expect(try Binary.run(arguments, in: workspace.path).exitCode == 0)
        // Every process it started is gone.
        let mockPort = try #require(result.stdout.split(separator: "\n").first { $0.contains("listening on") })
        let url = String(mockPort.split(separator: " ").last ?? "")
        #expect(LoopbackProbe.accepts(url) == false, "the mock API was stopped")
    }

    @Test func aLeakScenarioFailsWithTheEarlyProjectionWarning() throws {
        let workspace = try Workspace()
        let result = try Binary.run(
            ["demo", "--scenario", "leak", "--hour-seconds", "1", "--checklist", RunTests.demoChecklist],
            in: workspace.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("VERDICT: FAIL"))
        #expect(result.stderr.contains("warning: memory projected to"))
    }

    /// Ctrl-C in the middle of the demo: the run is stopped and recorded as
    /// aborted, and every process the demo started is gone.
    @Test func ctrlCStopsEveryProcessTheDemoStarted() throws {
        let workspace = try Workspace()
        let out = workspace.path + "/demo.out"
        let demo = try ChildProcess.spawn(
            [Binary.path, "demo", "--hour-seconds", "1", "--checklist", RunTests.demoChecklist],
            environment: Binary.baseEnvironment, workingDirectory: workspace.path, stdoutPath: out, stderrPath: out)
        var text = ""
        for _ in 0..<300 where !text.contains("\nh1 ") {
            usleep(100_000)
            text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        }
        #expect(text.contains("\nh1 "), "\(text)")
        kill(demo.pid, SIGINT)
        #expect(demo.wait(timeout: 60) == .exited(4))
        text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let executor = try #require(
            text.split(separator: "\n").first { $0.contains("executor pid ") }.flatMap {
                $0.split(separator: " ").dropFirst(2).first.flatMap { Int32($0.trimmingCharacters(in: [":"])) }
            })
        usleep(300_000)
        #expect(kill(executor, 0) != 0, "the executor (hedge-sim run) is gone")
        let url = String(
            text.split(separator: "\n").first { $0.contains("listening on") }?.split(separator: " ").last ?? "")
        #expect(LoopbackProbe.accepts(url) == false, "the mock API was stopped")
    }
}

/// Whether something still listens at an http://127.0.0.1:PORT URL.
enum LoopbackProbe {
    static func accepts(_ url: String) -> Bool {
        guard let port = URLComponents(string: url)?.port else { return false }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

}
