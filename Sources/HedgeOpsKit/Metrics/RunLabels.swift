import Foundation

/// The labels every series of a run carries, so one Prometheus can hold a
/// fleet of runs and a dashboard can split them by symbol or host. Each
/// value is bounded (length and characters) and never holds a secret: a
/// label is stored for as long as the Prometheus server keeps its data.
public struct RunLabels: Sendable, Equatable {
    public var runID: String
    /// The checklist's `id`.
    public var checklist: String
    public var host: String
    /// The run parameter `symbol`, empty when the checklist has none.
    public var symbol: String
    /// The executor's command, short: the program and its first word (`hedge-sim run`).
    public var executor: String
    /// A compressed run (time scale other than 1) proves the workflow, not the executor.
    public var rehearsal: Bool

    /// The longest label value kept; longer ones are cut.
    public static let maximumLength = 64

    public init(runID: String, checklist: String, host: String, symbol: String, executor: String, rehearsal: Bool) {
        self.runID = Self.bounded(runID)
        self.checklist = Self.bounded(checklist)
        self.host = Self.bounded(host)
        self.symbol = Self.bounded(symbol)
        self.executor = Self.bounded(executor)
        self.rehearsal = rehearsal
    }

    /// The labels of a run; any value that holds a secret of the run's
    /// environment becomes `redacted`.
    public init(
        runID: String, checklist: Checklist, parameters: [String: String], host: String, timeScale: Double,
        redactor: SecretRedactor
    ) {
        func clean(_ value: String) -> String { redactor.reveals(value) ? "redacted" : value }
        self.init(
            runID: clean(runID), checklist: clean(checklist.id), host: clean(host),
            symbol: clean(parameters["symbol"] ?? ""), executor: clean(Self.shortCommand(checklist.run.argv)),
            rehearsal: timeScale != 1)
    }

    /// The program's base name and its first argument that is not an option:
    /// `python tests/load/load_test_8h.py --x` is `python load_test_8h.py`.
    public static func shortCommand(_ argv: [String]) -> String {
        guard let program = argv.first else { return "" }
        let name = { (word: String) in word.split(separator: "/").last.map(String.init) ?? word }
        let first = argv.dropFirst().first { !$0.hasPrefix("-") }
        return ([name(program)] + (first.map { [name($0)] } ?? [])).joined(separator: " ")
    }

    /// Printable ASCII only (anything else becomes `_`), at most ``maximumLength`` characters.
    static func bounded(_ value: String) -> String {
        let kept = value.unicodeScalars.prefix(maximumLength).map { scalar -> Character in
            (0x20..<0x7f).contains(scalar.value) ? Character(scalar) : "_"
        }
        return String(kept)
    }

    /// Name and value pairs in exposition order.
    public var pairs: [(String, String)] {
        [
            ("run_id", runID), ("checklist", checklist), ("host", host), ("symbol", symbol),
            ("executor", executor), ("rehearsal", rehearsal ? "true" : "false"),
        ]
    }
}
