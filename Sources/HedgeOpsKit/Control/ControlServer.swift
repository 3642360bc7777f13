import Foundation

/// The supervisor's end of the control socket: a Unix socket in the run
/// folder (owner-only, and only the owner's user id is served) that answers
/// requests and streams events to every subscribed client.
///
/// Sampling never waits for a client: events are sent without blocking, and
/// a client too slow to take one is disconnected (it reconnects).
public final class ControlServer: @unchecked Sendable {
    public let path: String
    private let listenFD: Int32
    private let handler: @Sendable (ControlRequest) -> ControlResponse
    private let state = Locked<State>(State())

    private struct State {
        var subscribers: [Int32: NSLock] = [:]
        var connections: Set<Int32> = []
        var closed = false
    }

    /// Listens in `folder` (see ``ControlServer/socketPath(folder:)``); `handler`
    /// answers each request, on the connection's own thread.
    public init(folder: String, handler: @escaping @Sendable (ControlRequest) -> ControlResponse) throws {
        path = Self.socketPath(folder: folder)
        do {
            listenFD = try UnixSocket.listen(at: path)
        } catch {
            throw JournalError("cannot open the control socket \(path): \(error)")
        }
        self.handler = handler
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Where a run's control socket is: `control.sock` in its folder, or, when
    /// that path is too long for a socket address, a short link to it.
    public static func socketPath(folder: String) -> String {
        let inFolder = folder + "/control.sock"
        if inFolder.utf8.count <= UnixSocket.maximumPathLength { return inFolder }
        let directory = NSTemporaryDirectory() + "hedgeops-\(getuid())"
        mkdir(directory, 0o700)
        // Only a real folder of ours, closed to others: another user could have made it first.
        var info = stat()
        guard lstat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, info.st_uid == getuid(),
            info.st_mode & 0o077 == 0
        else { return inFolder }
        let name = URL(fileURLWithPath: folder).lastPathComponent
        return directory + "/\(name.prefix(40)).sock"
    }

    /// Clients subscribed to events now.
    public var clientCount: Int { state.withLock { $0.subscribers.count } }

    /// Sends `event` to every subscriber without waiting; drops those who cannot take it.
    public func broadcast(_ event: ControlEvent) {
        // Encoded only for someone: a run nobody is attached to sends twice a second.
        let subscribers = state.withLock { $0.subscribers }
        guard !subscribers.isEmpty, let line = ControlCoding.line(ControlMessage.event(event)) else { return }
        for (fd, writing) in subscribers {
            let sent = writing.withLock { UnixSocket.send(fd, line, waiting: false) }
            if !sent { drop(fd) }
        }
    }

    /// Stops listening and disconnects every client.
    public func close() {
        // Once only: a second close would close whatever descriptor took the number since.
        let connections = state.withLock { state -> Set<Int32>? in
            guard !state.closed else { return nil }
            state.closed = true
            return state.connections
        }
        guard let connections else { return }
        shutdown(listenFD, Int32(SHUT_RDWR))
        Glibc.close(listenFD)
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        unlink(path)
    }

    deinit { close() }

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            // Only the run's owner (or root) may talk to its supervisor.
            guard let uid = UnixSocket.peerUID(fd), uid == getuid() || uid == 0 else {
                Glibc.close(fd)
                continue
            }
            let open = state.withLock { state -> Bool in
                guard !state.closed else { return false }
                state.connections.insert(fd)
                return true
            }
            guard open else {
                Glibc.close(fd)
                return
            }
            Thread.detachNewThread { [self] in serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        var reader = LineReader(fd: fd)
        let writing = NSLock()
        while let line = reader.next() {
            let response: ControlResponse
            if let request = ControlCoding.decode(ControlRequest.self, line) {
                if request == .subscribe {
                    state.withLock { $0.subscribers[fd] = writing }
                    response = .ok("subscribed")
                } else {
                    response = handler(request)
                }
            } else {
                response = .refused("not a request hedgeops understands")
            }
            guard let bytes = ControlCoding.line(ControlMessage.response(response)),
                writing.withLock({ UnixSocket.send(fd, bytes, waiting: true) })
            else { break }
        }
        drop(fd)
    }

    private func drop(_ fd: Int32) {
        let known = state.withLock { state -> Bool in
            state.subscribers[fd] = nil
            return state.connections.remove(fd) != nil
        }
        if known {
            shutdown(fd, Int32(SHUT_RDWR))
            Glibc.close(fd)
        }
    }
}
