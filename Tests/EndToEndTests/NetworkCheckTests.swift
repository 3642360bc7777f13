import Foundation
import HedgeOpsKit
import Testing

/// verify-env's network items against `hedge-sim api` on 127.0.0.1.
struct NetworkCheckTests {
    /// The demo checklist with 1 s timeouts, so a slow server fails fast.
    static func quickChecklist(_ workspace: Workspace) throws -> String {
        let text = try String(contentsOfFile: RunTests.demoChecklist, encoding: .utf8)
            .replacingOccurrences(of: "timeout: 10s", with: "timeout: 1s")
        try workspace.write("quick.yaml", text)
        return workspace.path + "/quick.yaml"
    }

    func verify(
        server: MockAPITests.Server, environment extra: [String: String] = [:], checklist: String? = nil
    ) throws -> [String: [String: Any]] {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        var env = RunTests.environment
        env["BITUNIX_API_KEY"] = "net-key"
        env["BITUNIX_API_SECRET"] = "net-secret"
        env["BITUNIX_REST_URL"] = server.baseURL
        env["BITUNIX_WS_URL"] = server.baseURL.replacingOccurrences(of: "http:", with: "ws:") + "/public/"
        env.merge(extra) { $1 }
        let path = try checklist ?? Self.quickChecklist(workspace)
        let result = try Binary.run(
            ["verify-env", "--json", "--checklist", path], environment: env, in: workspace.path)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let items = document["items"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: items.compactMap { item in (item["id"] as? String).map { ($0, item) } })
    }

    @Test func everyNetworkCheckPassesWithTheRightKeys() throws {
        let server = try MockAPITests.Server(["--api-key", "net-key", "--api-secret", "net-secret"])
        let items = try verify(server: server)
        #expect(items["testnet-reachable"]?["status"] as? String == "pass", "\(items["testnet-reachable"] ?? [:])")
        let reachable: String = items["testnet-reachable"]?["detail"] as? String ?? ""
        #expect(reachable.contains("clock skew"))
        #expect(items["testnet-credentials"]?["status"] as? String == "pass")
        let credentials: String = items["testnet-credentials"]?["detail"] as? String ?? ""
        #expect(credentials.contains("positionMode HEDGE"))
        // The key and the signature never reach the access log in clear... nor our output.
        #expect(!server.accessLog.contains("net-secret"))
    }

    @Test func aWrongSecretIsExplainedAsCode10007() throws {
        let server = try MockAPITests.Server(["--api-key", "net-key", "--api-secret", "other-secret"])
        let item = try #require(try verify(server: server)["testnet-credentials"])
        #expect(item["status"] as? String == "fail")
        #expect((item["detail"] as? String ?? "").contains("code 10007: signature rejected"))
        #expect((item["fix"] as? String ?? "").contains("BITUNIX_API_SECRET"))
    }

    @Test func aOneWayAccountFailsTheHedgeCheck() throws {
        let server = try MockAPITests.Server([
            "--api-key", "net-key", "--api-secret", "net-secret", "--position-mode", "ONE_WAY",
        ])
        let item = try #require(try verify(server: server)["testnet-credentials"])
        #expect(item["status"] as? String == "fail")
        #expect((item["detail"] as? String ?? "").contains("positionMode is ONE_WAY, not HEDGE"))
    }

    @Test func aSkewedClockFails() throws {
        let server = try MockAPITests.Server([
            "--api-key", "net-key", "--api-secret", "net-secret", "--clock-skew-ms", "5000",
        ])
        let item = try #require(try verify(server: server)["testnet-reachable"])
        #expect(item["status"] as? String == "fail")
        #expect((item["detail"] as? String ?? "").contains("signed requests will be rejected"))
    }

    @Test func aSlowServerTimesOutWithoutHanging() throws {
        let server = try MockAPITests.Server([
            "--api-key", "net-key", "--api-secret", "net-secret", "--latency-ms", "3000",
        ])
        let started = Date()
        let item = try #require(try verify(server: server)["testnet-reachable"])
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(item["status"] as? String == "fail")
        // A timeout is said at once: only an answer that says "later" is tried again.
        #expect((item["detail"] as? String ?? "").contains("no answer within 1 s"))
        #expect(!(item["detail"] as? String ?? "").contains("attempts"))
    }

    @Test func serverErrorsAreRetriedThenReported() throws {
        let always = try MockAPITests.Server(["--api-key", "net-key", "--api-secret", "net-secret", "--fail-rate", "1"])
        let failed = try #require(try verify(server: always)["testnet-reachable"])
        #expect(failed["status"] as? String == "fail")
        #expect((failed["detail"] as? String ?? "").contains("HTTP 500 after 3 attempts"))
        // Half the requests fail: with retries the check goes through.
        let half = try MockAPITests.Server([
            "--api-key", "net-key", "--api-secret", "net-secret", "--fail-rate", "0.5", "--random-start", "3",
        ])
        let items = try verify(server: half)
        #expect(items["testnet-reachable"]?["status"] as? String == "pass", "\(items["testnet-reachable"] ?? [:])")
        #expect(items["testnet-credentials"]?["status"] as? String == "pass", "\(items["testnet-credentials"] ?? [:])")
        #expect(half.accessLog.contains("-> 500"))
    }

    /// The live host name pointed at a loopback listener: the gate refuses
    /// and the listener never sees a connection.
    @Test func aLiveHostIsRefusedBeforeAnyConnection() throws {
        let listener = try LoopbackListener()
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        var env = RunTests.environment
        env["BITUNIX_REST_URL"] = "https://fapi.bitunix.com:\(listener.port)"
        env["BITUNIX_WS_URL"] = "ws://127.0.0.1:\(listener.port)/public/"
        env["HEDGEOPS_RESOLVE"] = "fapi.bitunix.com:\(listener.port):127.0.0.1"
        let result = try Binary.run(
            ["verify-env", "--checklist", RunTests.demoChecklist], environment: env, in: workspace.path)
        #expect(result.exitCode == 3)
        #expect(result.stdout.contains("no connection attempted"))
        Thread.sleep(forTimeInterval: 0.2)
        #expect(listener.accepted == 0)
    }
}

/// A TCP listener on 127.0.0.1 that counts the connections it accepts.
final class LoopbackListener: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var count = 0

    var accepted: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    init() throws {
        let (fd, port) = try TestListener.open()
        self.fd = fd
        self.port = port
        Thread.detachNewThread { [self] in
            let fd = self.fd
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                lock.lock()
                count += 1
                lock.unlock()
                close(client)
            }
        }
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}
