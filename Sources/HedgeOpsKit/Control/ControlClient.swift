import Foundation

/// A client's end of a run's control socket: requests answered in turn, or
/// a stream of events. `status`, `attach` and the guided session use it.
public final class ControlClient: @unchecked Sendable {
    private let fd: Int32
    private var reader: LineReader
    private let lock = NSLock()

    private init(fd: Int32) {
        self.fd = fd
        reader = LineReader(fd: fd)
    }

    deinit {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    /// Connects to the supervisor of the run in `folder`, or nil when none listens.
    public static func connect(folder: String) -> ControlClient? {
        UnixSocket.connect(to: ControlServer.socketPath(folder: folder)).map(ControlClient.init)
    }

    /// Sends `request` and waits (at most `timeout` seconds) for its answer.
    public func send(_ request: ControlRequest, timeout: Double = 5) -> ControlResponse? {
        lock.lock()
        defer { lock.unlock() }
        guard let line = ControlCoding.line(request), UnixSocket.send(fd, line, waiting: true) else { return nil }
        while let answer = reader.next(timeout: timeout) {
            guard let message = ControlCoding.decode(ControlMessage.self, answer) else { return nil }
            if case .response(let response) = message { return response }
        }
        return nil
    }

    /// The supervisor's status, or nil when it does not answer.
    public func status(timeout: Double = 2) -> SupervisorStatus? {
        if case .status(let status) = send(.status, timeout: timeout) { return status }
        return nil
    }

    /// Subscribes and delivers events on a thread of its own until the
    /// supervisor goes away, then calls `ended`. A subscribed client is for
    /// events only: send requests on another one.
    public func subscribe(_ onEvent: @escaping @Sendable (ControlEvent) -> Void, ended: @escaping @Sendable () -> Void)
        -> Bool
    {
        guard case .ok = send(.subscribe) else { return false }
        Thread.detachNewThread { [self] in
            while true {
                lock.lock()
                let line = reader.next(timeout: 0.5)
                let gone = line == nil && !isOpen
                lock.unlock()
                if let line, let message = ControlCoding.decode(ControlMessage.self, line),
                    case .event(let event) = message
                {
                    onEvent(event)
                } else if gone {
                    ended()
                    return
                }
            }
        }
        return true
    }

    /// Whether the supervisor's end is still open.
    private var isOpen: Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 0) >= 0 else { return false }
        if poller.revents & Int16(POLLHUP | POLLERR) != 0 { return false }
        if poller.revents & Int16(POLLIN) != 0 {
            var byte: UInt8 = 0
            return recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) > 0
        }
        return true
    }
}
