import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// A blocking WebSocket client on SwiftNIO (NIOWebSocket, NIOSSL for
/// `wss://`), for the pre-flight and the run's witness: connect, send text,
/// wait for the next message. Callers judge every URL with the TESTNET gate
/// first; this type connects wherever it is told.
public final class WebSocketConnection: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// What arrives, in order.
    public enum Event: Sendable, Equatable {
        case text(String)
        /// The server closed: its close code (1006 when no close frame came).
        case closed(code: Int)
    }

    private let channel: any Channel
    /// One event loop for every connection, never shut down: NIO's shutdown
    /// and its own host lookup run on dispatch queues, and dispatch's worker
    /// pool, once started, wakes the process every second for good (`run`
    /// checks the stream before it samples for hours).
    private static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let inbox: Inbox

    /// Connects and upgrades to a WebSocket within `timeout` seconds.
    /// `address` replaces the host's lookup (a resolve override).
    public init(url: String, timeout: Double, address: String? = nil) throws(Failure) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            ["ws", "wss"].contains(scheme), let host = components.host, !host.isEmpty
        else { throw Failure(description: "'\(url)' is not a ws:// or wss:// URL") }
        let tls = scheme == "wss"
        let port = components.port ?? (tls ? 443 : 80)
        let bare = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let path = components.percentEncodedQuery.map { bare + "?" + $0 } ?? bare
        let hostHeader = components.port.map { "\(host):\($0)" } ?? host
        let group = Self.group
        let inbox = Inbox()
        let upgraded = group.next().makePromise(of: Void.self)
        let sslContext: NIOSSLContext?
        do {
            sslContext = tls ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
        } catch {
            upgraded.fail(error)
            throw Failure(description: "TLS setup failed: \(error)")
        }
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(Int64(max(0.1, timeout) * 1000)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext {
                        let handler = try NIOSSLClientHandler(context: sslContext, serverHostname: host)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    let request = UpgradeRequest(host: hostHeader, path: path, upgraded: upgraded)
                    let upgrader = NIOWebSocketClientUpgrader(
                        maxFrameSize: 1 << 22,
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandlers([
                                    NIOWebSocketFrameAggregator(
                                        minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 64,
                                        maxAccumulatedFrameSize: 1 << 22),
                                    FrameReader(inbox: inbox),
                                ])
                                upgraded.succeed(())
                            }
                        })
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        withClientUpgrade: (
                            upgraders: [upgrader],
                            completionHandler: { context in
                                context.pipeline.syncOperations.removeHandler(name: "upgrade-request", promise: nil)
                            }
                        ))
                    try channel.pipeline.syncOperations.addHandler(request, name: "upgrade-request")
                }
            }
        let target = address ?? host
        do {
            // Looked up here, on the caller's thread (see `group`).
            let resolved = try SocketAddress.makeAddressResolvingHost(target, port: port)
            channel = try bootstrap.connect(to: resolved).wait()
        } catch {
            // NIO traps on a promise dropped unfulfilled.
            upgraded.fail(error)
            throw Failure(description: "\(host):\(port): cannot connect (\(error))")
        }
        // The upgrade must finish within the same budget.
        let deadline = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(max(0.1, timeout) * 1000))) {
            upgraded.fail(Failure(description: "no WebSocket upgrade within \(formatNumber(timeout)) s"))
        }
        do {
            try upgraded.futureResult.wait()
            deadline.cancel()
        } catch {
            deadline.cancel()
            channel.close(promise: nil)
            throw Failure(description: "\(url): \(error)")
        }
        self.inbox = inbox
    }

    deinit {
        channel.close(promise: nil)
    }

    /// Sends one text message (masked, as a client must).
    public func send(_ text: String) {
        let frame = WebSocketFrame(
            fin: true, opcode: .text, maskKey: .random(), data: channel.allocator.buffer(string: text))
        channel.writeAndFlush(frame, promise: nil)
    }

    /// The next event, or nil when none arrives within `timeout` seconds.
    public func next(timeout: Double) -> Event? {
        inbox.next(until: Date().addingTimeInterval(timeout))
    }

    /// The next text for which `accept` holds, within `timeout` seconds; nil
    /// on timeout or when the server closes first (then `closedCode` says so).
    public func next(timeout: Double, where accept: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while let event = inbox.next(until: deadline) {
            guard case .text(let text) = event else { return nil }
            if let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any], accept(object)
            {
                return object
            }
        }
        return nil
    }

    /// The close code once the server has closed, else nil.
    public var closedCode: Int? { inbox.closedCode }

    /// Closes with a close frame (1000).
    public func close() {
        var data = channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: .normalClosure)
        let channel = channel
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data))
            .whenComplete { _ in channel.close(promise: nil) }
    }
}

/// Events from the event loop to the waiting thread.
private final class Inbox: @unchecked Sendable {
    private let condition = NSCondition()
    private var events: [WebSocketConnection.Event] = []
    private(set) var closedCode: Int?

    func push(_ event: WebSocketConnection.Event) {
        condition.withLock {
            if case .closed(let code) = event {
                guard closedCode == nil else { return }
                closedCode = code
            }
            events.append(event)
            condition.broadcast()
        }
    }

    func next(until deadline: Date) -> WebSocketConnection.Event? {
        condition.withLock {
            while events.isEmpty {
                if !condition.wait(until: deadline) { break }
            }
            return events.isEmpty ? nil : events.removeFirst()
        }
    }
}

/// Text frames to the inbox; pings answered; a close, or the connection
/// lost without one (1006), recorded once.
private final class FrameReader: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let inbox: Inbox

    init(inbox: Inbox) {
        self.inbox = inbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let payload = frame.unmaskedData
            inbox.push(.text(payload.getString(at: payload.readerIndex, length: payload.readableBytes) ?? ""))
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            let code = frame.data.readWebSocketErrorCode().map { Int(UInt16(webSocketErrorCode: $0)) } ?? 1005
            inbox.push(.closed(code: code))
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.push(.closed(code: 1006))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Sends the upgrade request once connected; a refused upgrade (any other
/// answer) fails the wait with its status.
private final class UpgradeRequest: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let host: String
    private let path: String
    private let upgraded: EventLoopPromise<Void>

    init(host: String, path: String, upgraded: EventLoopPromise<Void>) {
        self.host = host
        self.path = path
        self.upgraded = upgraded
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let response) = unwrapInboundIn(data) {
            upgraded.fail(
                WebSocketConnection.Failure(
                    description: "HTTP \(response.status.code) instead of a WebSocket upgrade"))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        upgraded.fail(WebSocketConnection.Failure(description: "\(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        upgraded.fail(WebSocketConnection.Failure(description: "the server closed the connection during the upgrade"))
        context.fireChannelInactive()
    }
}
