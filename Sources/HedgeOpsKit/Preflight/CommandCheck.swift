import Foundation

/// A command's exit status, with a hard timeout.
enum CommandCheck {
    static func check(_ spec: CommandSpec, context: PreflightContext, fix: String?) -> Finding {
        let shown = spec.argv.joined(separator: " ")
        let started = Date()
        let outcome = ProcessRunner.run(
            spec.argv, environment: context.environment, workingDirectory: context.workingDirectory,
            timeout: spec.timeout, toolDirectories: context.toolDirectories)
        let ms = Int(Date().timeIntervalSince(started) * 1000)
        if let launchError = outcome.launchError {
            return .fail("\(shown): \(launchError)", fix: fix ?? "install it or fix the command in the checklist")
        }
        if outcome.timedOut {
            return .fail(
                "\(shown): no answer within \(formatNumber(spec.timeout)) s, stopped",
                fix: fix ?? "run it by hand to see why it hangs")
        }
        guard outcome.exitCode == spec.expectExit else {
            let last = (outcome.stderrText + outcome.stdoutText).split(separator: "\n").last.map { ": \($0)" } ?? ""
            return .fail(
                "\(shown): exit \(outcome.exitCode), expected \(spec.expectExit)\(last)",
                fix: fix ?? "run '\(shown)' by hand and fix what it reports")
        }
        return .pass("\(shown): exit \(outcome.exitCode) in \(ms) ms")
    }
}
