import Foundation
import HedgeOpsKit

/// Lines from the operator: libedit on a terminal (editing, history,
/// completion, a live status line), one plain line at a time otherwise, so
/// a session can be scripted (`hedgeops session < answers.txt`).
final class LineInput {
    let editor: LineEditor?
    var interactive: Bool { editor != nil }

    init(redactor: SecretRedactor) {
        // A dumb terminal (an editor's shell buffer) cannot move the cursor:
        // plain lines there too.
        let dumb = ["", "dumb"].contains(ProcessInfo.processInfo.environment["TERM"] ?? "")
        guard isatty(0) == 1 && isatty(1) == 1 && !dumb else {
            editor = nil
            signal(SIGINT, SIG_IGN)  // a scripted session is stopped with `abort` or SIGTERM
            return
        }
        let environment = ProcessInfo.processInfo.environment
        let state =
            environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? "/tmp") + "/.local/state"
        let directory = state + "/hedgeops"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let editor = LineEditor(historyPath: directory + "/history", redactor: redactor)
        self.editor = editor
        Console.shared.editor = editor
    }

    /// One line without its newline. On a terminal the prompt is
    /// recomputed whenever the line is redrawn (the run clock moves).
    func read(prompt: @escaping () -> String) -> LineRead {
        guard let editor else {
            return Swift.readLine(strippingNewline: true).map(LineRead.line) ?? .endOfInput
        }
        return editor.read(prompt: prompt)
    }

    func close() {
        Console.shared.editor = nil
        editor?.close()
    }
}

/// Where output from other threads goes while libedit owns the line: the
/// editor prints it above the prompt and redraws the line being typed.
final class Console: @unchecked Sendable {
    static let shared = Console()
    private let lock = NSLock()
    private var current: LineEditor?

    var editor: LineEditor? {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }

    private var pendingPrompt: (() -> String)?

    /// The prompt shown without an editor (a pipe, TERM=dumb) while its line
    /// is read: output from another thread then starts on a line of its own
    /// and the prompt, as it reads now, is shown again below it, never glued to it.
    var plainPrompt: (() -> String)? {
        get { lock.withLock { pendingPrompt } }
        set { lock.withLock { pendingPrompt = newValue } }
    }

    /// True when the editor, or the plain prompt, took the text.
    func deliver(_ text: String, standardError: Bool) -> Bool {
        if let editor { return editor.deliver(text, standardError: standardError) }
        return lock.withLock {
            guard let prompt = pendingPrompt else { return false }
            let handle = standardError ? FileHandle.standardError : FileHandle.standardOutput
            try? FileHandle.standardOutput.write(contentsOf: Data("\n".utf8))
            try? handle.write(contentsOf: Data(text.utf8))
            try? FileHandle.standardOutput.write(contentsOf: Data(prompt().utf8))
            return true
        }
    }
}
