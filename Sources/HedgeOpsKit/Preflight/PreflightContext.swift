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

    public init(
        environment: [String: String], workingDirectory: String, fix: Bool = false, offline: Bool = false,
        parameterOverrides: [String: String] = [:], toolDirectories: [String] = []
    ) {
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.fix = fix
        self.offline = offline
        self.parameterOverrides = parameterOverrides
        self.toolDirectories = toolDirectories
    }

    /// A checklist path made absolute against the working directory.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : workingDirectory + "/" + path
    }
}
