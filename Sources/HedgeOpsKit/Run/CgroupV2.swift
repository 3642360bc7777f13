import Foundation

/// A cgroup v2 of the executor's own, where the machine lets hedgeops make
/// one (it runs as root, or systemd delegated a subtree to it).
///
/// Every process in it is counted however it was started (a daemon that
/// double-forked and left the session included), and the kernel keeps the
/// figures: `memory.current`, `memory.peak` and `cpu.stat`'s `usage_usec`,
/// CPU of exited processes included. Where no such cgroup can be made (a v1
/// or hybrid host whose v2 hierarchy has no controllers), the sampler walks
/// the process tree instead and says so in results.json.
public struct CgroupV2: Sendable, Equatable {
    /// The cgroup's directory.
    public let path: String

    public init(path: String) { self.path = path }

    /// Makes `hedgeops-<name>` beside hedgeops's own cgroup, or nil with the
    /// reason it cannot be had here. `mounts` and `selfCgroup` are the
    /// contents of /proc/self/mounts and /proc/self/cgroup (passed in so a
    /// fake tree can stand in for /sys/fs/cgroup in tests).
    public static func create(
        name: String, mounts: String, selfCgroup: String, root: String = ""
    ) -> Result<CgroupV2, Unavailable> {
        guard let mountPoint = mountPoint(mounts) else {
            return .failure(.init(reason: "no cgroup2 hierarchy mounted"))
        }
        guard let relative = selfCgroup.split(separator: "\n").first(where: { $0.hasPrefix("0::") })?.dropFirst(3)
        else { return .failure(.init(reason: "hedgeops is in no cgroup v2")) }
        // A process may not sit in a cgroup whose controllers are delegated to
        // children: the executor's group goes beside ours, under our parent.
        var parent = root + mountPoint + String(relative)
        if parent.hasSuffix("/") { parent.removeLast() }
        if String(relative) != "/" { parent = (parent as NSString).deletingLastPathComponent }
        let controllers = (try? String(contentsOfFile: parent + "/cgroup.controllers", encoding: .utf8)) ?? ""
        let available = Set(controllers.split(whereSeparator: \.isWhitespace).map(String.init))
        guard available.isSuperset(of: ["memory", "cpu"]) else {
            return .failure(.init(reason: "the memory and cpu controllers are not available in \(parent)"))
        }
        let enabled = (try? String(contentsOfFile: parent + "/cgroup.subtree_control", encoding: .utf8)) ?? ""
        if !Set(enabled.split(whereSeparator: \.isWhitespace).map(String.init)).isSuperset(of: ["memory", "cpu"]) {
            guard write("+memory +cpu", to: parent + "/cgroup.subtree_control") else {
                return .failure(.init(reason: "cannot enable memory and cpu for \(parent)'s children (not delegated)"))
            }
        }
        let path = parent + "/hedgeops-" + name
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else {
            return .failure(.init(reason: "cannot create \(path): \(String(cString: strerror(errno)))"))
        }
        return .success(CgroupV2(path: path))
    }

    /// Why no cgroup is used, for results.json.
    public struct Unavailable: Error, Sendable, Equatable {
        public var reason: String
    }

    /// Moves `pid` (the freshly started executor) into the cgroup.
    public func add(pid: Int32) -> Bool { Self.write(String(pid), to: path + "/cgroup.procs") }

    /// Every process in the cgroup now. (The sampler keeps these files
    /// open and reads them itself; these are for one-off questions.)
    public func processes() -> [Int32] {
        ProcReader.readOnce(path + "/cgroup.procs") { bytes in
            var pids: [Int32] = []
            ProcReader.integers(bytes, into: &pids)
            return pids
        } ?? []
    }

    /// CPU used by every process that ever ran in it, in seconds.
    public func cpuSeconds() -> Double? {
        ProcReader.readOnce(path + "/cpu.stat") { ProcReader.value(after: "usage_usec ", in: $0) }?
            .map { $0 / 1e6 }
    }

    /// `memory.current` in MB: every page charged to the group, page cache included.
    public func memoryCurrentMB() -> Double? { bytes("memory.current").map { $0 / 1_048_576 } }

    /// `memory.peak` in MB (kernels from 5.19).
    public func memoryPeakMB() -> Double? { bytes("memory.peak").map { $0 / 1_048_576 } }

    /// Removes the (empty) cgroup at the end of the run.
    public func remove() { rmdir(path) }

    private func bytes(_ file: String) -> Double? {
        ProcReader.readOnce(path + "/" + file) { bytes -> Double? in
            var value = 0.0
            var seen = false
            for byte in bytes {
                guard byte >= 48 && byte <= 57 else { break }
                value = value * 10 + Double(byte - 48)
                seen = true
            }
            return seen ? value : nil
        } ?? nil
    }

    /// The cgroup2 mount point in /proc/self/mounts (`/sys/fs/cgroup`, or
    /// `/sys/fs/cgroup/unified` on a hybrid host).
    static func mountPoint(_ mounts: String) -> String? {
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count > 2 && fields[2] == "cgroup2" { return String(fields[1]) }
        }
        return nil
    }

    private static func write(_ text: String, to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return text.withCString { Glibc.write(fd, $0, strlen($0)) } == text.utf8.count
    }
}

extension Result where Failure == CgroupV2.Unavailable {
    /// The reason, when there is no cgroup.
    var failureReason: String? {
        if case .failure(let unavailable) = self { return unavailable.reason }
        return nil
    }
}
