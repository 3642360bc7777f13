import Foundation
import Yams

/// Turns a YAML tree into a `Checklist`, one section of the schema a method.
/// Problems go to the reader; a nil result or any diagnostic means invalid.
struct ChecklistBuilder {
    let reader: YAMLReader
    let sha256: String
    private let ids = IdRegistry()

    init(reader: YAMLReader, sha256: String) {
        self.reader = reader
        self.sha256 = sha256
    }

    static let topKeys = [
        "schema", "id", "title", "purpose", "task", "testnet", "endpoints", "preflight", "run",
        "log_patterns", "monitoring", "criteria", "failure_analysis", "results", "status", "next_step", "notify_url",
    ]

    func build(_ root: Node) -> Checklist? {
        guard
            let top = reader.mapping(
                root, "", allowed: Self.topKeys,
                required: [
                    "schema", "id", "title", "testnet", "endpoints", "preflight", "run", "monitoring", "criteria",
                ])
        else { return nil }
        let schema = top.int("schema", default: 1, in: ChecklistLimits.schema) ?? 1
        if schema != 1, let node = top.child("schema") {
            reader.report(node, "schema", "unsupported schema \(schema)", fix: "this hedgeops reads schema 1")
        }
        let endpoints = endpointList(top)
        let logPatterns = patterns(top)
        let criteria = criteriaSection(top, patternIds: logPatterns.map(\.id))
        let criterionIds = declaredIds(top.child("criteria")?.mapping?["items"])
        let checklist = Checklist(
            file: reader.file,
            sha256: sha256,
            schema: schema,
            id: top.requiredString("id"),
            title: top.requiredString("title"),
            purpose: top.string("purpose", default: "") ?? "",
            task: top.string("task", default: "") ?? "",
            testnet: testnetPolicy(top),
            endpoints: endpoints,
            preflight: preflight(top, endpointIds: endpoints.map(\.id)),
            run: runSpec(top),
            logPatterns: logPatterns,
            monitoring: monitoring(top),
            criteria: criteria,
            failureAnalysis: failureAnalysis(top),
            results: resultsSheet(top, criterionIds: criterionIds),
            status: top.string("status"),
            nextStep: top.string("next_step"),
            notifyURL: top.string("notify_url"))
        checkRunFitsCheckpoints(checklist, top)
        if let url = checklist.notifyURL, let refusal = HTTPClient.liveRefusal(HTTPRequest(url: url)) {
            reader.report(
                top.child("notify_url"), "notify_url", refusal,
                fix: "point notify_url at your chat or alerting webhook, never at the exchange")
        }
        // An item that failed to read may be the gate: do not pile a second error on it.
        if reader.diagnostics.isEmpty { checkHasGate(checklist, top) }
        return checklist
    }

    // MARK: TESTNET and endpoints

    private func testnetPolicy(_ top: MapView) -> TestnetPolicy {
        let flag = LiveExchange.flagVariable
        let fallback = TestnetPolicy(flag: flag, allowHosts: [], liveHosts: [], liveDomains: [])
        guard
            let map = top.map(
                "testnet", allowed: ["flag", "allow_hosts", "live_hosts", "live_domains"], required: ["allow_hosts"])
        else { return fallback }
        // The executor reads this variable; a checklist naming another would check a flag nobody reads.
        if let named = map.string("flag"), named != flag {
            reader.report(
                map.child("flag"), "testnet.flag", "the flag must be \(flag), the variable the executor reads",
                fix: "write flag: \(flag) (or leave the key out)")
        }
        let policy = TestnetPolicy(
            flag: flag,
            allowHosts: map.stringList("allow_hosts").map(HostName.normalize),
            liveHosts: map.stringList("live_hosts").map(HostName.normalize),
            liveDomains: map.stringList("live_domains").map(HostName.normalize))
        // An allow-list that lets the live exchange through defeats the gate.
        let allowNodes = map.list("allow_hosts")
        for (index, host) in policy.allowHosts.enumerated()
        where LiveExchange.isLive(host, extraHosts: policy.liveHosts, extraDomains: policy.liveDomains) {
            reader.report(
                index < allowNodes.count ? allowNodes[index].node : map.child("allow_hosts"),
                "testnet.allow_hosts[\(index)]",
                "'\(host)' is a live Bitunix host (or under a live domain) and can never be allowed",
                fix: "remove it; add the TESTNET host your executor really uses")
        }
        return policy
    }

    private func endpointList(_ top: MapView) -> [Endpoint] {
        top.list("endpoints").compactMap { node, path in
            guard
                let map = reader.mapping(
                    node, path, allowed: ["id", "title", "env", "default"], required: ["id", "env", "default"])
            else { return nil }
            let id = map.requiredString("id")
            ids.claim(id, node: map.child("id"), path: map.keyPath("id"), reader: reader)
            let url = map.requiredString("default")
            if URLComponents(string: url)?.host == nil, let valueNode = map.child("default") {
                reader.report(
                    valueNode, map.keyPath("default"), "'\(url)' is not a URL with a host",
                    fix: "write it like https://host.example or wss://host.example/public/")
            }
            return Endpoint(
                id: id, title: map.string("title", default: id) ?? id, env: map.requiredString("env"),
                defaultURL: url)
        }
    }

    // MARK: Pre-flight

    private func preflight(_ top: MapView, endpointIds: [String]) -> [ChecklistSection] {
        top.list("preflight").compactMap { node, path in
            guard let map = reader.mapping(node, path, allowed: ["section", "items"], required: ["section", "items"])
            else { return nil }
            let items = map.list("items").compactMap { item(node: $0.node, path: $0.path, endpointIds: endpointIds) }
            return ChecklistSection(title: map.requiredString("section"), items: items)
        }
    }

    static let commonItemKeys = ["id", "title", "source_title", "kind", "required", "fix"]
    static let kindKeys: [String: [String]] = [
        "env": ["variables"],
        "testnet_gate": [],
        "log_dir": ["path", "min_free_mb"],
        "venv": [],
        "requirements": ["file"],
        "command": ["run", "timeout", "expect_exit"],
        "http": ["endpoint", "path", "timeout", "max_latency_ms", "max_clock_skew_ms"],
        "credentials": ["endpoint", "path", "timeout", "position_mode"],
        "websocket": ["endpoint", "symbol", "channel", "timeout", "max_rtt_ms", "login", "private_path", "witness"],
        "manual": ["prompt", "note_required"],
        "params": ["parameters"],
    ]
    static let kindRequired: [String: [String]] = [
        "env": ["variables"], "log_dir": ["path"], "requirements": ["file"], "command": ["run"],
        "http": ["endpoint", "path"], "credentials": ["endpoint", "path"], "websocket": ["endpoint"],
        "params": ["parameters"],
    ]

    private func item(node: Node, path: String, endpointIds: [String]) -> ChecklistItem? {
        // Read the kind first: it decides which other keys are valid.
        var kindName: String?
        if case .mapping(let mapping) = node, let kindNode = mapping["kind"] {
            if let name = kindNode.scalar?.string, Self.kindKeys[name] != nil {
                kindName = name
            } else {
                let given = kindNode.scalar?.string ?? reader.describe(kindNode)
                let kinds = Self.kindKeys.keys.sorted()
                let fix =
                    closest(to: given, in: kinds).map { "did you mean '\($0)'?" }
                    ?? "use one of: \(kinds.joined(separator: ", "))"
                reader.report(kindNode, "\(path).kind", "unknown item kind '\(given)'", fix: fix)
                return nil
            }
        }
        let allowed = Self.commonItemKeys + (kindName.flatMap { Self.kindKeys[$0] } ?? [])
        let required = ["id", "title", "kind"] + (kindName.flatMap { Self.kindRequired[$0] } ?? [])
        guard let map = reader.mapping(node, path, allowed: allowed, required: required), let kindName else {
            return nil
        }
        let id = map.requiredString("id")
        ids.claim(id, node: map.child("id"), path: map.keyPath("id"), reader: reader)
        let kind: ItemKind
        switch kindName {
        case "env":
            kind = .env(variables(map))
        case "testnet_gate":
            kind = .testnetGate
        case "log_dir":
            kind = .logDir(
                LogDirSpec(
                    path: map.requiredString("path"),
                    minFreeMB: map.number("min_free_mb", default: 0, in: ChecklistLimits.minFreeMB) ?? 0))
        case "venv":
            kind = .venv
        case "requirements":
            kind = .requirements(file: map.requiredString("file"))
        case "command":
            let argv = map.stringList("run")
            if argv.isEmpty, let runNode = map.child("run") {
                reader.report(
                    runNode, map.keyPath("run"), "the command is empty", fix: "write it as a list: [program, arg, …]")
            }
            kind = .command(
                CommandSpec(
                    argv: argv, timeout: map.duration("timeout", default: 10, in: ChecklistLimits.timeout) ?? 10,
                    expectExit: Int32(map.int("expect_exit", default: 0, in: ChecklistLimits.exitStatus) ?? 0)))
        case "http":
            kind = .http(
                HTTPCheckSpec(
                    endpoint: endpointRef(map, endpointIds), path: map.requiredString("path"),
                    timeout: map.duration("timeout", default: 10, in: ChecklistLimits.timeout) ?? 10,
                    maxLatencyMS: map.number("max_latency_ms", default: 2000, in: ChecklistLimits.latencyMS) ?? 2000,
                    maxClockSkewMS: map.number("max_clock_skew_ms", default: 1000, in: ChecklistLimits.clockSkewMS)
                        ?? 1000))
        case "credentials":
            kind = .credentials(
                CredentialsSpec(
                    endpoint: endpointRef(map, endpointIds), path: map.requiredString("path"),
                    timeout: map.duration("timeout", default: 10, in: ChecklistLimits.timeout) ?? 10,
                    positionMode: map.string("position_mode")))
        case "websocket":
            kind = .websocket(
                WebSocketCheckSpec(
                    endpoint: endpointRef(map, endpointIds), symbol: map.string("symbol"),
                    channel: map.string("channel") ?? "ticker",
                    timeout: map.duration("timeout", default: 10, in: ChecklistLimits.timeout) ?? 10,
                    maxRoundTripMS: map.number("max_rtt_ms", default: 2000, in: ChecklistLimits.latencyMS) ?? 2000,
                    login: map.bool("login", default: true), privatePath: map.string("private_path") ?? "/private/",
                    witness: map.bool("witness", default: false)))
        case "manual":
            kind = .manual(
                ManualSpec(prompt: map.string("prompt"), noteRequired: map.bool("note_required", default: false)))
        default:
            kind = .params(parameters(map))
        }
        var item = ChecklistItem(
            id: id, title: map.requiredString("title"), required: map.bool("required", default: true), kind: kind,
            fix: map.string("fix"), line: node.mark?.line ?? 1)
        item.sourceTitle = map.string("source_title")
        return item
    }

    private func endpointRef(_ map: MapView, _ endpointIds: [String]) -> String {
        let id = map.requiredString("endpoint")
        if !id.isEmpty, !endpointIds.contains(id), let node = map.child("endpoint") {
            let fix =
                closest(to: id, in: endpointIds).map { "did you mean '\($0)'?" }
                ?? "declare it under endpoints, or use one of: \(endpointIds.joined(separator: ", "))"
            reader.report(node, map.keyPath("endpoint"), "unknown endpoint '\(id)'", fix: fix)
        }
        return id
    }

    private func variables(_ map: MapView) -> [EnvVariable] {
        map.list("variables").compactMap { node, path in
            guard let variable = reader.mapping(node, path, allowed: ["name", "secret"], required: ["name"]) else {
                return nil
            }
            return EnvVariable(name: variable.requiredString("name"), secret: variable.bool("secret", default: false))
        }
    }

    private func parameters(_ map: MapView) -> [Parameter] {
        map.list("parameters").compactMap { node, path in
            guard
                let p = reader.mapping(
                    node, path,
                    allowed: ["name", "title", "type", "default", "choices", "min", "max", "env", "expect"],
                    required: ["name", "type", "default"])
            else { return nil }
            let name = p.requiredString("name")
            ids.claim("param:" + name, node: p.child("name"), path: p.keyPath("name"), reader: reader)
            let typeName = p.requiredString("type")
            let kinds = Parameter.Kind.allCases.map(\.rawValue)
            guard let kind = Parameter.Kind(rawValue: typeName) else {
                if let typeNode = p.child("type") {
                    let fix =
                        closest(to: typeName, in: kinds).map { "did you mean '\($0)'?" }
                        ?? "use one of: \(kinds.joined(separator: ", "))"
                    reader.report(typeNode, p.keyPath("type"), "unknown parameter type '\(typeName)'", fix: fix)
                }
                return nil
            }
            let mark = node.mark
            let parameter = Parameter(
                name: name, title: p.string("title", default: name) ?? name, kind: kind,
                defaultValue: p.requiredString("default"), choices: p.stringList("choices"),
                min: p.number("min", in: ChecklistLimits.anyNumber),
                max: p.number("max", in: ChecklistLimits.anyNumber), env: p.string("env"), expect: p.string("expect"),
                line: mark?.line ?? 1, column: mark?.column ?? 1)
            if let min = parameter.min, let max = parameter.max, min > max, let node = p.child("max") {
                reader.report(
                    node, p.keyPath("max"), "max \(formatNumber(max)) is below min \(formatNumber(min))",
                    fix: "swap them, or raise max to at least \(formatNumber(min))")
            } else if kind == .choice && parameter.choices.isEmpty {
                reader.report(node, p.keyPath("choices"), "a choice parameter needs a list of choices")
            } else {
                for key in ["default", "expect"] {
                    if let valueNode = p.child(key), let value = valueNode.scalar?.string,
                        let problem = parameter.problem(with: value)
                    {
                        reader.report(valueNode, p.keyPath(key), "\(key) value \(problem)")
                    }
                }
            }
            return parameter
        }
    }

    // MARK: Run and log

    private func runSpec(_ top: MapView) -> RunSpec {
        let keys = [
            "title", "script", "command", "workdir", "duration", "log_glob", "sample_interval", "warmup",
            "checkpoint_window", "silence_limit", "stop_grace",
        ]
        let fallback = RunSpec(
            title: "", script: nil, argv: [], workdir: ".", duration: 8 * 3600, logGlob: "", sampleInterval: 5,
            warmup: 60, checkpointWindow: 60, silenceLimit: 600, stopGrace: 30)
        guard let map = top.map("run", allowed: keys, required: ["command", "duration", "log_glob"]) else {
            return fallback
        }
        let argv = map.stringList("command")
        if argv.isEmpty, let node = map.child("command") {
            reader.report(
                node, map.keyPath("command"), "the run command is empty",
                fix: "write it as a list: [python, tests/load/load_test_8h.py]")
        }
        return RunSpec(
            title: map.string("title", default: "Test Execution Script") ?? "",
            script: map.string("script"),
            argv: argv,
            workdir: map.string("workdir", default: ".") ?? ".",
            duration: map.duration("duration", default: fallback.duration, in: ChecklistLimits.runDuration)
                ?? fallback.duration,
            logGlob: map.requiredString("log_glob"),
            sampleInterval: map.duration("sample_interval", default: 5, in: ChecklistLimits.sampleInterval) ?? 5,
            warmup: map.duration("warmup", default: 60, in: ChecklistLimits.warmup) ?? 60,
            checkpointWindow: map.duration("checkpoint_window", default: 60, in: ChecklistLimits.checkpointWindow)
                ?? 60,
            silenceLimit: map.duration("silence_limit", default: 600, in: ChecklistLimits.silenceLimit) ?? 600,
            stopGrace: map.duration("stop_grace", default: 30, in: ChecklistLimits.stopGrace) ?? 30)
    }

    private func patterns(_ top: MapView) -> [LogPattern] {
        top.list("log_patterns").compactMap { node, path in
            guard let map = reader.mapping(node, path, allowed: ["id", "title", "regex"], required: ["id", "regex"])
            else { return nil }
            let id = map.requiredString("id")
            ids.claim(id, node: map.child("id"), path: map.keyPath("id"), reader: reader)
            let regex = map.requiredString("regex")
            if let regexNode = map.child("regex") {
                do {
                    _ = try NSRegularExpression(pattern: regex)
                } catch {
                    reader.report(
                        regexNode, map.keyPath("regex"), "not a valid regular expression: '\(regex)'",
                        fix: "check brackets and escape special characters with \\\\")
                }
            }
            return LogPattern(id: id, title: map.string("title", default: id) ?? id, regex: regex)
        }
    }

    // MARK: Monitoring

    private func monitoring(_ top: MapView) -> Monitoring {
        let fallback = Monitoring(
            title: "", hourly: [], checkpoints: [], leakRatio: 1.5, leakText: "", expectedBehavior: [])
        guard
            let map = top.map(
                "monitoring", allowed: ["title", "every_hour", "checkpoints", "leak_threshold", "expected_behavior"],
                required: ["checkpoints", "leak_threshold"])
        else { return fallback }
        let hourly: [HourlyItem] = map.list("every_hour").compactMap { node, path in
            guard
                let item = reader.mapping(
                    node, path, allowed: ["id", "title", "measure", "expect", "max"],
                    required: ["id", "title", "measure"])
            else { return nil }
            let id = item.requiredString("id")
            ids.claim(id, node: item.child("id"), path: item.keyPath("id"), reader: reader)
            guard let measure = enumValue(item, "measure", HourlyItem.Measure.self) else { return nil }
            return HourlyItem(
                id: id, title: item.requiredString("title"), measure: measure, expect: item.string("expect"),
                max: item.number("max", in: ChecklistLimits.hourlyMax))
        }
        var lastHour = -1.0
        let checkpoints: [Checkpoint] = map.list("checkpoints").compactMap { node, path in
            guard let item = reader.mapping(node, path, allowed: ["hour", "label"], required: ["hour"]),
                let hour = item.number("hour", in: ChecklistLimits.checkpointHour)
            else { return nil }
            if hour <= lastHour, let hourNode = item.child("hour") {
                reader.report(
                    hourNode, item.keyPath("hour"),
                    "checkpoints must be in increasing order of hour, got \(formatNumber(hour)) after \(formatNumber(lastHour))"
                )
            }
            lastHour = max(lastHour, hour)
            return Checkpoint(
                hour: hour, label: item.string("label", default: "Memory Hour \(formatNumber(hour))") ?? "")
        }
        if checkpoints.isEmpty, let node = map.child("checkpoints") {
            reader.report(
                node, map.keyPath("checkpoints"), "at least one checkpoint is needed (hour 0 is the baseline)")
        } else if let first = checkpoints.first, first.hour != 0, let node = map.child("checkpoints") {
            reader.report(node, map.keyPath("checkpoints"), "the first checkpoint must be hour 0, the baseline")
        }
        var ratio = 1.5
        var text = ""
        if let leak = map.map("leak_threshold", allowed: ["ratio", "text"], required: ["ratio"]) {
            ratio = leak.number("ratio", default: 1.5, in: ChecklistLimits.leakRatio) ?? 1.5
            text = leak.string("text", default: "") ?? ""
        }
        return Monitoring(
            title: map.string("title", default: "Monitoring Checklist (During Test)") ?? "", hourly: hourly,
            checkpoints: checkpoints, leakRatio: ratio, leakText: text,
            expectedBehavior: map.stringList("expected_behavior"))
    }

    // MARK: Criteria and results

    private func criteriaSection(_ top: MapView, patternIds: [String]) -> CriteriaSection {
        guard let map = top.map("criteria", allowed: ["title", "items"], required: ["items"]) else {
            return CriteriaSection(title: "", items: [])
        }
        let items: [Criterion] = map.list("items").compactMap { node, path in
            guard
                let item = reader.mapping(
                    node, path, allowed: ["id", "title", "metric", "op", "threshold", "operations"],
                    required: ["id", "title", "metric", "op", "threshold"])
            else { return nil }
            let id = item.requiredString("id")
            ids.claim(id, node: item.child("id"), path: item.keyPath("id"), reader: reader)
            guard let metric = enumValue(item, "metric", Criterion.Metric.self),
                let comparison = enumValue(item, "op", Criterion.Comparison.self),
                let threshold = item.number("threshold", in: ChecklistLimits.anyNumber)
            else { return nil }
            if let node = item.child("threshold") { checkThreshold(metric, threshold, node, item.keyPath("threshold")) }
            let operations = item.stringList("operations")
            for (index, op) in operations.enumerated() where !patternIds.contains(op) {
                let fix =
                    closest(to: op, in: patternIds).map { "did you mean '\($0)'?" }
                    ?? "name a log pattern id: \(patternIds.joined(separator: ", "))"
                reader.report(
                    item.list("operations")[index].node, "\(item.keyPath("operations"))[\(index)]",
                    "unknown log pattern '\(op)'", fix: fix)
            }
            // A criterion counts a log pattern by its id: without it, it would count 0 and pass.
            let needed: [Criterion.Metric: String] = [
                .wsReconnects: CriteriaEvaluator.reconnectsPattern, .errorRate: CriteriaEvaluator.errorsPattern,
                .errorLock: CriteriaEvaluator.errorLockPattern,
            ]
            if let pattern = needed[metric], !patternIds.contains(pattern), let node = item.child("metric") {
                reader.report(
                    node, item.keyPath("metric"),
                    "\(metric.rawValue) counts the log pattern '\(pattern)', which log_patterns does not define",
                    fix: "add a log pattern with id \(pattern) (or rename yours to it)")
            }
            if metric == .errorRate && operations.isEmpty, let node = item.child("metric") {
                reader.report(
                    node, item.keyPath("operations"), "error_rate needs the log patterns that count as operations",
                    fix: "add operations: [orders_placed, orders_modified]")
            }
            return Criterion(
                id: id, title: item.requiredString("title"), metric: metric, comparison: comparison,
                threshold: threshold, operations: operations)
        }
        return CriteriaSection(title: map.string("title", default: "Pass Criteria") ?? "", items: items)
    }

    /// Thresholds that cannot mean anything are errors, not silent passes.
    private func checkThreshold(_ metric: Criterion.Metric, _ value: Double, _ node: Node, _ path: String) {
        switch metric {
        case .memoryRatio where !ChecklistLimits.leakRatio.contains(value):
            reader.report(
                node, path, "a memory ratio threshold must be above 1 (e.g. 1.5), got \(formatNumber(value))",
                fix: ChecklistLimits.leakRatio.fix)
        case .errorRate where value < 0 || value > 1:
            reader.report(
                node, path, "an error rate is a fraction between 0 and 1 (0.1 % is 0.001), got \(formatNumber(value))")
        case .cpuAverage where !ChecklistLimits.cpuPercent.contains(value):
            reader.report(
                node, path, "a CPU threshold is a percentage above 0, got \(formatNumber(value))",
                fix: ChecklistLimits.cpuPercent.fix)
        case .wsReconnects, .errorLock:
            if !ChecklistLimits.count.contains(value) || value != value.rounded() {
                reader.report(
                    node, path, "a count threshold is a whole number of at least 0, got \(formatNumber(value))",
                    fix: "use a whole number from 0 to \(formatNumber(ChecklistLimits.count.upper))")
            }
        case .fullDuration where value != 1:
            reader.report(
                node, path, "full_duration is 1 (ran the full duration) or nothing, got \(formatNumber(value))",
                fix: "write threshold: 1 with op: ==")
        default:
            break
        }
    }

    private func failureAnalysis(_ top: MapView) -> [FailureHint] {
        top.list("failure_analysis").compactMap { node, path in
            guard let map = reader.mapping(node, path, allowed: ["title", "hint"], required: ["title", "hint"]) else {
                return nil
            }
            return FailureHint(title: map.requiredString("title"), hint: map.requiredString("hint"))
        }
    }

    private func resultsSheet(_ top: MapView, criterionIds: [String]) -> ResultsSheet {
        guard let map = top.map("results", allowed: ["title", "summary"]) else {
            return ResultsSheet(title: "Results Documentation", summary: [])
        }
        let lines: [SummaryLine] = map.list("summary").compactMap { node, path in
            guard
                let line = reader.mapping(node, path, allowed: ["label", "criteria"], required: ["label", "criteria"])
            else { return nil }
            let refs = line.stringList("criteria")
            for (index, ref) in refs.enumerated() where !criterionIds.contains(ref) {
                let fix =
                    closest(to: ref, in: criterionIds).map { "did you mean '\($0)'?" }
                    ?? "name a criterion id: \(criterionIds.joined(separator: ", "))"
                reader.report(
                    line.list("criteria")[index].node, "\(line.keyPath("criteria"))[\(index)]",
                    "unknown criterion '\(ref)'", fix: fix)
            }
            return SummaryLine(label: line.requiredString("label"), criteria: refs)
        }
        return ResultsSheet(title: map.string("title", default: "Results Documentation") ?? "", summary: lines)
    }

    // MARK: Helpers

    /// The ids written in a list of mappings, read without validating (the
    /// owner of the list reports its own problems), so references to an entry
    /// that is invalid for another reason do not cascade.
    private func declaredIds(_ list: Node?) -> [String] {
        guard case .sequence(let sequence)? = list else { return [] }
        return sequence.compactMap { $0.mapping?["id"]?.scalar?.string }
    }

    private func enumValue<E: RawRepresentable & CaseIterable>(_ map: MapView, _ key: String, _ type: E.Type) -> E?
    where E.RawValue == String {
        let raw = map.requiredString(key)
        if let value = E(rawValue: raw) { return value }
        if let node = map.child(key) {
            let names = E.allCases.map(\.rawValue)
            let fix =
                closest(to: raw, in: names).map { "did you mean '\($0)'?" }
                ?? "use one of: \(names.joined(separator: ", "))"
            reader.report(node, map.keyPath(key), "unknown \(key) '\(raw)'", fix: fix)
        }
        return nil
    }

    /// The TESTNET rule holds in every checklist: the gate cannot be left out.
    private func checkHasGate(_ checklist: Checklist, _ top: MapView) {
        let gates = checklist.items.filter { if case .testnetGate = $0.kind { return true } else { return false } }
        if gates.isEmpty {
            reader.report(
                top.child("preflight") ?? top.node, "preflight",
                "no testnet_gate item: every checklist must check the TESTNET gate",
                fix: "add an item with kind: testnet_gate")
        }
        for gate in gates where !gate.required {
            reader.report(
                top.child("preflight") ?? top.node, "preflight",
                "the testnet_gate item '\(gate.id)' cannot be optional",
                fix: "remove 'required: false' from it")
        }
    }

    /// A checkpoint after the end of the run could never be recorded.
    private func checkRunFitsCheckpoints(_ checklist: Checklist, _ top: MapView) {
        guard let last = checklist.monitoring.checkpoints.last, last.hour * 3600 > checklist.run.duration + 0.001,
            case .mapping(let monitoring)? = top.child("monitoring")
        else { return }
        reader.report(
            monitoring["checkpoints"], "monitoring.checkpoints",
            "checkpoint hour \(formatNumber(last.hour)) falls after the run's duration of \(formatNumber(checklist.run.duration / 3600)) h",
            fix: "lengthen run.duration or drop the checkpoint")
    }
}

/// Ids must be unique across the checklist: answers and results refer to them.
private final class IdRegistry {
    private var firstSeen: [String: Int] = [:]

    func claim(_ id: String, node: Node?, path: String, reader: YAMLReader) {
        guard !id.isEmpty else { return }
        let line = node?.mark?.line ?? 0
        if let first = firstSeen[id] {
            let shown = id.hasPrefix("param:") ? String(id.dropFirst(6)) : id
            reader.report(
                node, path, "duplicate id '\(shown)' (first used on line \(first))", fix: "give each one its own id")
        } else {
            firstSeen[id] = line
        }
    }
}
