import Foundation
import Testing

@testable import HedgeOpsKit

/// The supervisor's control socket with real Unix sockets: requests,
/// events to every subscriber, owner-only, and a stalled client never
/// holding the supervisor up.
@Suite(.serialized)
struct ControlSocketTests {
    let folder: String

    init() throws {
        folder =
            FileManager.default.temporaryDirectory.appendingPathComponent("ctl-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    static func status(_ clients: Int) -> SupervisorStatus {
        SupervisorStatus(
            runID: "r1", folder: "/x", supervisorPID: getpid(), supervisingSince: "2026-11-29T00:00:00.000Z",
            executorPID: 42, elapsedHours: 1.5, plannedHours: 8,
            live: LiveFigures(hour: 1.5, rssMB: 80, cpuPercent: 3, counts: ["errors": 1], wsState: "Connected"),
            clients: clients, pendingHour: 1, verdict: nil)
    }

    @Test func requestsAreAnsweredAndEventsReachEverySubscriber() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let notes = Locked<[String]>([])
        let server = try ControlServer(folder: folder) { request in
            switch request {
            case .status: return .status(Self.status(1))
            case .note(let text):
                notes.withLock { $0.append(text) }
                return .ok("noted")
            default: return .refused("not here")
            }
        }
        defer { server.close() }
        var mode = stat()
        #expect(stat(server.path, &mode) == 0)
        #expect(mode.st_mode & 0o777 == 0o600, "owner-only socket")

        let client = try #require(ControlClient.connect(folder: folder))
        #expect(client.status() == Self.status(1))
        #expect(client.send(.note("half way")) == .ok("noted"))
        #expect(notes.withLock { $0 } == ["half way"])
        #expect(client.send(.abort(reason: "x")) == .refused("not here"))

        let seen = Locked<[Int: [ControlEvent]]>([:])
        var subscribers: [ControlClient] = []
        for index in 0..<2 {
            let subscriber = try #require(ControlClient.connect(folder: folder))
            let subscribed = subscriber.subscribe(
                { event in seen.withLock { $0[index, default: []].append(event) } }, ended: {})
            #expect(subscribed)
            subscribers.append(subscriber)
        }
        #expect(server.clientCount == 2)
        server.broadcast(.warning("memory projected to 1.9×"))
        server.broadcast(.hourlyDue(hour: 2, items: [HourlyItemDue(id: "mem", title: "Memory", measured: "80 MB")]))
        for _ in 0..<200 where seen.withLock({ $0.values.map(\.count) }) != [2, 2] { usleep(10_000) }
        let events = seen.withLock { $0 }
        #expect(events[0] == events[1])
        #expect(events[0]?.first == .warning("memory projected to 1.9×"))
    }

    @Test func aClientThatStopsReadingIsDroppedAndNeverBlocksTheSupervisor() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let server = try ControlServer(folder: folder) { _ in .ok("") }
        defer { server.close() }
        // Subscribes by hand, then never reads again.
        let fd = try #require(UnixSocket.connect(to: server.path))
        defer { close(fd) }
        #expect(UnixSocket.send(fd, try #require(ControlCoding.line(ControlRequest.subscribe)), waiting: true))
        for _ in 0..<200 where server.clientCount == 0 { usleep(5_000) }
        #expect(server.clientCount == 1)
        let big = String(repeating: "x", count: 4000)
        let started = Date()
        for _ in 0..<2000 { server.broadcast(.warning(big)) }
        #expect(Date().timeIntervalSince(started) < 5, "8 MB of events to a stalled client never block")
        #expect(server.clientCount == 0, "the stalled client was dropped")
    }

    @Test func nothingListeningMeansNoSupervisor() {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(ControlClient.connect(folder: folder) == nil)
    }

    @Test func aSocketFolderAnotherUserCouldOpenIsNeverUsed() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let deep = folder + "/" + String(repeating: "d", count: 120)
        let shared = NSTemporaryDirectory() + "hedgeops-\(getuid())"
        try? FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        chmod(shared, 0o777)
        defer { chmod(shared, 0o700) }
        #expect(ControlServer.socketPath(folder: deep) == deep + "/control.sock", "a world-writable folder is refused")
        chmod(shared, 0o700)
        #expect(ControlServer.socketPath(folder: deep).hasPrefix(shared + "/"))
    }

    @Test func aRunFolderTooDeepForASocketAddressStillGetsOne() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let deep = folder + "/" + String(repeating: "d", count: 60) + "/" + String(repeating: "e", count: 40)
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        let server = try ControlServer(folder: deep) { _ in .ok("deep") }
        defer { server.close() }
        #expect(!server.path.hasPrefix(deep))
        #expect(ControlClient.connect(folder: deep)?.send(.status) == .ok("deep"))
    }
}
