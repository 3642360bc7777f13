import Foundation
import Testing

@testable import HedgeOpsKit

struct RunLockUnitTests {
    func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aRefusedAttemptLeavesTheOwnersLockInPlace() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let owner = try RunLock(dataDirectory: directory)
        for _ in 0..<3 {
            let error = #expect(throws: RunLock.Held.self) { try RunLock(dataDirectory: directory) }
            #expect(error?.pid == getpid())
            #expect(error?.description.contains("another hedgeops (pid \(getpid())) holds \(owner.path)") == true)
            #expect(FileManager.default.fileExists(atPath: owner.path))
        }
        owner.release()
        #expect(FileManager.default.fileExists(atPath: owner.path))
        let next = try RunLock(dataDirectory: directory)
        withExtendedLifetime(next) {}
    }

    @Test func theLockIsNotInheritedByAChild() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lock = try RunLock(dataDirectory: directory)
        let child = try ChildProcess.spawn(
            ["sleep", "30"], environment: ["PATH": "/usr/bin:/bin"], workingDirectory: directory)
        defer { child.signalGroup(SIGKILL) }
        lock.release()
        // Were the descriptor inherited, the sleeping child would still hold the lock.
        let next = try RunLock(dataDirectory: directory)
        withExtendedLifetime(next) {}
    }
}
