import Foundation

/// The mock API's HTTP/1.1 server: loopback only, one thread a connection,
/// and limits on everything a client controls. Without them two clients
/// sending 64 KB header lines starved every other client for good, and a
/// 1 GB body was taken in whole. Head and body sizes are capped (431 and
/// 413, then the connection is closed), every read has a timeout, a request
/// must arrive within a deadline, and the number of connections is bounded.
final class LoopbackHTTPServer: @unchecked Sendable {
    /// What a client may cost the server.
    struct Limits: Sendable {
        /// Request line and headers together.
        var headBytes = 16 * 1024
        var bodyBytes = 1024 * 1024
        /// Longest wait for any single read; also how long an idle keep-alive connection is kept.
        var readTimeout = 5.0
        /// Longest time from a request's first byte to its last.
        var requestDeadline = 10.0
        var connections = 64
    }

    struct Request: Sendable {
        var method: String
        var path: String
        var query: [(name: String, value: String)]
        /// Header names in lower case.
        var headers: [String: String]
        var body: Data
    }

    struct Response: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: Data
    }

    struct SetupError: Error, CustomStringConvertible {
        var description: String
    }

    typealias Handler = @Sendable (Request) -> Response

    let limits: Limits
    /// The address and port actually bound (the port is chosen by the system for 0).
    let host: String
    let port: UInt16
    private let listener: Int32
    private let handler: Handler
    private let lock = NSLock()
    private var open = 0

    /// Binds and listens on `host` (a numeric loopback address) and `port`.
    init(host: String, port: UInt16, limits: Limits = Limits(), handler: @escaping Handler) throws(SetupError) {
        self.limits = limits
        self.handler = handler
        self.host = host
        let ipv6 = host.contains(":")
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SetupError(description: "socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var bound: Int32
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            inet_pton(AF_INET6, host, &address.sin6_addr)
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            inet_pton(AF_INET, host, &address.sin_addr)
            bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        if bound != 0 || listen(fd, 128) != 0 {
            let number = errno
            close(fd)
            throw SetupError(description: LoopbackAddress.bindFailure(host: host, port: port, errno: number))
        }
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let networkPort = withUnsafePointer(to: &storage) { pointer -> UInt16 in
            ipv6
                ? pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port }
                : pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port }
        }
        self.port = UInt16(bigEndian: networkPort)
        listener = fd
    }

    /// Accepts connections until the process exits; each is served on its own thread.
    func serve() -> Never {
        // A client that hangs up mid-answer must not kill the server.
        signal(SIGPIPE, SIG_IGN)
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno != EINTR { usleep(10_000) }
                continue
            }
            let admitted = lock.withLock {
                guard open < limits.connections else { return false }
                open += 1
                return true
            }
            guard admitted else {
                // Answered at once from this thread: a full server must keep accepting.
                _ = send(client, Self.errorResponse(503, "too many connections"))
                close(client)
                continue
            }
            Thread.detachNewThread { [self] in
                serveConnection(client)
                close(client)
                lock.withLock { open -= 1 }
            }
        }
    }

    // MARK: One connection

    private func serveConnection(_ fd: Int32) {
        var timeout = timeval(
            tv_sec: Int(limits.readTimeout), tv_usec: Int(limits.readTimeout.truncatingRemainder(dividingBy: 1) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var pending = Data()
        while true {
            switch readRequest(fd, &pending) {
            case .closed:
                return
            case .refused(let status, let message):
                refuse(fd, status: status, message: message)
                return
            case .request(let request, let keepAlive):
                var response = handler(request)
                if !keepAlive { response.headers.append(("Connection", "close")) }
                guard send(fd, response) else { return }
                if !keepAlive { return }
            }
        }
    }

    private enum Outcome {
        case request(Request, keepAlive: Bool)
        case refused(status: Int, message: String)
        case closed
    }

    private func readRequest(_ fd: Int32, _ pending: inout Data) -> Outcome {
        var started: Double?
        let separator = Data("\r\n\r\n".utf8)
        // The head: read until the blank line, never past the limit.
        var headEnd: Range<Data.Index>?
        while true {
            headEnd = pending.range(of: separator)
            if headEnd != nil { break }
            if pending.count > limits.headBytes {
                return .refused(
                    status: 431, message: "request line and headers exceed \(limits.headBytes / 1024) KB")
            }
            if let started, monotonic() - started > limits.requestDeadline {
                return .refused(status: 408, message: "request not received within the deadline")
            }
            guard let chunk = readSome(fd, max: limits.headBytes + 4 - pending.count + 1) else {
                // Timed out or closed; a partial request gets an answer, an idle connection does not.
                return pending.isEmpty ? .closed : .refused(status: 408, message: "request incomplete")
            }
            if started == nil { started = monotonic() }
            pending.append(chunk)
        }
        guard let headEnd, headEnd.lowerBound - pending.startIndex <= limits.headBytes else {
            return .refused(status: 431, message: "request line and headers exceed \(limits.headBytes / 1024) KB")
        }
        let head = String(decoding: pending[pending.startIndex..<headEnd.lowerBound], as: UTF8.self)
        pending = Data(pending[headEnd.upperBound...])
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: true)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else {
            return .refused(status: 400, message: "malformed request line")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else {
                return .refused(status: 400, message: "malformed header line")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if headers[name] == nil { headers[name] = value }
        }
        if headers["transfer-encoding"] != nil {
            return .refused(status: 411, message: "send the body with a Content-Length")
        }
        var length = 0
        if let text = headers["content-length"] {
            guard let value = Int(text), value >= 0 else {
                return .refused(status: 400, message: "invalid Content-Length")
            }
            length = value
        }
        if length > limits.bodyBytes {
            return .refused(status: 413, message: "body exceeds \(limits.bodyBytes / 1024) KB")
        }
        let bodyStarted = started ?? monotonic()
        while pending.count < length {
            if monotonic() - bodyStarted > limits.requestDeadline {
                return .refused(status: 408, message: "body not received within the deadline")
            }
            guard let chunk = readSome(fd, max: length - pending.count) else {
                return .refused(status: 408, message: "body incomplete")
            }
            pending.append(chunk)
        }
        let body = Data(pending.prefix(length))
        pending = Data(pending.dropFirst(length))
        let target = String(requestLine[1])
        let components = URLComponents(string: target)
        let version = requestLine[2]
        let connection = headers["connection"]?.lowercased() ?? ""
        let keepAlive = version == "HTTP/1.1" ? connection != "close" : connection == "keep-alive"
        let request = Request(
            method: String(requestLine[0]), path: components?.path ?? target,
            query: (components?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, headers: headers, body: body)
        return .request(request, keepAlive: keepAlive)
    }

    /// Up to `max` bytes; nil on end of file, error or read timeout.
    private func readSome(_ fd: Int32, max: Int) -> Data? {
        var buffer = [UInt8](repeating: 0, count: Swift.max(1, Swift.min(max, 64 * 1024)))
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 { return Data(buffer.prefix(count)) }
            if count < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// Answers with an error status; the caller then closes. What the client
    /// was still sending is drained briefly first, so it reads the answer
    /// instead of a connection reset.
    private func refuse(_ fd: Int32, status: Int, message: String) {
        _ = send(fd, Self.errorResponse(status, message))
        shutdown(fd, Int32(SHUT_WR))
        // Read and dropped, never kept: for two seconds at most.
        let until = monotonic() + 2
        while monotonic() < until, readSome(fd, max: 64 * 1024) != nil {}
    }

    private static func errorResponse(_ status: Int, _ message: String) -> Response {
        Response(
            status: status, headers: [("Content-Type", "application/json"), ("Connection", "close")],
            body: Data(#"{"code":\#(status),"data":null,"msg":"\#(message)"}"#.utf8))
    }

    @discardableResult
    private func send(_ fd: Int32, _ response: Response) -> Bool {
        var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(response.body.count)\r\n\r\n"
        let bytes = Data(head.utf8) + response.body
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return Glibc.send(fd, base + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
            }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Error"
        }
    }

    private func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
