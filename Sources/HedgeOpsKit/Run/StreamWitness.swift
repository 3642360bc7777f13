import Foundation

/// An independent witness of the executor's market stream: hedgeops's own
/// subscription to the same public WebSocket, on its own thread, counting
/// the pushes that arrive, the silences between them, and every drop and
/// reconnect, so what the executor logs can be set beside what could be
/// seen from outside. It answers to nobody but the supervisor: a witness
/// that cannot connect says so in its figures and keeps trying; it never
/// touches the run.
///
/// Callers judge the URL with the TESTNET gate first (``RunSupervisor``
/// does); this type connects wherever it is told.
public final class StreamWitness: @unchecked Sendable {
    /// What to watch.
    public struct Target: Sendable {
        public var url: String
        /// A resolve override's address for the URL's host, if any.
        public var address: String?
        public var symbol: String
        public var channel: String

        public init(url: String, address: String? = nil, symbol: String, channel: String) {
            self.url = url
            self.address = address
            self.symbol = symbol
            self.channel = channel
        }
    }

    /// Timing, in real seconds (the witness watches a real stream whatever the run's time scale).
    public struct Timing: Sendable {
        /// A silence between two pushes longer than this is a gap.
        public var gapThreshold: Double = 5
        /// An application ping this often keeps the server's idle timeout away.
        public var heartbeat: Double = 15
        /// First wait before a reconnect; doubled each failure up to `maxBackoff`.
        public var backoff: Double = 0.2
        public var maxBackoff: Double = 5
        public var connectTimeout: Double = 5

        public init() {}
    }

    private struct State {
        var connected = false
        var everConnected = false
        var messages = 0
        var lastMessage: Double?
        var gaps = 0
        var longestGap = 0.0
        var drops = 0
        var reconnects = 0
        var problem: String?
        var stopped = false
    }

    public let target: Target
    public let timing: Timing
    private let lock = NSLock()
    private var state = State()
    private let started = RunClock.monotonic()
    private let done = DispatchSemaphore(value: 0)
    private var thread: Thread?

    public init(target: Target, timing: Timing = Timing()) {
        self.target = target
        self.timing = timing
    }

    /// Starts watching on a thread of its own.
    public func start() {
        let thread = Thread { [self] in
            watch()
            done.signal()
        }
        thread.name = "hedgeops-witness"
        self.thread = thread
        thread.start()
    }

    /// Stops watching and closes the socket; waits up to `timeout` seconds for the thread.
    public func stop(timeout: Double = 2) {
        let running = lock.withLock { () -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        guard running, thread != nil else { return }
        _ = done.wait(timeout: .now() + timeout)
    }

    /// The figures now, for run hour `hour`.
    public func figures(hour: Double, final: Bool = false) -> WitnessFigures {
        let now = RunClock.monotonic()
        return lock.withLock {
            // A silence still going on counts as the longest gap so far once it is one.
            var gaps = state.gaps, longest = state.longestGap
            if let last = state.lastMessage, now - last > timing.gapThreshold {
                gaps += 1
                longest = max(longest, now - last)
            }
            let minutes = max(now - started, 1e-3) / 60
            return WitnessFigures(
                hour: hour, url: target.url, channel: target.channel, symbol: target.symbol,
                connected: state.connected, messages: state.messages,
                messagesPerMinute: (Double(state.messages) / minutes * 10).rounded() / 10, gaps: gaps,
                longestGapSeconds: (longest * 10).rounded() / 10, gapThresholdSeconds: timing.gapThreshold,
                drops: state.drops, reconnects: state.reconnects, problem: state.problem, final: final)
        }
    }

    private var stopped: Bool { lock.withLock { state.stopped } }

    // MARK: The thread

    private func watch() {
        var failures = 0
        while !stopped {
            let socket: WebSocketConnection
            do {
                socket = try WebSocketConnection(
                    url: target.url, timeout: timing.connectTimeout, address: target.address)
            } catch {
                lock.withLock { state.problem = error.description }
                failures += 1
                pause(min(timing.maxBackoff, timing.backoff * pow(2, Double(failures - 1))))
                continue
            }
            failures = 0
            lock.withLock {
                if state.everConnected { state.reconnects += 1 }
                state.everConnected = true
                state.connected = true
                state.problem = nil
            }
            socket.send(#"{"op":"subscribe","args":[{"symbol":"\#(target.symbol)","ch":"\#(target.channel)"}]}"#)
            follow(socket)
            if stopped {
                socket.close()
                return
            }
            pause(timing.backoff)
        }
    }

    /// Reads until the server closes or the witness is stopped.
    private func follow(_ socket: WebSocketConnection) {
        var lastPing = RunClock.monotonic()
        let push = #""ch":"\#(target.channel)""#
        while !stopped {
            switch socket.next(timeout: 0.2) {
            case .text(let text)?:
                if text.contains(push) { received(at: RunClock.monotonic()) }
            case .closed(let code)?:
                lock.withLock {
                    state.connected = false
                    state.drops += 1
                    state.problem = "closed by the server (code \(code))"
                }
                return
            case nil:
                break
            }
            let now = RunClock.monotonic()
            if now - lastPing >= timing.heartbeat {
                socket.send(#"{"op":"ping","ping":\#(Int(Date().timeIntervalSince1970))}"#)
                lastPing = now
            }
        }
    }

    private func received(at now: Double) {
        lock.withLock {
            if let last = state.lastMessage, now - last > timing.gapThreshold {
                state.gaps += 1
                state.longestGap = max(state.longestGap, now - last)
            }
            state.lastMessage = now
            state.messages += 1
        }
    }

    /// Waits `seconds`, ending early when stopped.
    private func pause(_ seconds: Double) {
        let until = RunClock.monotonic() + seconds
        while !stopped, RunClock.monotonic() < until { usleep(20_000) }
    }
}
