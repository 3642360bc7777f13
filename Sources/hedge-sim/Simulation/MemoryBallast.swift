import Foundation

/// Real memory for the scenario's profile: pages mapped and written, so the
/// RSS that hedgeops reads from /proc follows the profile. Chunks are mapped
/// directly (not malloc'd) so that releasing them really returns the pages.
final class MemoryBallast {
    static let chunkBytes = 1 << 20
    private var chunks: [UnsafeMutableRawPointer] = []

    var megabytes: Double { Double(chunks.count * Self.chunkBytes) / 1_048_576 }

    /// Grows or shrinks to the nearest whole megabyte of `target`.
    func resize(toMB target: Double) {
        let wanted = max(0, Int(target.rounded()))
        while chunks.count < wanted {
            guard
                let chunk = mmap(nil, Self.chunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                chunk != MAP_FAILED
            else { return }
            // Non-zero bytes on every page, so the kernel cannot share a zero page.
            memset(chunk, 0x5A, Self.chunkBytes)
            chunks.append(chunk)
        }
        while chunks.count > wanted, let chunk = chunks.popLast() {
            munmap(chunk, Self.chunkBytes)
        }
    }

    deinit { resize(toMB: 0) }

    /// This process's resident set in MB, from /proc/self/statm (as psutil reports rss).
    static func residentMB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
}
