import Foundation

/// Unpacking a bundle `.tar.gz` for `verify` without trusting it: a bundle
/// is a few megabytes, so an archive that unpacks to more than the limit
/// (a gzip bomb) is refused before anything is written, as is any entry
/// that is not a plain file or directory inside the bundle's folder.
enum BundleArchive {
    /// 256 MiB: a run's bundle (samples, journal, log excerpt) is a few MB.
    static let maximumBytes = 256 << 20

    /// Extracts `archive` into `directory`; returns what is wrong instead when it is refused.
    static func extract(_ archive: String, into directory: String, limit: Int = maximumBytes) -> String? {
        let environment = ProcessInfo.processInfo.environment
        // 1. The decompressed stream, counted and cut at the limit: a bomb
        //    costs at most `limit` bytes of decompression, never disk.
        let counted = ProcessRunner.run(
            [
                "/bin/sh", "-c", #"gzip -dc -- "$1" 2>/dev/null | head -c "$2" | wc -c"#, "sh", archive,
                String(limit + 1),
            ],
            environment: environment, workingDirectory: directory, timeout: 120)
        let streamBytes = Int(counted.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        if streamBytes > limit {
            return "\(archive): unpacks to more than \(limit >> 20) MiB (a hedgeops bundle is a few MB): refused, "
                + "nothing was extracted"
        }
        // 2. The listing: only files and directories, inside the bundle, within the limit.
        let listing = ProcessRunner.run(
            ["tar", "-tvzf", archive], environment: environment, workingDirectory: directory, timeout: 120)
        guard listing.exitCode == 0 else {
            return "\(archive): not a hedgeops bundle (tar: \(listing.stderrText.prefix(200)))"
        }
        let names = ProcessRunner.run(
            ["tar", "-tzf", archive], environment: environment, workingDirectory: directory, timeout: 120)
        var total = 0
        for line in listing.stdoutText.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let type = line.first, ["-", "d"].contains(type), fields.count >= 3, let size = Int(fields[2]) else {
                return "\(archive): not a hedgeops bundle: '\(line.prefix(120))' is not a plain file or directory"
            }
            total += size
        }
        for name in names.stdoutText.split(separator: "\n")
        where name.hasPrefix("/") || name.split(separator: "/").contains("..") {
            return "\(archive): not a hedgeops bundle: '\(name.prefix(120))' points outside the bundle"
        }
        if total > limit {
            return "\(archive): its files add up to more than \(limit >> 20) MiB (a hedgeops bundle is a few MB): "
                + "refused, nothing was extracted"
        }
        // 3. Extraction, which cannot now write more than the listing said.
        let extracted = ProcessRunner.run(
            ["tar", "-xzf", archive, "-C", directory, "--no-same-owner"], environment: environment,
            workingDirectory: directory, timeout: 120)
        guard extracted.exitCode == 0 else {
            return "\(archive): not a hedgeops bundle (tar: \(extracted.stderrText.prefix(200)))"
        }
        return nil
    }
}
