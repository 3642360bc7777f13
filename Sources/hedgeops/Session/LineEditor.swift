import CEditLine
import Foundation
import HedgeOpsKit

/// What one read from the operator gave.
enum LineRead: Equatable {
    case line(String)
    /// Ctrl-C: the half-typed line is dropped; ask again.
    case cancelled
    /// Ctrl-D on an empty line.
    case endOfInput
    /// Someone else called `wake()` (the run ended): stop waiting for a line.
    case woken
}

// The C callbacks cannot capture context: they reach the one editor here.
nonisolated(unsafe) private var theEditor: LineEditor?
// Set by signal handlers (async-signal-safe: a flag and a write to a pipe).
nonisolated(unsafe) private var interruptFlag: sig_atomic_t = 0
nonisolated(unsafe) private var resizeFlag: sig_atomic_t = 0
nonisolated(unsafe) private var suspendFlag: sig_atomic_t = 0
nonisolated(unsafe) private var wakeFD: Int32 = -1
// The terminal as it was before the editor, given back by `close` and at exit.
nonisolated(unsafe) private var terminalAtStart = termios()

/// libedit's native EditLine API on a terminal, with our own character
/// reader: it waits on the keyboard *and* a wake-up pipe, so that Ctrl-C,
/// output from the run and the status line are all handled on the reading
/// thread, between keystrokes, where redrawing the line is safe. (The
/// readline compatibility layer installs its own SIGINT handling; with it
/// Ctrl-C at the prompt was unreliable, and redrawing from another thread
/// broke it.)
final class LineEditor: @unchecked Sendable {
    let editLine: OpaquePointer
    private let history: OpaquePointer
    private let historyPath: String
    private let redactor: SecretRedactor
    private let wakeRead: Int32
    private let lock = NSLock()
    private var reading = false
    private var pendingOutput: [(text: String, standardError: Bool)] = []
    private var wakeRequested = false
    private var promptSource: () -> String = { "> " }
    private var promptShown = ""
    private var statusShown: String?
    private var promptBuffer: UnsafeMutablePointer<CChar>?
    private var lastRead: LineRead = .endOfInput
    /// Characters dropped from the line being typed because it reached ``maximumLineLength``.
    private var droppedCharacters = 0
    /// When the status line and prompt were last compared with what is shown.
    private var lastStatusCheck = 0.0
    /// A byte read ahead while decoding a broken UTF-8 character.
    private var pushedBack: UInt8?

    /// Longer lines are cut: libedit redraws the whole line at every keystroke,
    /// so a pasted megabyte would freeze the session for minutes.
    static let maximumLineLength = 4096

    /// A status line kept above the prompt and redrawn in place (nil: none).
    /// It is drawn here, not by libedit, and removed once the line is read,
    /// so the scrollback keeps only prompts and answers.
    var statusLine: (() -> String)?
    /// What Tab completes: commands as the first word; item ids and
    /// parameter names (then file names) after it.
    var commands: [String] = [] {
        didSet { offers = nil }
    }
    var arguments: [String] = []
    /// What the current prompt accepts, given the words typed before the
    /// one being completed; set for the prompts before the launch, so Tab
    /// offers only what that prompt takes (nil: `commands` and `arguments`).
    var offers: (([String]) -> [String])?

    init(historyPath: String, redactor: SecretRedactor) {
        // libedit silently drops non-ASCII bytes without a UTF-8 locale.
        if let name = setlocale(LC_CTYPE, ""), ["C", "POSIX"].contains(String(cString: name)) {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        // Before libedit touches the terminal: however the session ends (a
        // return, exit, a refused gate), the terminal comes back as it was.
        let saved = tcgetattr(0, &terminalAtStart) == 0
        if saved { atexit { _ = tcsetattr(0, TCSADRAIN, &terminalAtStart) } }
        self.historyPath = historyPath
        self.redactor = redactor
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        wakeRead = fds[0]
        wakeFD = fds[1]

        editLine = hedgeops_el_init("hedgeops")
        history = history_init()
        var event = HistEvent()
        hedgeops_history_setsize(history, &event, 1000)
        hedgeops_history_setunique(history, &event, 1)
        Self.scrubHistory(historyPath, redactor: redactor)
        hedgeops_history_load(history, &event, historyPath)
        hedgeops_el_set_history(editLine, history)
        hedgeops_el_set_editor(editLine, "emacs")
        hedgeops_el_set_signal(editLine, 0)  // our handlers, below
        // No echo between reads either: what is typed while the session is
        // busy (a pasted secret) appears only when libedit reads it, redacted.
        hedgeops_el_set_quiet_cooked_mode(editLine)
        if saved {
            var quiet = terminalAtStart
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(0, TCSADRAIN, &quiet)
        }
        hedgeops_el_set_prompt(editLine, { _ in theEditor?.promptBuffer })
        hedgeops_el_set_getcfn(editLine, { _, character in theEditor?.readCharacter(character) ?? 0 })
        hedgeops_el_addfn(editLine, "hedgeops-complete", "complete a command, item, parameter or file") { _, _ in
            theEditor?.complete() ?? UInt8(CC_ERROR)
        }
        hedgeops_el_bind(editLine, "^I", "hedgeops-complete")
        theEditor = self

        // Ctrl-C interrupts the line, never the process; a resize redraws;
        // Ctrl-Z would stop the sampling with the process, so it only warns.
        Self.handle(SIGINT) { _ in
            interruptFlag = 1
            LineEditor.poke()
        }
        Self.handle(SIGWINCH) { _ in
            resizeFlag = 1
            LineEditor.poke()
        }
        Self.handle(SIGTSTP) { _ in
            suspendFlag = 1
            LineEditor.poke()
        }
    }

    private static func handle(_ signal: Int32, _ handler: @convention(c) (Int32) -> Void) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: a blocked poll returns
        sigaction(signal, &action, nil)
    }

    private static func poke() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakeFD, &byte, 1)
    }

    /// Reads one line; the prompt is recomputed at every redraw.
    func read(prompt: @escaping () -> String) -> LineRead {
        promptSource = prompt
        setPrompt()
        interruptFlag = 0
        drainWakePipe()
        lock.lock()
        reading = true
        lock.unlock()
        Self.emit(statusBlock(), standardError: false)
        var count: Int32 = 0
        let raw = el_gets(editLine, &count)
        var line = raw.map { String(cString: $0) }
        if line?.hasSuffix("\n") == true { line?.removeLast() }
        // Control characters and escape sequences never reach the record, where a reviewer's terminal would run them.
        line = line.map(Self.printable)
        let outcome: LineRead = line.flatMap { count > 0 ? .line($0) : nil } ?? lastRead
        lastRead = .endOfInput
        finish(outcome)
        lock.lock()
        reading = false
        let leftover = pendingOutput
        pendingOutput = []
        lock.unlock()
        for item in leftover { Self.emit(item.text, standardError: item.standardError) }
        if droppedCharacters > 0 {
            Self.emit(
                "(the line was cut at \(Self.maximumLineLength) characters; \(droppedCharacters) more were dropped)\n",
                standardError: false)
            droppedCharacters = 0
        }
        if case .line(let text) = outcome { remember(text) }
        return outcome
    }

    /// After a read: the status line goes, and the prompt with what was
    /// typed stays (`^C` marks a cancelled line).
    private func finish(_ outcome: LineRead) {
        guard statusShown != nil else {
            if outcome == .cancelled { Self.emit("^C\n", standardError: false) }
            if case .line(let text) = outcome { hideSecret(in: text) }
            return
        }
        var rows = 1
        var echo = ""
        switch outcome {
        case .line(let text):
            rows += Self.rowsBelowStart(promptShown + text) + 1  // libedit moved below the line
            echo = promptShown + redactor.redact(text) + "\n"
        case .cancelled:
            let typed = typedBeforeCursor()
            rows += Self.rowsBelowStart(promptShown + typed)
            echo = promptShown + typed + "^C\n"
        case .endOfInput:
            rows += Self.rowsBelowStart(promptShown)
            echo = promptShown + "\n"
        case .woken:
            rows += Self.rowsBelowStart(promptShown + typedBeforeCursor())
        }
        statusShown = nil
        Self.emit("\r\u{1B}[\(rows)A\u{1B}[J" + echo, standardError: false)
    }

    /// A typed line that holds a secret is drawn again, redacted, over what
    /// libedit echoed while it was typed, so the screen and its scrollback keep no secret.
    private func hideSecret(in text: String) {
        let shown = redactor.redact(text)
        guard shown != text else { return }
        let rows = Self.rowsBelowStart(promptShown + text) + 1  // libedit moved below the line
        Self.emit("\r\u{1B}[\(rows)A\u{1B}[J" + promptShown + shown + "\n", standardError: false)
    }

    /// `text` without control characters (a tab becomes a space).
    static func printable(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar == "\t" {
                out.append(" ")
            } else if scalar.properties.generalCategory != .control {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// The terminal's width (at least 20, whatever the terminal says).
    static var columns: Int { max(20, Int(hedgeops_terminal_columns(1))) }

    /// How many rows below its first row `text` ends, drawn from column 0.
    static func rowsBelowStart(_ text: String) -> Int { text.count / columns }

    func typedBeforeCursor() -> String {
        guard let info = el_line(editLine)?.pointee, let buffer = info.buffer, let cursor = info.cursor else {
            return ""
        }
        return String(decoding: UnsafeRawBufferPointer(start: buffer, count: cursor - buffer), as: UTF8.self)
    }

    /// The status line and its newline, cut to the terminal's width.
    private func statusBlock() -> String {
        guard let status = statusLine?() else {
            statusShown = nil
            return ""
        }
        statusShown = status
        return String(status.prefix(Self.columns - 1)) + "\u{1B}[K\n"
    }

    /// Output from another thread: shown above the prompt while a line is
    /// being read; false when nobody is reading (the caller writes it).
    func deliver(_ text: String, standardError: Bool) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard reading else { return false }
        pendingOutput.append((text, standardError))
        Self.poke()
        return true
    }

    /// Ends the current read with `.woken` (the run finished).
    func wake() {
        lock.lock()
        wakeRequested = true
        lock.unlock()
        Self.poke()
    }

    /// Gives the terminal back in its normal state (at exit).
    func close() {
        el_end(editLine)
        tcsetattr(0, TCSADRAIN, &terminalAtStart)
        history_end(history)
        theEditor = nil
    }

    // MARK: On the reading thread, inside el_gets

    /// libedit's character source: keyboard, or the wake-up pipe.
    private func readCharacter(_ character: UnsafeMutablePointer<wchar_t>?) -> Int32 {
        while true {
            if interruptFlag != 0 {
                interruptFlag = 0
                lastRead = .cancelled
                errno = EINTR
                return -1
            }
            if suspendFlag != 0 {
                suspendFlag = 0
                redraw([
                    "Ctrl-Z is off here: stopping hedgeops would stop the sampling. `detach` leaves the run going.\n"
                ])
            }
            if resizeFlag != 0 {
                resizeFlag = 0
                el_resize(editLine)
                redraw([])
            }
            lock.lock()
            let output = pendingOutput
            pendingOutput = []
            let woken = wakeRequested
            wakeRequested = false
            lock.unlock()
            if !output.isEmpty { redraw(output.map(\.text)) }
            if woken {
                lastRead = .woken
                errno = EINTR
                return -1
            }
            // The status line and the prompt change once a second: compared a few times a
            // second, not at every character of a paste.
            let now = RunClock.monotonic()
            if now - lastStatusCheck >= 0.2 {
                lastStatusCheck = now
                if (statusLine.map { $0() } ?? nil) != statusShown || promptSource() != promptShown { redraw([]) }
            }

            var fds = [
                pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, statusLine == nil ? -1 : 500)
            if ready < 0 && errno != EINTR { return -1 }
            if fds[1].revents != 0 { drainWakePipe() }
            guard fds[0].revents != 0 else { continue }
            guard let scalar = readScalar() else { continue }
            if scalar == -1 {
                lastRead = .endOfInput
                return 0
            }
            if scalar >= 0x20 && scalar != 0x7F, let info = el_wline(editLine)?.pointee, let start = info.buffer,
                let end = info.lastchar, start.distance(to: end) >= Self.maximumLineLength
            {
                droppedCharacters += 1
                continue
            }
            character?.pointee = wchar_t(scalar)
            return 1
        }
    }

    /// One UTF-8 encoded character from the keyboard (-1 at end of input,
    /// nil for a byte that starts nothing valid).
    private func readScalar() -> Int32? {
        guard let lead = readByte() else { return -1 }
        if lead < 0x80 { return Int32(lead) }
        // 0x80–0xBF continue a character and 0xF8–0xFF start none: dropped alone.
        let length = lead >= 0xF8 ? 0 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0
        guard length > 0 else { return nil }
        var bytes = [lead]
        while bytes.count < length {
            guard let next = readByte() else { return nil }
            guard (0x80...0xBF).contains(next) else {
                // Not a continuation: the broken character is dropped, the byte is kept for the next read.
                pushedBack = next
                return nil
            }
            bytes.append(next)
        }
        guard let scalar = String(validating: bytes, as: UTF8.self)?.unicodeScalars.first else { return nil }
        return Int32(scalar.value)
    }

    /// One byte from the keyboard (a byte put back first); nil at end of input.
    private func readByte() -> UInt8? {
        if let byte = pushedBack {
            pushedBack = nil
            return byte
        }
        var byte: UInt8 = 0
        while true {
            let got = Glibc.read(0, &byte, 1)
            if got == 1 { return byte }
            if got < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            return nil
        }
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while Glibc.read(wakeRead, &buffer, buffer.count) > 0 {}
    }

    /// Clears the prompt area, prints what came in, and lets libedit draw
    /// the prompt and the half-typed line again below it, cursor in place.
    func redraw(_ output: [String]) {
        let rowsAbove = (statusShown == nil ? 0 : 1) + Self.rowsBelowStart(promptShown + typedBeforeCursor())
        var clear = "\r"
        if rowsAbove > 0 { clear += "\u{1B}[\(rowsAbove)A" }
        Self.emit(clear + "\u{1B}[J" + output.joined() + statusBlock(), standardError: false)
        setPrompt()
        hedgeops_el_refresh(editLine)
    }

    private func setPrompt() {
        promptShown = promptSource()
        free(promptBuffer)
        promptBuffer = strdup(promptShown)
    }

    // MARK: History

    /// History, never with a secret's value in it: a line holding any form
    /// of one (see `SecretRedactor`) is not kept. The file is the operator's alone.
    private func remember(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty, !redactor.reveals(line) else { return }
        var event = HistEvent()
        hedgeops_history_enter(history, &event, line)
        hedgeops_history_save(history, &event, historyPath)
        chmod(historyPath, 0o600)
    }

    /// Drops from the history file every line that holds a secret (one kept
    /// by an older hedgeops), before it is loaded; the file becomes owner-only.
    static func scrubHistory(_ path: String, redactor: SecretRedactor) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let kept = lines.filter { !redactor.reveals(String($0)) }
        if kept.count != lines.count {
            let fd = open(path + ".scrub", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return }
            let bytes = Array(kept.joined(separator: "\n").utf8)
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            let synced = fsync(fd) == 0
            Glibc.close(fd)
            guard written == bytes.count && synced, rename(path + ".scrub", path) == 0 else {
                unlink(path + ".scrub")
                return
            }
        }
        chmod(path, 0o600)
    }

    static func emit(_ text: String, standardError: Bool) {
        let data = Array(text.utf8)
        data.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(standardError ? 2 : 1, base + offset, bytes.count - offset)
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
