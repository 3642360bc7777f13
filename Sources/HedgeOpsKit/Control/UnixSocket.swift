import CSpawnShim
import Foundation

/// The few POSIX calls a local stream socket needs, with errors as values.
enum UnixSocket {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The longest path `sockaddr_un` holds, with its terminating NUL.
    static let maximumPathLength = 107

    static func address(_ path: String) -> sockaddr_un? {
        guard path.utf8.count <= maximumPathLength else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
            raw[path.utf8.count] = 0
        }
        return address
    }

    /// A listening socket at `path`, readable and writable by its owner only.
    static func listen(at path: String) throws(Failure) -> Int32 {
        guard var address = address(path) else { throw Failure(description: "socket path too long: \(path)") }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        unlink(path)
        // The socket file is created with the umask: make it owner-only before anyone can connect.
        fchmod(fd, 0o600)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "cannot bind \(path): \(reason)")
        }
        chmod(path, 0o600)
        guard Glibc.listen(fd, 16) == 0 else {
            close(fd)
            throw Failure(description: "listen: \(String(cString: strerror(errno)))")
        }
        return fd
    }

    /// A connected socket, or nil when nothing listens at `path`.
    static func connect(to path: String) -> Int32? {
        guard var address = address(path) else { return nil }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// The peer's user id (SO_PEERCRED).
    static func peerUID(_ fd: Int32) -> UInt32? {
        var uid: UInt32 = 0
        return hedgeops_peer_uid(fd, &uid) == 0 ? uid : nil
    }

    /// Sends all of `bytes`; with `waiting` false, never blocks and fails
    /// rather than sending part of a line.
    static func send(_ fd: Int32, _ bytes: [UInt8], waiting: Bool) -> Bool {
        var offset = 0
        let flags = Int32(MSG_NOSIGNAL) | (waiting ? 0 : Int32(MSG_DONTWAIT))
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return Glibc.send(fd, base + offset, raw.count - offset, flags)
            }
            if sent < 0 && errno == EINTR { continue }
            if sent <= 0 { return false }
            offset += sent
            // A line cut in two would garble the stream: a slow reader is dropped instead.
            if !waiting && offset < bytes.count { return false }
        }
        return true
    }
}

/// Reads newline-terminated lines from a socket.
struct LineReader {
    let fd: Int32
    private var pending: [UInt8] = []
    /// The longest line accepted: a request or an event is far smaller.
    static let maximumLine = 1 << 20

    init(fd: Int32) { self.fd = fd }

    /// The next line, or nil at end of stream, on an error, or after `timeout` seconds.
    mutating func next(timeout: Double? = nil) -> [UInt8]? {
        while true {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                return line
            }
            if pending.count > Self.maximumLine { return nil }
            if let timeout {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, Int32(timeout * 1000))
                if ready < 0 && errno == EINTR { continue }
                if ready <= 0 { return nil }
            }
            var chunk = [UInt8](repeating: 0, count: 16384)
            let count = chunk.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return recv(fd, base, raw.count, 0)
            }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return nil }
            pending += chunk[..<count]
        }
    }
}
