import Foundation
import Testing

@testable import HedgeOpsKit

/// The cgroup v2 path against a fake /sys/fs/cgroup (these machines mount a
/// v2 hierarchy with no controllers, so the real one is never available here).
struct CgroupV2Tests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("cgroup-\(UUID().uuidString.prefix(8))")
        .path
    let mounts = "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\nproc /proc proc rw 0 0\n"

    func lay(controllers: String, subtree: String = "") throws -> String {
        let parent = root + "/sys/fs/cgroup/user.slice"
        try FileManager.default.createDirectory(atPath: parent + "/session-1.scope", withIntermediateDirectories: true)
        try controllers.write(toFile: parent + "/cgroup.controllers", atomically: false, encoding: .utf8)
        try subtree.write(toFile: parent + "/cgroup.subtree_control", atomically: false, encoding: .utf8)
        return parent
    }

    @Test func theExecutorsCgroupGoesBesideHedgeopsOwnAndReadsTheKernelsFigures() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let parent = try lay(controllers: "cpuset cpu io memory pids", subtree: "memory cpu")
        let created = CgroupV2.create(
            name: "run1", mounts: mounts, selfCgroup: "0::/user.slice/session-1.scope\n", root: root)
        let cgroup = try created.get()
        #expect(cgroup.path == parent + "/hedgeops-run1")
        try "412\n977\n".write(toFile: cgroup.path + "/cgroup.procs", atomically: false, encoding: .utf8)
        try "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n".write(
            toFile: cgroup.path + "/cpu.stat", atomically: false, encoding: .utf8)
        try "104857600\n".write(toFile: cgroup.path + "/memory.current", atomically: false, encoding: .utf8)
        #expect(cgroup.processes() == [412, 977])
        #expect(cgroup.cpuSeconds() == 2.5)
        #expect(cgroup.memoryCurrentMB() == 100)
        #expect(cgroup.memoryPeakMB() == nil)
    }

    @Test func withoutTheControllersThereIsNoCgroupAndTheReasonSaysWhy() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        _ = try lay(controllers: "")
        let created = CgroupV2.create(
            name: "run1", mounts: mounts, selfCgroup: "0::/user.slice/session-1.scope\n", root: root)
        #expect(created.failureReason?.contains("memory and cpu controllers are not available") == true)
        #expect(
            CgroupV2.create(name: "x", mounts: "proc /proc proc rw 0 0\n", selfCgroup: "", root: root).failureReason
                == "no cgroup2 hierarchy mounted")
    }

    @Test func aHybridHostsUnifiedMountIsFound() {
        let hybrid =
            "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\ncgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n"
        #expect(CgroupV2.mountPoint(hybrid) == "/sys/fs/cgroup/unified")
    }

    @Test func thisMachineSaysWhetherItCanHaveOne() {
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        let mine = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        switch CgroupV2.create(name: "probe-\(getpid())", mounts: mounts, selfCgroup: mine) {
        case .success(let cgroup): cgroup.remove()
        case .failure(let unavailable): #expect(!unavailable.reason.isEmpty)
        }
    }
}
