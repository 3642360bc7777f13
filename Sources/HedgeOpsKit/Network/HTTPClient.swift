import CCurl
public import Foundation

/// One HTTP request. Every call has a connect and a total timeout.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: Data?
    public var connectTimeout: Double
    public var timeout: Double
    /// curl's resolve overrides, `host:port:address` (tests; split-horizon
    /// DNS), already checked by the TESTNET gate.
    public var resolve: [String]
    /// The proxy to use; nil means none, whatever the proxy variables say
    /// (they would carry signed requests to a host nobody checked).
    public var proxy: String?

    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: Data? = nil,
        connectTimeout: Double = 5, timeout: Double = 10, resolve: [String] = [], proxy: String? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.resolve = resolve
        self.proxy = proxy
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: Data
    /// Seconds from start to the last byte.
    public var seconds: Double
    public var sentAt: Date
    public var receivedAt: Date
}

/// What went wrong below HTTP, naming the host and curl's reason.
public struct HTTPFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case timeout, connect, resolve, tls, refused, other }
    public var kind: Kind
    public var host: String
    public var reason: String
    public var description: String { "\(host): \(reason)" }

    /// Worth another try: the network may recover.
    public var transient: Bool { kind == .timeout || kind == .connect }
}

/// The product's only HTTP stack: libcurl, TLS verification always on,
/// redirects never followed, only http and https, and proxies only when one is
/// named (the proxy variables are ignored). Whoever calls it, a request to the
/// live exchange, or through a proxy on it, is refused before any look-up.
public enum HTTPClient {
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()
    nonisolated(unsafe) private static let emptyBody: UnsafeMutablePointer<CChar> = strdup("")

    /// Performs `request`, blocking the calling thread until done or timed out.
    public static func perform(_ request: HTTPRequest) -> Result<HTTPResponse, HTTPFailure> {
        _ = globalInit
        let host = URLComponents(string: request.url)?.host ?? request.url
        if let refusal = liveRefusal(request) {
            return .failure(HTTPFailure(kind: .refused, host: host, reason: refusal))
        }
        guard let handle = curl_easy_init() else {
            return .failure(HTTPFailure(kind: .other, host: host, reason: "libcurl could not start a request"))
        }
        defer { curl_easy_cleanup(handle) }
        let sink = ResponseSink()
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE))
        var headerList: UnsafeMutablePointer<curl_slist>?
        var resolveList: UnsafeMutablePointer<curl_slist>?
        defer {
            curl_slist_free_all(headerList)
            curl_slist_free_all(resolveList)
        }
        for header in request.headers { headerList = curl_slist_append(headerList, "\(header.name): \(header.value)") }
        // No "Expect: 100-continue" round trip on uploads.
        headerList = curl_slist_append(headerList, "Expect:")
        for entry in request.resolve { resolveList = curl_slist_append(resolveList, entry) }

        let body = request.body ?? Data()
        let code: CURLcode = body.withUnsafeBytes { bodyBytes in
            errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
                hedgeops_curl_setopt_string(handle, CURLOPT_URL, request.url)
                hedgeops_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
                hedgeops_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
                hedgeops_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
                hedgeops_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
                hedgeops_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
                // An empty proxy turns off every proxy variable libcurl would read.
                hedgeops_curl_setopt_string(handle, CURLOPT_PROXY, request.proxy ?? "")
                hedgeops_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000))
                hedgeops_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(request.timeout * 1000))
                hedgeops_curl_setopt_string(handle, CURLOPT_USERAGENT, "hedgeops/0.1")
                hedgeops_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, headerList)
                if resolveList != nil { hedgeops_curl_setopt_pointer(handle, CURLOPT_RESOLVE, resolveList) }
                hedgeops_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorPointer.baseAddress)
                hedgeops_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, collectBody)
                hedgeops_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer)
                hedgeops_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, collectHeader)
                hedgeops_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer)
                switch request.method {
                case "GET": break
                case "HEAD": hedgeops_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
                default:
                    hedgeops_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
                    hedgeops_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, bodyBytes.count)
                    // An empty body still needs a valid pointer for the duration of the call.
                    let bodyPointer = bodyBytes.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) }
                    hedgeops_curl_setopt_pointer(
                        handle, CURLOPT_POSTFIELDS, bodyPointer ?? UnsafeMutableRawPointer(emptyBody))
                }
                return curl_easy_perform(handle)
            }
        }
        let received = Date()
        guard code == CURLE_OK else {
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let reason = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            return .failure(HTTPFailure(kind: kind(of: code), host: host, reason: reason))
        }
        var status = 0
        hedgeops_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var total = 0.0
        hedgeops_curl_getinfo_double(handle, CURLINFO_TOTAL_TIME, &total)
        return .success(
            HTTPResponse(
                status: status, headers: sink.headers, body: sink.body, seconds: total,
                sentAt: received.addingTimeInterval(-total), receivedAt: received))
    }

    /// The last line of defence: no code path reaches the live exchange, even
    /// one the TESTNET gate does not judge (webhooks, uploads).
    public static func liveRefusal(_ request: HTTPRequest) -> String? {
        for (what, url) in [("URL", request.url), ("proxy", request.proxy)] {
            guard let url else { continue }
            switch HostName.host(ofURL: url.contains("://") ? url : "http://" + url) {
            case .failure(let problem): return "the \(what) \(problem); no connection attempted"
            case .success(let host) where LiveExchange.isLive(host):
                return "\(host) is the LIVE Bitunix exchange: hedgeops never connects to it"
            case .success: continue
            }
        }
        return nil
    }

    private static func kind(of code: CURLcode) -> HTTPFailure.Kind {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: .timeout
        case CURLE_COULDNT_CONNECT: .connect
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: .resolve
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE: .tls
        default: .other
        }
    }
}

/// Collects a response; reached from libcurl's C callbacks.
private final class ResponseSink {
    var body = Data()
    var headers: [String: String] = [:]
}

private let collectBody: hedgeops_curl_data_callback = { data, size, count, user in
    guard let data, let user else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(user).takeUnretainedValue()
    sink.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count)
    return size * count
}

private let collectHeader: hedgeops_curl_data_callback = { data, size, count, user in
    guard let data, let user else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(user).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
    // A new status line (after a redirect or 100) starts a new header set.
    if line.hasPrefix("HTTP/") { sink.headers.removeAll() }
    if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        sink.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return size * count
}
