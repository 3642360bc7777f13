import CEditLine
import Foundation

/// Set by the SIGINT handler while a line is being read: Ctrl-C cancels the
/// line, never the run.
nonisolated(unsafe) var lineInterrupted: sig_atomic_t = 0

/// The thread that reads lines. SIGINT is process-directed: the kernel may
/// run the handler on the supervisor's or a dispatch thread, where it would
/// not interrupt the read; the handler then forwards it here.
nonisolated(unsafe) var readerThread: pthread_t = pthread_self()

/// Words Tab completes (commands, item ids, parameter names). libedit's
/// generators are C functions and cannot capture context: the candidates
/// live here, set by the session before each prompt (one reader at a time).
nonisolated(unsafe) var completionCandidates: [String] = []
nonisolated(unsafe) private var completionMatches: [String] = []
nonisolated(unsafe) private var completionIndex = 0

/// libedit's generator: state 0 starts a new completion.
private let completionGenerator: @convention(c) (UnsafePointer<CChar>?, Int32) -> UnsafeMutablePointer<CChar>? = {
    text, state in
    if state == 0 {
        let prefix = text.map { String(cString: $0) } ?? ""
        completionMatches = completionCandidates.filter { $0.hasPrefix(prefix) }
        completionIndex = 0
    }
    guard completionIndex < completionMatches.count else { return nil }
    defer { completionIndex += 1 }
    return strdup(completionMatches[completionIndex])
}

/// The first word completes from the candidates; later words fall back to
/// libedit's file name completion (paths, for `export --out` and friends).
private let attemptedCompletion:
    @convention(c) (UnsafePointer<CChar>?, Int32, Int32) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = {
        text, start, _ in
        guard let text else { return nil }
        let matches = rl_completion_matches(text, completionGenerator)
        if start > 0 && matches == nil { return nil }  // libedit then completes file names
        return matches
    }

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
            hedgeops_set_completion(attemptedCompletion)
            // Ctrl-C: interrupt the read (no SA_RESTART), keep the process.
            var action = sigaction()
            readerThread = pthread_self()
            action.__sigaction_handler.sa_handler = { _ in
                lineInterrupted = 1
                if pthread_equal(pthread_self(), readerThread) == 0 { pthread_kill(readerThread, SIGINT) }
            }
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
