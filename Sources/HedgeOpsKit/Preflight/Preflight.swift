import Foundation

/// The pre-test section of the checklist, checked automatically. The same
/// code serves `verify-env`, `run` and the guided session.
public struct Preflight: Sendable {
    public let checklist: Checklist
    public let context: PreflightContext

    public init(checklist: Checklist, context: PreflightContext) {
        self.checklist = checklist
        self.context = context
    }

    /// Problems with `--set` overrides: unknown names or invalid values.
    public static func overrideProblems(_ overrides: [String: String], checklist: Checklist) -> [String] {
        let parameters = checklist.parameters
        let names = parameters.map(\.name)
        return overrides.sorted { $0.key < $1.key }.compactMap { name, value in
            guard let parameter = parameters.first(where: { $0.name == name }) else {
                let hint = closest(to: name, in: names).map { "; did you mean '\($0)'?" } ?? ""
                return "unknown run parameter '\(name)' (known: \(names.joined(separator: ", ")))\(hint)"
            }
            return parameter.problem(with: value).map { "--set \(name)=\(value): \($0)" }
        }
    }

    /// What the executor will be launched with, which is what the gate judges.
    var executorEnvironment: [String: String] {
        context.executorEnvironment(checklist, parameterValues: context.parameterValues(checklist))
    }

    public func run() -> PreflightReport { run(only: nil) }

    /// The parameter items again, on the values now in force: a `set` after
    /// the pre-flight is judged before the launch, so the record never shows
    /// a value beside a check made on another one.
    public func checkParameters() -> [CheckResult] {
        run(only: { if case .params = $0.kind { return true } else { return false } }).items
    }

    private func run(only include: ((ChecklistItem) -> Bool)?) -> PreflightReport {
        let started = Date()
        let gate = TestnetGate(policy: checklist.testnet, endpoints: checklist.endpoints)
        let decision = gate.evaluate(environment: executorEnvironment, proxy: context.proxy)
        let items = checklist.items.filter { include?($0) ?? true }
        // The network items go first and side by side, each on its own thread,
        // so an API that never answers costs one timeout, not one per check
        // and per retry; the local checks run meanwhile.
        // Offline, or refused by the gate, they connect nowhere: answered in
        // line, with no thread started (verify-env --offline starts in ~20 ms).
        let connects = { (item: ChecklistItem) in item.kind.usesNetwork && !context.offline && decision.allowed }
        let network = NetworkBudget(seconds: context.networkBudget)
        for item in items where connects(item) {
            let preflight = self
            network.start(item.id) { preflight.check(item, gate: gate, gateAllowed: decision.allowed) }
        }
        var results: [CheckResult] = []
        for item in items {
            let itemStart = Date()
            let finding =
                connects(item) ? network.finding(item.id) : check(item, gate: gate, gateAllowed: decision.allowed)
            let duration = connects(item) ? network.duration(item.id) : Date().timeIntervalSince(itemStart)
            results.append(
                CheckResult(
                    id: item.id, title: item.title, kind: item.kind.name, required: item.required,
                    // An optional item that fails only warns.
                    status: !item.required && finding.status == .fail ? .warn : finding.status,
                    detail: finding.detail, fix: finding.fix,
                    durationMS: duration * 1000))
        }
        return PreflightReport(
            checklist: checklist.file, items: results, gate: decision,
            durationMS: Date().timeIntervalSince(started) * 1000)
    }

    private func check(_ item: ChecklistItem, gate: TestnetGate, gateAllowed: Bool) -> Finding {
        switch item.kind {
        case .env(let variables):
            return EnvironmentCheck.check(variables, in: context.environment, fix: item.fix)
        case .testnetGate:
            return gate.finding(environment: executorEnvironment, proxy: context.proxy)
        case .logDir(let spec):
            return LogDirectoryCheck.check(spec, context: context, fix: item.fix)
        case .venv:
            return VirtualEnvCheck.check(context: context, fix: item.fix)
        case .requirements(let file):
            return RequirementsCheck.check(file: file, context: context, fix: item.fix)
        case .command(let spec):
            return CommandCheck.check(spec, context: context, fix: item.fix)
        case .params(let parameters):
            return ParameterCheck.check(parameters, overrides: context.parameterOverrides, fix: item.fix)
        case .http(let spec):
            if context.offline { return .skip("skipped: --offline (not checked, does not count as passed)") }
            if !gateAllowed { return .skip("not run: the TESTNET gate refused, no connection attempted") }
            return NetworkCheck.reachability(spec, checklist: checklist, context: context, gate: gate)
        case .credentials(let spec):
            if context.offline { return .skip("skipped: --offline (not checked, does not count as passed)") }
            if !gateAllowed { return .skip("not run: the TESTNET gate refused, no connection attempted") }
            return NetworkCheck.credentials(spec, checklist: checklist, context: context, gate: gate)
        case .websocket(let spec):
            if context.offline { return .skip("skipped: --offline (not checked, does not count as passed)") }
            if !gateAllowed { return .skip("not run: the TESTNET gate refused, no connection attempted") }
            return WebSocketCheck.check(spec, checklist: checklist, context: context, gate: gate)
        case .manual:
            return .skip("manual: the operator confirms it in the guided session")
        }
    }
}

/// The result of a pre-flight: one result per item, the gate, the exit code.
public struct PreflightReport: Sendable {
    public var checklist: String
    public var items: [CheckResult]
    public var gate: TestnetGate.Decision
    public var durationMS: Double

    /// Every required check passed and the gate let the run through.
    public var ok: Bool { gate.allowed && !items.contains { $0.required && $0.status == .fail } }

    /// 0 all required passed, 1 a required check failed, 3 gate refused (3 wins over 1).
    public var exitCode: Int32 {
        if !gate.allowed { return ExitCode.testnetRefused }
        return ok ? ExitCode.success : ExitCode.failed
    }

    public func count(_ status: CheckStatus) -> Int { items.filter { $0.status == status }.count }
}

/// The exit codes every command shares.
public enum ExitCode {
    public static let success: Int32 = 0
    public static let failed: Int32 = 1
    public static let usage: Int32 = 2
    public static let testnetRefused: Int32 = 3
    public static let aborted: Int32 = 4
}
