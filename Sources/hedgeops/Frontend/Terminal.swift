import Foundation

/// Terminal concerns in one place: colour only on a TTY and never with
/// NO_COLOR (or TERM=dumb); output on stdout, diagnostics on stderr.
struct Terminal {
    let colour: Bool

    init(environment: [String: String] = ProcessInfo.processInfo.environment, forStdout: Bool = true) {
        let noColour = !(environment["NO_COLOR"] ?? "").isEmpty || environment["TERM"] == "dumb"
        colour = !noColour && isatty(forStdout ? 1 : 2) == 1
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
    func out(_ text: String, terminator: String = "\n") {
        let text = ScreenRedaction.current.redact(text)
        if Console.shared.deliver(text + terminator, standardError: false) { return }
        try? FileHandle.standardOutput.write(contentsOf: Data((text + terminator).utf8))
    }

    func error(_ text: String) {
        let text = ScreenRedaction.current.redact(text)
        if Console.shared.deliver(text + "\n", standardError: true) { return }
        try? FileHandle.standardError.write(contentsOf: Data((text + "\n").utf8))
    }
}
