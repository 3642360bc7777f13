import Foundation

/// Terminal concerns in one place: colour only on a TTY and never with
/// NO_COLOR (or TERM=dumb); output on stdout, diagnostics on stderr.
struct Terminal {
    let colour: Bool
    /// Columns to fit output to: $COLUMNS, else the terminal's own width
    /// (TIOCGWINSZ); nil when stdout is not a terminal and COLUMNS is unset
    /// (a file or a pipe: lines are left whole, for grep).
    /// Read at every use: the window may be resized during an 8-hour run.
    var width: Int? { Self.columns(environment: ["COLUMNS": columnsVariable ?? ""], fd: fd) }
    /// The width to lay tables and checkpoint lines out to: only on a
    /// terminal; a file or a pipe keeps each line whole, for grep.
    var layoutWidth: Int? { isatty(fd) == 1 ? width : nil }
    /// Whether stdout is a terminal that can redraw a line in place (not TERM=dumb).
    let canRedraw: Bool
    private let columnsVariable: String?
    private let fd: Int32

    init(environment: [String: String] = ProcessInfo.processInfo.environment, forStdout: Bool = true) {
        let noColour = !(environment["NO_COLOR"] ?? "").isEmpty || environment["TERM"] == "dumb"
        let tty = isatty(forStdout ? 1 : 2) == 1
        colour = !noColour && tty
        canRedraw = tty && !["", "dumb"].contains(environment["TERM"] ?? "")
        columnsVariable = environment["COLUMNS"]
        fd = forStdout ? 1 : 2
    }

    /// $COLUMNS when it is a sensible number, else TIOCGWINSZ on `fd`.
    static func columns(environment: [String: String], fd: Int32) -> Int? {
        if let text = environment["COLUMNS"], let columns = Int(text), (20...1000).contains(columns) {
            return columns
        }
        var size = winsize()
        guard isatty(fd) == 1, ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 20 else { return nil }
        return Int(size.ws_col)
    }

    enum Style: String {
        case red = "31", green = "32", yellow = "33", dim = "2", bold = "1", boldRed = "1;31"
    }

    func paint(_ text: String, _ style: Style) -> String {
        colour ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// A closed stdout (`hedgeops status | head`) must never stop a run:
    /// SIGPIPE is ignored (see Main) and write errors are dropped here.
    /// While the session reads a line, output goes above the prompt.
    /// No secret's value is ever printed (`ScreenRedaction`).
    /// `wrap: false` for a command meant to be copied: a soft wrap by the
    /// terminal copies as one line, a newline of ours would not.
    func out(_ text: String, terminator: String = "\n", wrap: Bool = true) {
        let redacted = ScreenRedaction.current.redact(text)
        let text = wrap ? fitted(redacted, terminator: terminator) : redacted
        if Console.shared.deliver(text + terminator, standardError: false) { return }
        try? FileHandle.standardOutput.write(contentsOf: Data((text + terminator).utf8))
    }

    func error(_ text: String, wrap: Bool = true) {
        let redacted = ScreenRedaction.current.redact(text)
        let text = wrap ? fitted(redacted, terminator: "\n") : redacted
        if Console.shared.deliver(text + "\n", standardError: true) { return }
        try? FileHandle.standardError.write(contentsOf: Data((text + "\n").utf8))
    }

    /// Whole lines on a terminal wrap at word boundaries, not mid-word; a
    /// prompt (no newline) and output to a file or pipe are left as they are.
    private func fitted(_ text: String, terminator: String) -> String {
        guard isatty(fd) == 1, terminator == "\n", let width else { return text }
        return TextWrap.fit(text, width: width)
    }
}
