import Foundation
import HedgeOpsKit
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `hedge-sim api` over real HTTP on 127.0.0.1.
struct MockAPITests {
    /// A running mock; stopped with SIGINT when the test is done.
    final class Server {
        let process: ChildProcess
        let baseURL: String
        let workspace: Workspace

        init(_ arguments: [String]) throws {
            workspace = try Workspace()
            let out = workspace.path + "/stdout.txt"
            process = try ChildProcess.spawn(
                [SimBinary.path, "api", "--port", "0"] + arguments, environment: Binary.baseEnvironment,
                workingDirectory: workspace.path, stdoutPath: out, stderrPath: workspace.path + "/stderr.txt")
            var announced = ""
            for _ in 0..<500 where !announced.contains("\n") {
                announced = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
                if !process.isRunning { break }
                usleep(10_000)
            }
            guard let line = announced.split(separator: "\n").first, line.hasPrefix("listening on http://127.0.0.1:")
            else {
                process.signalGroup(SIGKILL)
                throw ServerError(message: "no 'listening on' line: \(announced)")
            }
            baseURL = String(line.dropFirst("listening on ".count))
        }

        deinit {
            process.signalGroup(SIGINT)
            if process.wait(timeout: 5) == nil {
                process.signalGroup(SIGKILL)
                _ = process.wait(timeout: 5)
            }
        }

        var port: UInt16 { UInt16(baseURL.split(separator: ":").last ?? "") ?? 0 }

        /// The server's peak resident memory so far, from /proc.
        var peakResidentMB: Double? {
            guard let status = try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                let kilobytes = Double(line.split(separator: " ", omittingEmptySubsequences: true)[1])
            else { return nil }
            return kilobytes / 1024
        }

        var accessLog: String { (try? String(contentsOfFile: workspace.path + "/stderr.txt", encoding: .utf8)) ?? "" }
    }

    struct ServerError: Error { var message: String }

    struct Answer {
        var status: Int
        var json: [String: Any]
        var date: String?
        var seconds: Double
        /// Wall-clock bounds of the exchange, to judge the Date header however slow the machine.
        var sent: Date
        var received: Date

        /// The served Date, parsed; nil if absent or malformed.
        var served: Date? {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            return date.flatMap { formatter.date(from: $0) }
        }

        /// Whether the served Date, less `skew`, fell within the exchange
        /// (HTTP dates have whole seconds: allow one).
        func servedWithin(skew: Double = 0) -> Bool {
            guard let served else { return false }
            let t = served.timeIntervalSince1970 - skew
            return t >= sent.timeIntervalSince1970 - 1.01 && t <= received.timeIntervalSince1970 + 0.01
        }
    }

    func request(_ url: String, method: String = "GET", headers: [String: String] = [:], body: String? = nil)
        async throws -> Answer
    {
        var request = URLRequest(url: try #require(URL(string: url)))
        request.timeoutInterval = 10
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = Data(body.utf8) }
        let started = Date()
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return Answer(
            status: http.statusCode, json: json, date: http.value(forHTTPHeaderField: "Date"),
            seconds: Date().timeIntervalSince(started), sent: started, received: Date())
    }

    /// Headers as the executor signs them.
    func signed(key: String, secret: String, nonce: String, timestamp: String, query: [String: String], body: String)
        -> [String: String]
    {
        [
            "api-key": key, "nonce": nonce, "timestamp": timestamp,
            "sign": BitunixSignature.sign(
                nonce: nonce, timestamp: timestamp, apiKey: key, secretKey: secret,
                queryString: BitunixSignature.queryString(query), body: body),
        ]
    }

    func query(_ parameters: [String: String]) -> String {
        parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    @Test func tickersAnswerInBitunixsEnvelopeWithARealDate() async throws {
        let server = try Server([])
        let answer = try await request(server.baseURL + "/api/v1/futures/market/tickers?symbols=BTCUSDT")
        #expect(answer.status == 200)
        #expect(answer.json["code"] as? Int == 0)
        #expect(answer.json["msg"] as? String == "Success")
        let data = try #require(answer.json["data"] as? [[String: Any]])
        #expect(data.first?["symbol"] as? String == "BTCUSDT")
        #expect(answer.served != nil, "Date header: \(answer.date ?? "none")")
        #expect(answer.servedWithin(), "served \(answer.date ?? "none") outside \(answer.sent)…\(answer.received)")
    }

    /// Every shared vector's signature is accepted; one changed character is 10007.
    @Test(arguments: BitunixVectors.all)
    func theSharedSigningVectorsAreAcceptedAndATamperedOneIsNot(_ vector: BitunixVectors.Vector) async throws {
        // Recorded requests: their timestamps are long past, so the window is off.
        let server = try Server([
            "--api-key", vector.apiKey, "--api-secret", vector.secretKey, "--timestamp-window-ms", "0",
        ])
        let isOrder = !vector.body.isEmpty
        let path = isOrder ? "/api/v1/futures/trade/place_order" : "/api/v1/futures/account"
        let url = server.baseURL + path + (vector.queryParams.isEmpty ? "" : "?" + query(vector.queryParams))
        var headers = [
            "api-key": vector.apiKey, "nonce": vector.nonce, "timestamp": vector.timestamp, "sign": vector.sign,
        ]
        let good = try await request(
            url, method: isOrder ? "POST" : "GET", headers: headers, body: isOrder ? vector.body : nil)
        #expect(good.json["code"] as? Int == 0, "\(good.json)")
        // Flip one hex digit of the signature.
        let flipped = (vector.sign.first == "0" ? "1" : "0") + vector.sign.dropFirst()
        headers["sign"] = flipped
        let bad = try await request(
            url, method: isOrder ? "POST" : "GET", headers: headers, body: isOrder ? vector.body : nil)
        #expect(bad.json["code"] as? Int == 10007)
    }

    @Test func theAccountNeedsAKeyAndReportsThePositionMode() async throws {
        let server = try Server(["--api-key", "k1", "--api-secret", "s1", "--position-mode", "ONE_WAY"])
        let url = server.baseURL + "/api/v1/futures/account?marginCoin=USDT"
        let missing = try await request(url)
        #expect(missing.json["code"] as? Int == 10003)
        let headers = signed(
            key: "k1", secret: "s1", nonce: BitunixSignature.makeNonce(),
            timestamp: String(Int(Date().timeIntervalSince1970 * 1000)), query: ["marginCoin": "USDT"], body: "")
        let answer = try await request(url, headers: headers)
        #expect(answer.json["code"] as? Int == 0)
        #expect((answer.json["data"] as? [String: Any])?["positionMode"] as? String == "ONE_WAY")
        let wrongSecret = signed(
            key: "k1", secret: "s2", nonce: BitunixSignature.makeNonce(), timestamp: "1", query: ["marginCoin": "USDT"],
            body: "")
        #expect(try await request(url, headers: wrongSecret).json["code"] as? Int == 10007)
        // The access log never holds the key or the signature.
        #expect(!server.accessLog.contains(try #require(headers["sign"])))
        #expect(server.accessLog.contains("GET /api/v1/futures/account -> 200 code=10003"))
    }

    @Test func faultsOnDemand() async throws {
        let skewed = try Server(["--clock-skew-ms", "5000"])
        let skewAnswer = try await request(skewed.baseURL + "/api/v1/futures/market/tickers")
        #expect(skewAnswer.servedWithin(skew: 5), "served \(skewAnswer.date ?? "none") is not 5 s ahead")
        if skewAnswer.seconds < 3 {  // on a starved machine the window itself can span the skew
            #expect(!skewAnswer.servedWithin(), "a skewed Date must not look in sync")
        }

        let slow = try Server(["--latency-ms", "300"])
        #expect(try await request(slow.baseURL + "/api/v1/futures/market/tickers").seconds >= 0.3)

        let failing = try Server(["--fail-rate", "1"])
        #expect(try await request(failing.baseURL + "/api/v1/futures/market/tickers").status == 500)

        // Ten requests at once: however slow the machine, they land in one second.
        let limited = try Server(["--rate-limit", "2"])
        let url = limited.baseURL + "/api/v1/futures/market/tickers"
        let codes = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<10 { group.addTask { try await self.request(url).json["code"] as? Int ?? -1 } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(codes.contains(10006), "\(codes)")
        #expect(codes.filter { $0 == 0 }.count < 10)
    }

    // MARK: Hostile clients

    /// Two clients each send a 64 KB header line and then wait: they are
    /// refused with 431, and a normal request is still served at once.
    @Test func twoClientsWithHugeHeadersDoNotStopOthers() throws {
        let server = try Server([])
        let hostile = try (0..<2).map { _ in try RawClient(port: server.port) }
        for client in hostile {
            client.send(
                "GET /api/v1/futures/market/tickers HTTP/1.1\r\nHost: x\r\nX-Big: "
                    + String(repeating: "a", count: 65536) + "\r\n\r\n")
        }
        usleep(300_000)
        // Timed on a plain socket: nothing of the test runner's own scheduling is in the figure.
        let started = Date()
        let normal = try RawClient(port: server.port)
        normal.send(
            "GET /api/v1/futures/market/tickers?symbols=BTCUSDT HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let answer = normal.response(timeout: 5)
        #expect(answer.hasPrefix("HTTP/1.1 200 OK"), "\(answer)")
        #expect(Date().timeIntervalSince(started) < 2, "served after \(Date().timeIntervalSince(started)) s")
        for client in hostile { #expect(client.response(timeout: 5).hasPrefix("HTTP/1.1 431 "), "no 431") }
    }

    /// A 20 MB body is refused with 413 before it is read: the server's memory stays small.
    @Test func aLargeBodyIsRefusedAndNotRead() async throws {
        let server = try Server([])
        #expect(try await request(server.baseURL + "/api/v1/futures/market/tickers").status == 200)
        let before = try #require(server.peakResidentMB)
        let client = try RawClient(port: server.port)
        let size = 20 * 1024 * 1024
        client.send(
            "POST /api/v1/futures/trade/place_order HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(size)\r\n\r\n")
        // Send the body until the server stops taking it.
        let chunk = Data(repeating: UInt8(ascii: "a"), count: 1024 * 1024)
        var sent = 0
        while sent < size, client.send(chunk) { sent += chunk.count }
        #expect(client.response(timeout: 5).hasPrefix("HTTP/1.1 413 "))
        let peak = try #require(server.peakResidentMB)
        #expect(peak - before < 8, "peak RSS grew from \(before) to \(peak) MB with a 20 MB body")
        let answer = try await request(server.baseURL + "/api/v1/futures/market/tickers")
        #expect(answer.status == 200)
    }

    @Test(arguments: [
        ("0", "s from the server's clock; allowed ±60 s"), ("abc", "is not milliseconds since 1970"),
        ("+3600000", "s from the server's clock; allowed ±60 s"),
        ("-3600000", "s from the server's clock; allowed ±60 s"),
    ])
    func aTimestampOutsideTheWindowIsRefused(_ timestamp: String, _ message: String) async throws {
        let server = try Server(["--api-key", "k1", "--api-secret", "s1"])
        let url = server.baseURL + "/api/v1/futures/account?marginCoin=USDT"
        let now = Int(Date().timeIntervalSince1970 * 1000)
        let stamp =
            timestamp.hasPrefix("+") || timestamp.hasPrefix("-") ? String(now + (Int(timestamp) ?? 0)) : timestamp
        let headers = signed(
            key: "k1", secret: "s1", nonce: BitunixSignature.makeNonce(), timestamp: stamp,
            query: ["marginCoin": "USDT"], body: "")
        let answer = try await request(url, headers: headers)
        #expect(answer.json["code"] as? Int == 10007, "\(answer.json)")
        let text = answer.json["msg"] as? String ?? ""
        #expect(text.hasPrefix("Signature Error: timestamp ") && text.contains(message), "\(text)")
    }

    @Test func anExactReplayOfASignedRequestIsRefused() async throws {
        // A wide window: on a busy machine the replay may come late, and must still be refused as a replay.
        let server = try Server(["--api-key", "k1", "--api-secret", "s1", "--timestamp-window-ms", "3600000"])
        let url = server.baseURL + "/api/v1/futures/account?marginCoin=USDT"
        let headers = signed(
            key: "k1", secret: "s1", nonce: BitunixSignature.makeNonce(),
            timestamp: String(Int(Date().timeIntervalSince1970 * 1000)), query: ["marginCoin": "USDT"], body: "")
        let first = try await request(url, headers: headers)
        #expect(first.json["code"] as? Int == 0, "\(first.json)")
        let replay = try await request(url, headers: headers)
        #expect(replay.json["code"] as? Int == 10007, "\(replay.json)")
        #expect((replay.json["msg"] as? String ?? "").contains("already used"), "\(replay.json)")
    }

    /// `--parent` on IPv6 as on IPv4: the server exits when its parent is gone.
    @Test func theServerOnIPv6ExitsWhenItsParentDies() throws {
        let workspace = try Workspace()
        let parent = try ChildProcess.spawn(
            ["sleep", "60"], environment: Binary.baseEnvironment, workingDirectory: workspace.path)
        let out = workspace.path + "/out"
        let server = try ChildProcess.spawn(
            [SimBinary.path, "api", "--host", "::1", "--port", "0", "--parent", String(parent.pid)],
            environment: Binary.baseEnvironment, workingDirectory: workspace.path, stdoutPath: out,
            stderrPath: workspace.path + "/err")
        defer { server.signalGroup(SIGKILL) }
        var announced = ""
        for _ in 0..<500 where !announced.contains("\n") {
            announced = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            usleep(10_000)
        }
        #expect(announced.hasPrefix("listening on http://[::1]:"), "\(announced)")
        parent.signalGroup(SIGKILL)
        _ = parent.wait(timeout: 5)
        #expect(server.wait(timeout: 5) == .exited(0))
    }

    @Test(arguments: ["0.0.0.0", "192.168.1.10", "10.0.0.1", "example.org"])
    func theServerRefusesToBindANonLoopbackAddress(_ host: String) throws {
        let workspace = try Workspace()
        let process = try ChildProcess.spawn(
            [SimBinary.path, "api", "--host", host], environment: Binary.baseEnvironment,
            workingDirectory: workspace.path, stdoutPath: workspace.path + "/out", stderrPath: workspace.path + "/err")
        #expect(process.wait(timeout: 10) == .exited(2))
        let err = try String(contentsOfFile: workspace.path + "/err", encoding: .utf8)
        #expect(err.contains("refusing to bind '\(host)'"))
        #expect((try String(contentsOfFile: workspace.path + "/out", encoding: .utf8)).isEmpty)
    }
}

/// A client on a plain socket, to send what URLSession never would.
final class RawClient {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard fd >= 0, connected == 0 else { throw MockAPITests.ServerError(message: "cannot connect to \(port)") }
    }

    deinit { close(fd) }

    @discardableResult
    func send(_ text: String) -> Bool { send(Data(text.utf8)) }

    /// Everything, or false once the server stops taking it.
    @discardableResult
    func send(_ data: Data) -> Bool {
        var offset = 0
        while offset < data.count {
            let written = data.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress.map { $0 + offset }, data.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    /// What the server answered, up to 4 KB, within `timeout` seconds.
    func response(timeout: Double) -> String {
        var wait = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self) : ""
    }
}

/// The shared signing vectors (a copy of the team's shared signing vectors).
enum BitunixVectors {
    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        var nonce: String
        var timestamp: String
        var apiKey: String
        var secretKey: String
        var queryParams: [String: String]
        var body: String
        var sign: String
        var testDescription: String { apiKey }
    }

    static let all: [Vector] = {
        struct File: Decodable { var vectors: [Vector] }
        let path = Binary.repositoryRoot.appendingPathComponent(
            "Tests/HedgeOpsKitTests/Fixtures/bitunix-sign-vectors.json"
        ).path
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return (try? JSONDecoder().decode(File.self, from: data).vectors) ?? []
    }()
}
