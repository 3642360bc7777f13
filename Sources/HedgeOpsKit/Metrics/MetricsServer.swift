import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Serves the latest ``RunMetrics`` at `GET /metrics` over HTTP/1.1
/// (SwiftNIO, one event-loop thread). It reads a snapshot and writes it;
/// it never waits on the supervisor, so a slow scraper cannot hold up a
/// sample. Other paths answer 404, other methods 405; a request with a body
/// is refused, as nothing here reads one.
public final class MetricsServer: Sendable {
    /// The address actually bound (the port chosen by the system for 0).
    public let address: MetricsListenAddress
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let store: Store

    /// The snapshot and the scrape counts, shared with the connections' handlers.
    final class Store: Sendable {
        struct State {
            var metrics: RunMetrics?
            /// Scrapes served since the verdict was published.
            var verdictScrapes = 0
            var scrapes = 0
        }

        let state = Locked(State())
    }

    /// Binds `address`; fails with a message that names the address and the fix.
    public init(address: MetricsListenAddress) throws(MetricsAddressError) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let store = Store()
        self.store = store
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 32)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ScrapeHandler(store: store))
                }
            }
        let bound: any Channel
        do {
            bound = try bootstrap.bind(host: address.host, port: address.port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw MetricsAddressError(
                "cannot serve metrics on \(address): \(error); choose a free port (or another address) "
                    + "with --metrics-listen")
        }
        self.group = group
        channel = bound
        self.address = MetricsListenAddress(host: address.host, port: bound.localAddress?.port ?? address.port)
    }

    /// The snapshot the next scrape gets.
    public func publish(_ metrics: RunMetrics) {
        store.state.withLock {
            if $0.metrics?.verdict == nil && metrics.verdict != nil { $0.verdictScrapes = 0 }
            $0.metrics = metrics
        }
    }

    /// Scrapes served so far.
    public var scrapes: Int { store.state.withLock { $0.scrapes } }

    /// Waits (real time) until a scrape has taken the verdict, at most `seconds`;
    /// true when one has.
    public func awaitVerdictScrape(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if store.state.withLock({ $0.metrics?.verdict != nil && $0.verdictScrapes > 0 }) { return true }
            if Date() >= deadline { return false }
            usleep(50_000)
        }
    }

    public func close() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// One request at a time: `/metrics` gets the snapshot's text.
private final class ScrapeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let store: MetricsServer.Store
    private var head: HTTPRequestHead?
    private var hasBody = false

    init(store: MetricsServer.Store) {
        self.store = store
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
            hasBody = false
        case .body:
            hasBody = true
        case .end:
            guard let head else { return }
            self.head = nil
            let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
            if hasBody {
                respond(context, head, .payloadTooLarge, "no request body is read here\n", keepAlive: false)
            } else if head.method != .GET && head.method != .HEAD {
                respond(context, head, .methodNotAllowed, "only GET /metrics\n", extra: [("Allow", "GET, HEAD")])
            } else if path == "/metrics" {
                let text = store.state.withLock { state -> String in
                    state.scrapes += 1
                    if state.metrics?.verdict != nil { state.verdictScrapes += 1 }
                    return state.metrics?.text ?? ""
                }
                respond(context, head, .ok, text, contentType: MetricFamily.contentType)
            } else if path == "/" {
                respond(context, head, .ok, "hedgeops run metrics: /metrics\n")
            } else {
                respond(context, head, .notFound, "not found: the metrics are at /metrics\n")
            }
        }
    }

    private func respond(
        _ context: ChannelHandlerContext, _ request: HTTPRequestHead, _ status: HTTPResponseStatus, _ text: String,
        contentType: String = "text/plain; charset=utf-8", extra: [(String, String)] = [], keepAlive: Bool = true
    ) {
        let keepAlive = keepAlive && request.isKeepAlive
        let buffer = context.channel.allocator.buffer(string: text)
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(buffer.readableBytes))])
        headers.add(contentsOf: extra)
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
            promise: nil)
        if request.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil) }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        let channel = context.channel
        if !keepAlive { done.whenComplete { _ in channel.close(promise: nil) } }
    }
}
