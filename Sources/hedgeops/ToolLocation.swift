import Foundation

/// Where this hedgeops binary lives: companions such as `hedge-sim` are
/// looked for beside it after PATH.
enum ToolLocation {
    static var directory: String {
        let link =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: link).deletingLastPathComponent().path
    }
}
