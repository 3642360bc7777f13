import Foundation
import HedgeOpsKit

/// A real terminal for the session: a private tmux server (its own socket)
/// running one command in a pane of fixed size. Keys go in with
/// `send-keys`; what an operator would see comes back with `capture-pane`,
/// i.e. the screen after the terminal has interpreted every escape sequence.
final class Tmux: @unchecked Sendable {
    static let available: Bool = {
        let process = try? ChildProcess.spawn(
            ["tmux", "-V"], environment: Binary.baseEnvironment, workingDirectory: "/")
        return process?.wait() == .exited(0)
    }()

    let socket = "hedgeops-test-\(UUID().uuidString.prefix(8))"
    let directory: String
    let environment: [String: String]

    /// Starts `command` in a `columns`×40 pane; the pane stays after it exits, so
    /// its exit status can be read.
    init(_ command: [String], environment: [String: String], in directory: String, columns: Int = 100) throws {
        self.directory = directory
        self.environment = environment
        try "set -g remain-on-exit on\nset -g history-limit 5000\n".write(
            toFile: directory + "/tmux.conf", atomically: true, encoding: .utf8)
        // The exit status goes to a file (tmux does not always report it);
        // the shell ignores Ctrl-C, the command installs its own handler.
        let wrapper = #"trap '' INT; "$0" "$@"; echo $? > exit-status.tmp && mv exit-status.tmp exit-status"#
        try tmux(
            [
                "-f", directory + "/tmux.conf", "new-session", "-d", "-s", "s", "-x", String(columns), "-y", "40", "sh",
                "-c",
                wrapper,
            ]
                + command)
    }

    deinit { _ = try? tmux(["kill-server"]) }

    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        let out = directory + "/tmux-\(UUID().uuidString.prefix(8)).out"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let process = try ChildProcess.spawn(
            ["tmux", "-L", socket] + arguments, environment: environment, workingDirectory: directory,
            stdoutPath: out, stderrPath: out)
        _ = process.wait(timeout: 10)
        return (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
    }

    /// Keys as tmux names them: literal text, or "Enter", "C-c", "Up", "Tab".
    func send(_ keys: String...) throws {
        for key in keys { try tmux(["send-keys", "-t", "s", key]) }
    }

    /// Text typed as is (no key names).
    func type(_ text: String) throws {
        try tmux(["send-keys", "-t", "s", "-l", text])
    }

    /// Text typed, then Enter.
    func line(_ text: String) throws {
        try type(text)
        try send("Enter")
    }

    /// The visible screen, or the scrollback too.
    func screen(history: Bool = false) -> String {
        (try? tmux(["capture-pane", "-p", "-J", "-t", "s"] + (history ? ["-S", "-5000"] : []))) ?? ""
    }

    /// Waits until the screen (with scrollback) contains `text`, also when
    /// hedgeops wrapped it at a word boundary onto an indented next line.
    func waitFor(_ text: String, timeout: Double = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let shown = screen(history: true)
            if shown.contains(text) || Self.unwrapped(shown).contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    /// `text` with every line break followed by indentation read as one space.
    static func unwrapped(_ text: String) -> String {
        text.replacingOccurrences(of: "\n +", with: " ", options: .regularExpression)
    }

    /// The pid of the command running in the pane (the shell wrapper's child).
    func commandPID() -> Int32? {
        let output = (try? tmux(["display-message", "-p", "-t", "s", "#{pane_pid}"])) ?? ""
        guard let shell = Int32(output.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(shell)/task")) ?? []
        for task in tasks {
            let children = (try? String(contentsOfFile: "/proc/\(shell)/task/\(task)/children", encoding: .utf8)) ?? ""
            if let first = children.split(separator: " ").first.flatMap({ Int32($0) }) { return first }
        }
        return nil
    }

    /// Closes the terminal: the programs in it get SIGHUP, as when a window is closed.
    func close() {
        _ = try? tmux(["kill-server"])
    }

    /// The command's exit status once it has ended (nil while it runs).
    func exitStatus() -> Int32? {
        (try? String(contentsOfFile: directory + "/exit-status", encoding: .utf8)).flatMap {
            Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    func waitForExit(timeout: Double = 30) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = exitStatus() { return status }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return nil
    }
}
