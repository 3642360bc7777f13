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

    func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
