import Foundation

/// The checklist's `data/load_test/`: exists (or is created with --fix), is a
/// directory, is writable (proved by writing a probe), has free space.
enum LogDirectoryCheck {
    static func check(_ spec: LogDirSpec, context: PreflightContext, fix: String?) -> Finding {
        let path = context.resolve(spec.path)
        let shown = spec.path
        var created = false
        var info = stat()
        if lstat(path, &info) != 0 {
            guard context.fix else {
                return .fail("\(shown) does not exist", fix: fix ?? "mkdir -p \(shown) (or run with --fix)")
            }
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                created = true
            } catch {
                return .fail(
                    "\(shown) does not exist and could not be created: \(error.localizedDescription)",
                    fix: "create it by hand with a user that may write there")
            }
        } else if info.st_mode & S_IFMT == S_IFLNK {
            // Follow a symlink, but say where it goes.
            if stat(path, &info) != 0 {
                return .fail("\(shown) is a broken symbolic link", fix: "remove the link and mkdir -p \(shown)")
            }
        }
        if !created, info.st_mode & S_IFMT != S_IFDIR {
            return .fail("\(shown) exists but is not a directory", fix: "move that file away, then mkdir -p \(shown)")
        }
        if let problem = probeWrite(in: path) {
            return .fail("\(shown) is not writable: \(problem)", fix: "chmod u+w \(shown) or use a directory you own")
        }
        var fs = statvfs()
        guard statvfs(path, &fs) == 0 else {
            return .fail(
                "\(shown): cannot read free space: \(String(cString: strerror(errno)))", fix: "check the filesystem")
        }
        let freeMB = Double(fs.f_bavail) * Double(fs.f_frsize) / 1_048_576
        let detail = "\(shown)\(created ? " created" : ""), writable, \(formatMegabytes(freeMB)) free"
        if freeMB < spec.minFreeMB {
            return .fail(
                detail + " (needs \(formatMegabytes(spec.minFreeMB)))",
                fix: "free some space or point the log directory at a larger disk")
        }
        return .pass(detail)
    }

    /// Creates, writes and removes a probe file; the error text, or nil.
    private static func probeWrite(in directory: String) -> String? {
        let probe = "\(directory)/.hedgeops-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(probe, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { unlink(probe) }
        let bytes: [UInt8] = Array("hedgeops write probe\n".utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let writeError = written < 0 ? String(cString: strerror(errno)) : nil
        close(fd)
        return writeError
    }
}

func formatMegabytes(_ mb: Double) -> String {
    mb >= 1024 ? String(format: "%.1f GB", mb / 1024) : String(format: "%.0f MB", mb)
}
