/// The team's load-test checklist as typed data: every item of the Markdown
/// checklist, in its order and words, plus what hedgeops needs to check it.
public struct Checklist: Sendable {
    /// The file it was read from, as given (for messages).
    public var file: String
    /// SHA-256 of the file's bytes, recorded at launch so `resume` notices edits.
    public var sha256: String
    public var schema: Int
    public var id: String
    public var title: String
    public var purpose: String
    public var task: String
    public var testnet: TestnetPolicy
    public var endpoints: [Endpoint]
    public var preflight: [ChecklistSection]
    public var run: RunSpec
    public var logPatterns: [LogPattern]
    public var monitoring: Monitoring
    public var criteria: CriteriaSection
    public var failureAnalysis: [FailureHint]
    public var results: ResultsSheet
    public var status: String?
    public var nextStep: String?
    /// Webhook for notifications; $HEDGEOPS_NOTIFY_URL wins.
    public var notifyURL: String?

    /// Every pre-flight item, in order.
    public var items: [ChecklistItem] { preflight.flatMap(\.items) }

    /// Every run parameter declared by `params` items, in order.
    public var parameters: [Parameter] {
        items.flatMap { item -> [Parameter] in
            if case .params(let list) = item.kind { return list }
            return []
        }
    }
}

/// A titled group of pre-flight items ("Environment", "Configuration").
public struct ChecklistSection: Sendable {
    public var title: String
    public var items: [ChecklistItem]
}

/// One line of the checklist an operator ticks, with how hedgeops checks it.
public struct ChecklistItem: Sendable {
    public var id: String
    /// What the operator reads, fitted to the platform.
    public var title: String
    /// The team's checklist's own wording when the shown title differs
    /// ("Windows system environment variables" on Linux); nil when it is the title.
    public var sourceTitle: String? = nil
    /// The team's wording: `sourceTitle`, else the title.
    public var originalTitle: String { sourceTitle ?? title }
    /// A failed required item stops the run; an optional one only warns.
    public var required: Bool
    public var kind: ItemKind
    /// The one-line fix shown when the item fails (a default exists per kind).
    public var fix: String?
    public var line: Int
}

/// What sort of check an item is; the associated value holds its settings.
public enum ItemKind: Sendable {
    case env([EnvVariable])
    case testnetGate
    case logDir(LogDirSpec)
    case venv
    case requirements(file: String)
    case command(CommandSpec)
    case http(HTTPCheckSpec)
    case credentials(CredentialsSpec)
    case websocket(WebSocketCheckSpec)
    case manual(ManualSpec)
    case params([Parameter])

    /// The name used in the YAML file and in JSON output.
    public var name: String {
        switch self {
        case .env: "env"
        case .testnetGate: "testnet_gate"
        case .logDir: "log_dir"
        case .venv: "venv"
        case .requirements: "requirements"
        case .command: "command"
        case .http: "http"
        case .credentials: "credentials"
        case .websocket: "websocket"
        case .manual: "manual"
        case .params: "params"
        }
    }

    /// Items that talk to the network; `--offline` skips them.
    public var needsNetwork: Bool {
        switch self {
        case .http, .credentials, .websocket: true
        default: false
        }
    }

    /// Items only a person can answer; verify-env leaves them to the session.
    public var isManual: Bool {
        if case .manual = self { return true }
        return false
    }
}

/// An environment variable the run needs. Secrets are never shown.
public struct EnvVariable: Sendable {
    public var name: String
    public var secret: Bool
}

public struct LogDirSpec: Sendable {
    public var path: String
    public var minFreeMB: Double
}

public struct CommandSpec: Sendable {
    public var argv: [String]
    public var timeout: Double
    public var expectExit: Int32
}

/// Reachability and clock skew of a TESTNET REST host.
public struct HTTPCheckSpec: Sendable {
    /// The endpoint id (`rest`) whose URL the path is appended to.
    public var endpoint: String
    public var path: String
    public var timeout: Double
    public var maxLatencyMS: Double
    public var maxClockSkewMS: Double
}

/// A signed read-only request proving the API key works on TESTNET.
public struct CredentialsSpec: Sendable {
    public var endpoint: String
    public var path: String
    public var timeout: Double
    public var positionMode: String?
}

/// The executor's WebSocket, tried before the run: a push on the symbol's
/// channel within the timeout, an application ping's round trip, and the
/// private socket's login with the operator's key.
public struct WebSocketCheckSpec: Sendable {
    /// The endpoint id (`ws`) whose URL is the public socket.
    public var endpoint: String
    /// The symbol subscribed to; nil means the run parameter `symbol`, else BTCUSDT.
    public var symbol: String?
    public var channel: String
    public var timeout: Double
    public var maxRoundTripMS: Double
    /// Log in on the private socket with BITUNIX_API_KEY and BITUNIX_API_SECRET.
    public var login: Bool
    /// The private socket's path on the same host (`/private/`).
    public var privatePath: String
    /// Watch the same stream during the run as an independent witness (``StreamWitness``).
    public var witness: Bool = false
}

public struct ManualSpec: Sendable {
    /// The question put to the operator, if the title alone is not enough.
    public var prompt: String?
    public var noteRequired: Bool
}

/// A run parameter: shown, validated, recorded in results, passed to the run.
public struct Parameter: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case string, int, decimal, duration, bool, choice
    }

    public var name: String
    public var title: String
    public var kind: Kind
    public var defaultValue: String
    public var choices: [String]
    public var min: Double?
    public var max: Double?
    /// Environment variable through which the run receives it.
    public var env: String?
    /// A value the checklist insists on (e.g. log level INFO).
    public var expect: String?
    public var line: Int
    public var column: Int

    /// Why `value` is not acceptable for this parameter, or nil when it is.
    public func problem(with value: String) -> String? {
        switch kind {
        case .string:
            return value.isEmpty ? "must not be empty" : nil
        case .int:
            guard let number = Int(value) else { return "expected a whole number, got '\(value)'" }
            return rangeProblem(Double(number))
        case .decimal:
            guard let number = Double(value), number.isFinite else { return "expected a number, got '\(value)'" }
            if !ChecklistLimits.anyNumber.contains(number) {
                return "is out of range; \(ChecklistLimits.anyNumber.fix)"
            }
            return rangeProblem(number)
        case .duration:
            guard let seconds = parseDuration(value) else {
                return "expected a duration like 5s, 10m or 8h, got '\(value)'"
            }
            // The run receives it as a number: never one no integer can hold.
            if !ChecklistLimits.parameterDuration.contains(seconds) {
                return "is out of range; \(ChecklistLimits.parameterDuration.fix)"
            }
            return rangeProblem(seconds)
        case .bool:
            return ["true", "false"].contains(value.lowercased()) ? nil : "expected true or false, got '\(value)'"
        case .choice:
            if choices.contains(value) { return nil }
            let hint = closest(to: value, in: choices).map { "; did you mean '\($0)'?" } ?? ""
            return "expected one of \(choices.joined(separator: ", ")), got '\(value)'\(hint)"
        }
    }

    private func rangeProblem(_ number: Double) -> String? {
        if let min, number < min { return "must be at least \(formatNumber(min)), got \(formatNumber(number))" }
        if let max, number > max { return "must be at most \(formatNumber(max)), got \(formatNumber(number))" }
        return nil
    }
}

/// Which hosts count as TESTNET, and which are the live exchange.
public struct TestnetPolicy: Sendable {
    /// The flag variable; must be explicitly set and true.
    public var flag: String
    public var allowHosts: [String]
    /// Hosts that are the live exchange; always refused.
    public var liveHosts: [String]
    /// Domains under which every host not on the allow-list is refused.
    public var liveDomains: [String]
}

/// A base URL the executor will use, read from the environment.
public struct Endpoint: Sendable {
    public var id: String
    public var title: String
    public var env: String
    public var defaultURL: String
}

/// How to launch and supervise the executor's run.
public struct RunSpec: Sendable {
    public var title: String
    public var script: String?
    public var argv: [String]
    public var workdir: String
    public var duration: Double
    public var logGlob: String
    public var sampleInterval: Double
    public var warmup: Double
    public var checkpointWindow: Double
    public var silenceLimit: Double
    public var stopGrace: Double
}

/// A regular expression counted in the executor's log.
public struct LogPattern: Sendable {
    public var id: String
    public var title: String
    public var regex: String

    public init(id: String, title: String, regex: String) {
        self.id = id
        self.title = title
        self.regex = regex
    }
}

public struct Monitoring: Sendable {
    public var title: String
    public var hourly: [HourlyItem]
    public var checkpoints: [Checkpoint]
    public var leakRatio: Double
    public var leakText: String
    public var expectedBehavior: [String]
}

/// An item put to the operator every hour, pre-filled from a measurement.
public struct HourlyItem: Sendable {
    public enum Measure: String, Sendable, CaseIterable {
        case memoryTrend = "memory_trend"
        case wsState = "ws_state"
        case logErrors = "log_errors"
        case errorLock = "error_lock"
        case cpuAverage = "cpu_average"
    }

    public var id: String
    public var title: String
    public var measure: Measure
    public var expect: String?
    public var max: Double?
}

/// An hour mark at which memory is recorded ("Memory Hour 4").
public struct Checkpoint: Sendable {
    public var hour: Double
    public var label: String
}

public struct CriteriaSection: Sendable {
    public var title: String
    public var items: [Criterion]
}

/// A pass criterion: a metric compared with a threshold.
public struct Criterion: Sendable {
    public enum Metric: String, Sendable, CaseIterable {
        case memoryRatio = "memory_ratio"
        case wsReconnects = "ws_reconnects"
        case errorRate = "error_rate"
        case fullDuration = "full_duration"
        case errorLock = "error_lock"
        case cpuAverage = "cpu_average"
    }

    public enum Comparison: String, Sendable, CaseIterable {
        case lessThan = "<"
        case atMost = "<="
        case equal = "=="
        case atLeast = ">="
        case greaterThan = ">"

        public func holds(_ value: Double, _ threshold: Double) -> Bool {
            switch self {
            case .lessThan: value < threshold
            case .atMost: value <= threshold
            case .equal: value == threshold
            case .atLeast: value >= threshold
            case .greaterThan: value > threshold
            }
        }
    }

    public var id: String
    public var title: String
    public var metric: Metric
    public var comparison: Comparison
    public var threshold: Double
    /// For `error_rate`: the log pattern ids whose counts are operations.
    public var operations: [String]
}

public struct FailureHint: Sendable {
    public var title: String
    public var hint: String
}

/// The checklist's "Results Documentation" sheet.
public struct ResultsSheet: Sendable {
    public var title: String
    public var summary: [SummaryLine]
}

/// A line of the sheet's Summary block ("Memory Leak: PASS/FAIL").
public struct SummaryLine: Sendable {
    public var label: String
    public var criteria: [String]
}
