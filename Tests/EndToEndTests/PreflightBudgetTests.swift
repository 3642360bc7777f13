import Foundation
import HedgeOpsKit
import Testing

/// The pre-flight answers within 15 s whatever the network does: the network
/// checks run side by side, a timeout is said at once, and a check still
/// waiting at 15 s is given up, saying how long it waited.
struct PreflightBudgetTests {
    /// Accepts every connection and never answers, never closes.
    final class SilentListener: @unchecked Sendable {
        let port: UInt16
        private let fd: Int32
        private let held = NSLock()
        private var clients: [Int32] = []

        init() throws {
            let (fd, port) = try TestListener.open()
            self.fd = fd
            self.port = port
            Thread.detachNewThread { [self] in
                while true {
                    let client = accept(self.fd, nil, nil)
                    if client < 0 { return }
                    held.lock()
                    clients.append(client)
                    held.unlock()
                }
            }
        }

        var accepted: Int {
            held.lock()
            defer { held.unlock() }
            return clients.count
        }

        deinit {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
            clients.forEach { close($0) }
        }
    }

    /// verify-env on the demo checklist with every network timeout set to
    /// `timeout`, against the silent listener: (seconds taken, items by id).
    func verify(timeout: String, listener: SilentListener) throws -> (Double, [String: [String: Any]]) {
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        let text = try String(contentsOfFile: RunTests.demoChecklist, encoding: .utf8)
            .replacingOccurrences(of: "timeout: 10s", with: "timeout: \(timeout)")
        try workspace.write("slow.yaml", text)
        var env = RunTests.environment
        env["BITUNIX_REST_URL"] = "http://127.0.0.1:\(listener.port)"
        env["BITUNIX_WS_URL"] = "ws://127.0.0.1:\(listener.port)/public/"
        let started = Date()
        let result = try Binary.run(
            ["verify-env", "--json", "--checklist", workspace.path + "/slow.yaml"], environment: env,
            in: workspace.path)
        let seconds = Date().timeIntervalSince(started)
        #expect(result.exitCode == 1, "\(result.all)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let items = document["items"] as? [[String: Any]] ?? []
        return (
            seconds,
            Dictionary(uniqueKeysWithValues: items.compactMap { item in (item["id"] as? String).map { ($0, item) } })
        )
    }

    static let networkItems = ["testnet-reachable", "testnet-credentials", "testnet-websocket"]

    @Test func anAPIThatNeverAnswersCostsOneTimeoutNotOnePerCheckAndRetry() throws {
        let listener = try SilentListener()
        let (seconds, items) = try verify(timeout: "2s", listener: listener)
        // Three checks of 2 s, one after the other and tried 3 times each, took 18 s and more.
        #expect(seconds < 5, "took \(seconds) s")
        for id in Self.networkItems {
            #expect(items[id]?["status"] as? String == "fail", "\(id): \(items[id] ?? [:])")
        }
        let reachable = items["testnet-reachable"]?["detail"] as? String ?? ""
        #expect(reachable.contains("no answer within 2 s"), "\(reachable)")
        #expect(!reachable.contains("attempts"), "a timeout is not retried: \(reachable)")
        #expect(listener.accepted >= 3)
    }

    @Test func aPreflightGivesUpAtFifteenSecondsWhateverTheTimeouts() throws {
        let listener = try SilentListener()
        let (seconds, items) = try verify(timeout: "40s", listener: listener)
        #expect(seconds >= 14.5 && seconds < 17, "took \(seconds) s")
        for id in Self.networkItems {
            let detail = items[id]?["detail"] as? String ?? ""
            #expect(items[id]?["status"] as? String == "fail", "\(id): \(detail)")
            #expect(detail.contains("no answer within 15 s"), "\(id): \(detail)")
        }
    }
}
