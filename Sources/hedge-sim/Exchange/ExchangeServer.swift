import Foundation
import HedgeOpsKit
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Serves `SimulatedExchange` on one loopback port with SwiftNIO: REST and
/// the control endpoint over HTTP/1.1, and WebSocket upgrades on `/public/`
/// and `/private/`. The exchange's clock ticks on the server's event loop.
final class ExchangeServer: Sendable {
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    init(host: String, port: UInt16, exchange: SimulatedExchange, accessLog: @escaping @Sendable (String) -> Void)
        throws
    {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 20, automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                let allowed = Connection.Kind(path: head.uri) != nil && !exchange.maintenanceNow()
                accessLog("GET \(head.uri) (WebSocket) -> \(allowed ? 101 : 404)")
                return channel.eventLoop.makeSucceededFuture(allowed ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    let kind = Connection.Kind(path: head.uri) ?? .public
                    try channel.pipeline.syncOperations.addHandlers([
                        NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 64, maxAccumulatedFrameSize: 1 << 20),
                        WebSocketSession(kind: kind, exchange: exchange),
                    ])
                }
            })
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (
                            upgraders: [upgrader],
                            completionHandler: { context in
                                context.pipeline.syncOperations.removeHandler(name: "rest", promise: nil)
                            }
                        ))
                    try channel.pipeline.syncOperations.addHandler(
                        RESTHandler(exchange: exchange, accessLog: accessLog), name: "rest")
                }
            }
        do {
            channel = try bootstrap.bind(host: host, port: Int(port)).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        self.group = group
        self.port = channel.localAddress?.port ?? Int(port)
        let tick = TimeAmount.milliseconds(Int64(exchange.configuration.tickMS))
        group.next().scheduleRepeatedTask(initialDelay: tick, delay: tick) { _ in exchange.tick() }
    }

    /// Serves until the process exits.
    func wait() throws {
        try channel.closeFuture.wait()
    }
}

extension Connection.Kind {
    /// `/public/` or `/private/`, with or without the trailing slash or a query.
    init?(path: String) {
        let bare = path.split(separator: "?").first.map(String.init) ?? path
        switch bare {
        case "/public", "/public/": self = .public
        case "/private", "/private/": self = .private
        default: return nil
        }
    }
}

/// The exchange's side of one WebSocket: text frames to the exchange,
/// protocol pings answered, the connection registered while it lives.
private final class WebSocketSession: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let kind: Connection.Kind
    private let exchange: SimulatedExchange
    private var connection: Connection?

    init(kind: Connection.Kind, exchange: SimulatedExchange) {
        self.kind = kind
        self.exchange = exchange
    }

    func handlerAdded(context: ChannelHandlerContext) {
        connection = exchange.open(kind, target: ChannelTarget(channel: context.channel))
        if connection == nil { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection { exchange.closed(connection) }
        connection = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let payload = frame.unmaskedData
            let text = payload.getString(at: payload.readerIndex, length: payload.readableBytes) ?? ""
            if let connection { exchange.receive(text, from: connection) }
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            // Echo the client's code; a client's frame is masked.
            var payload = frame.unmaskedData
            var reply = context.channel.allocator.buffer(capacity: 2)
            reply.write(webSocketErrorCode: payload.readWebSocketErrorCode() ?? .normalClosure)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: reply)))
                .whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
        _ = frame
    }
}

/// Sends on a channel from any thread: NIO hops to the channel's loop.
private final class ChannelTarget: PushTarget {
    private let channel: any Channel

    init(channel: any Channel) {
        self.channel = channel
    }

    func send(_ text: String) {
        guard channel.isActive else { return }
        let frame = WebSocketFrame(fin: true, opcode: .text, data: channel.allocator.buffer(string: text))
        channel.writeAndFlush(frame, promise: nil)
    }

    func drop() {
        channel.close(mode: .all, promise: nil)
    }

    func close(code: Int, reason: String) {
        var data = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: WebSocketErrorCode(codeNumber: code))
        data.writeString(reason)
        let channel = channel
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}

/// One HTTP/1.1 request at a time: body up to 1 MB (413 beyond), the
/// exchange's answer after its latency fault, keep-alive as asked.
private final class RESTHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let maxBody = 1 << 20
    private let exchange: SimulatedExchange
    private let accessLog: @Sendable (String) -> Void
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var refused = false

    init(exchange: SimulatedExchange, accessLog: @escaping @Sendable (String) -> Void) {
        self.exchange = exchange
        self.accessLog = accessLog
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.clear()
            refused = false
        case .body(var chunk):
            guard !refused else { return }
            if body.readableBytes + chunk.readableBytes > Self.maxBody {
                refused = true
                respond(
                    context, status: 413, headers: [("Content-Type", "text/plain")], body: "body over 1 MB\n",
                    keepAlive: false)
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard !refused, let head else { return }
            self.head = nil
            let started = Date()
            let components = URLComponents(string: head.uri)
            let request = SimulatedExchange.Request(
                method: head.method.rawValue, path: components?.path ?? head.uri,
                query: (components?.queryItems ?? []).map { ($0.name, $0.value ?? "") },
                headers: Dictionary(head.headers.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }),
                body: body.getString(at: body.readerIndex, length: body.readableBytes) ?? "")
            let answer = exchange.handle(request)
            let keepAlive = head.isKeepAlive
            let log = accessLog
            let write = { [self] in
                // Without headers: the api-key and sign never reach a log.
                let ms = Int(Date().timeIntervalSince(started) * 1000)
                log("\(request.method) \(request.path) -> \(answer.status) code=\(answer.code) \(ms)ms")
                respond(
                    context, status: answer.status, headers: answer.headers.map { ($0.key, $0.value) },
                    body: answer.body, keepAlive: keepAlive)
            }
            if answer.delayMS > 0 {
                let bound = NIOLoopBound(write, eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(answer.delayMS))) { bound.value() }
            } else {
                write()
            }
        }
    }

    private func respond(
        _ context: ChannelHandlerContext, status: Int, headers: [(String, String)], body text: String, keepAlive: Bool
    ) {
        var headers = HTTPHeaders(headers)
        let buffer = context.channel.allocator.buffer(string: text)
        headers.replaceOrAdd(name: "Content-Length", value: String(buffer.readableBytes))
        headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        let channel = context.channel
        if !keepAlive { done.whenComplete { _ in channel.close(promise: nil) } }
    }
}
