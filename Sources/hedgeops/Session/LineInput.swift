import CEditLine
import Foundation

/// Set by the SIGINT handler while a line is being read: Ctrl-C cancels the
/// line, never the run.
nonisolated(unsafe) var lineInterrupted: sig_atomic_t = 0

/// Lines from the operator: libedit on a terminal (editing, history), one
/// plain line at a time otherwise, so a session can be scripted.
final class LineInput {
    let interactive: Bool
    private let historyPath: String?
    private let secrets: [String]

    init(secrets: [String]) {
        interactive = isatty(0) == 1 && isatty(1) == 1
        self.secrets = secrets.filter { $0.count >= 4 }
        if interactive {
            setlocale(LC_ALL, "")  // libedit drops non-ASCII bytes without it
            let environment = ProcessInfo.processInfo.environment
            let state =
                environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
                ?? (environment["HOME"] ?? "/tmp") + "/.local/state"
            let directory = state + "/hedgeops"
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            historyPath = directory + "/history"
            stifle_history(1000)
            _ = read_history(historyPath)
            // Ctrl-C: interrupt the read (no SA_RESTART), keep the process.
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { _ in lineInterrupted = 1 }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(SIGINT, &action, nil)
        } else {
            historyPath = nil
            signal(SIGINT, SIG_IGN)
        }
    }

    /// One line without its newline; nil at end of input (Ctrl-D).
    /// A Ctrl-C on a half-typed line returns "" and the caller asks again.
    func read(prompt: String) -> String? {
        guard interactive else {
            return Swift.readLine(strippingNewline: true)
        }
        lineInterrupted = 0
        guard let raw = readline(prompt) else {
            if lineInterrupted != 0 {
                FileHandle.standardOutput.write(Data("^C\n".utf8))
                return ""
            }
            return nil
        }
        defer { free(raw) }
        let line = String(cString: raw)
        remember(line)
        return line
    }

    /// History, never with a secret's value in it.
    private func remember(_ line: String) {
        guard let historyPath, !line.trimmingCharacters(in: .whitespaces).isEmpty,
            !secrets.contains(where: { line.contains($0) })
        else { return }
        add_history(line)
        _ = write_history(historyPath)
    }
}
