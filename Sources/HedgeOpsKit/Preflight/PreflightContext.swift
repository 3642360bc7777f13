/// Everything a pre-flight reads from the outside world, passed in as values
/// so tests hand in their own environment and directories.
public struct PreflightContext: Sendable {
    public var environment: [String: String]
    /// Base for the checklist's relative paths (log dir, requirements file).
    public var workingDirectory: String
    /// Create what can safely be created (the log directory).
    public var fix: Bool
    /// Skip the network items, saying so.
    public var offline: Bool
    /// `--set NAME=VALUE` overrides of run parameters.
    public var parameterOverrides: [String: String]
    /// Directories searched after PATH for commands: the directory of the
    /// hedgeops binary, so `hedge-sim` beside it is found.
    public var toolDirectories: [String]
    /// `--proxy`: the one proxy hedgeops's own requests may use, and only when
    /// the TESTNET gate allows its host. Proxy variables are never used.
    public var proxy: String?
    /// Seconds the network checks may take together, whatever the network
    /// does: a check still waiting then fails, saying how long it waited.
    public var networkBudget: Double = 15

    public init(
        environment: [String: String], workingDirectory: String, fix: Bool = false, offline: Bool = false,
        parameterOverrides: [String: String] = [:], toolDirectories: [String] = [], proxy: String? = nil
    ) {
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.fix = fix
        self.offline = offline
        self.parameterOverrides = parameterOverrides
        self.toolDirectories = toolDirectories
        self.proxy = proxy
    }

    /// The environment the executor will get: the operator's, with the run
    /// parameters applied and hedgeops's webhook left out (it goes to a chat
    /// server, not to the exchange). The TESTNET gate judges exactly this,
    /// resolve overrides included.
    public func executorEnvironment(_ checklist: Checklist, parameterValues: [String: String]) -> [String: String] {
        var result = environment
        result["HEDGEOPS_NOTIFY_URL"] = nil
        for parameter in checklist.parameters {
            guard let name = parameter.env, let value = parameterValues[parameter.name] else { continue }
            // Durations go to the child in seconds.
            result[name] = parameter.kind == .duration ? formatNumber(parseDuration(value) ?? 0) : value
        }
        return result
    }

    /// Parameter values in force: `--set` over the checklist's defaults.
    public func parameterValues(_ checklist: Checklist) -> [String: String] {
        Dictionary(
            checklist.parameters.map { ($0.name, parameterOverrides[$0.name] ?? $0.defaultValue) },
            uniquingKeysWith: { $1 })
    }

    /// A checklist path made absolute against the working directory.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : workingDirectory + "/" + path
    }
}
