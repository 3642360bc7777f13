import Foundation
import HedgeOpsKit
import Testing

/// Webhook notifications during a real run, to a receiver on 127.0.0.1.
struct WebhookTests {
    @Test func notificationsArriveAndAreRetried() throws {
        let receiver = try WebhookReceiver(failFirst: 2)
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        var env = RunTests.environment
        env["HEDGEOPS_NOTIFY_URL"] = "http://127.0.0.1:\(receiver.port)/hook"
        let result = try Binary.run(
            ["run", "--checklist", RunTests.demoChecklist, "--time-scale", "3600", "--yes"], environment: env,
            in: workspace.path)
        #expect(result.exitCode == 0, "\(result.all)")
        let bodies = receiver.bodies.compactMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        let events = bodies.compactMap { $0["event"] as? String }
        #expect(Set(events).isSuperset(of: ["started", "checkpoint", "verdict"]), "\(events)")
        #expect(events.filter { $0 == "checkpoint" }.count == 6)
        let verdict = try #require(bodies.first { $0["event"] as? String == "verdict" })
        #expect(verdict["verdict"] as? String == "PASS")
        #expect((verdict["text"] as? String ?? "").contains("VERDICT PASS"), "a Slack-compatible text")
        #expect(receiver.requests >= bodies.count + 2, "the first two answers were 500 and were retried")
        // Deliveries are in the journal, and the journal still matches results.json.
        let folder = try #require(try RunTests.runFolder(workspace))
        let journal = try RawJournal(path: folder + "/journal.jsonl")
        #expect(journal.events.contains { $0["type"] as? String == "notified" && ($0["attempts"] as? Int ?? 0) > 1 })
        let status = try Binary.run(["status"], environment: env, in: workspace.path)
        #expect(status.exitCode == 0, "\(status.all)")
    }

    @Test func aDeadWebhookNeverHoldsUpTheRun() throws {
        let receiver = try WebhookReceiver(failFirst: Int.max)
        let workspace = try Workspace()
        try workspace.mkdir("data/load_test")
        var env = RunTests.environment
        env["HEDGEOPS_NOTIFY_URL"] = "http://127.0.0.1:\(receiver.port)/hook"
        let started = Date()
        let result = try Binary.run(
            ["run", "--checklist", RunTests.demoChecklist, "--time-scale", "3600", "--yes"], environment: env,
            in: workspace.path)
        #expect(result.exitCode == 0)
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(result.stderr.contains("webhook notification"))
        let folder = try #require(try RunTests.runFolder(workspace))
        let data = try #require(FileManager.default.contents(atPath: folder + "/results.json"))
        let results = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        // Every checkpoint was recorded on time regardless.
        #expect((results["checkpoints"] as? [[String: Any]])?.filter { $0["missed"] as? Bool == false }.count == 6)
        let journal = try RawJournal(path: folder + "/journal.jsonl")
        #expect(journal.events.contains { $0["type"] as? String == "notify_failed" })
    }
}

/// A minimal HTTP receiver on 127.0.0.1: records request bodies, answers
/// 500 to the first `failFirst` requests and 200 after.
final class WebhookReceiver: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32
    private let lock = NSLock()
    private var received: [Data] = []
    private var count = 0

    var bodies: [Data] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    var requests: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    init(failFirst: Int) throws {
        let (fd, port) = try TestListener.open()
        self.fd = fd
        self.port = port
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                let body = Self.readRequest(client)
                lock.lock()
                count += 1
                let fail = count <= failFirst
                if !fail, let body { received.append(body) }
                lock.unlock()
                let reply = fail ? "HTTP/1.1 500 Internal Server Error" : "HTTP/1.1 200 OK"
                let response = reply + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                _ = response.withCString { write(client, $0, strlen($0)) }
                close(client)
            }
        }
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    /// Reads headers, then Content-Length bytes of body.
    private static func readRequest(_ client: Int32) -> Data? {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { return nil }
            data.append(contentsOf: buffer[0..<n])
            guard let end = data.range(of: Data("\r\n\r\n".utf8)) else { continue }
            let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
            let length =
                head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if data.count - end.upperBound >= length { return data[end.upperBound..<(end.upperBound + length)] }
        }
    }
}
