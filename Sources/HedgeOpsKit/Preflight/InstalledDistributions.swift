import Foundation

/// What is installed in a Python environment, read from its `*.dist-info`
/// and `*.egg-info` entries on the interpreter's own `sys.path`.
struct InstalledDistributions {
    /// Normalised name (PEP 503) → version, first on sys.path wins, as in Python.
    var versions: [String: String] = [:]
    /// Reads the metadata directories on `python`'s sys.path: worked out
    /// from the virtual environment's files when ``VenvSearchPath`` can, else
    /// asked of the interpreter (one short call: start-up only, no importlib.metadata).
    static func probe(python: String, context: PreflightContext) -> Result<InstalledDistributions, ProbeError> {
        let venv = URL(fileURLWithPath: python).deletingLastPathComponent().deletingLastPathComponent().path
        if let path = VenvSearchPath.directories(venv: venv, environment: context.environment) {
            return .success(read(path))
        }
        let script = "import sys, json; print(json.dumps({'path': sys.path}))"
        let outcome = ProcessRunner.run(
            [python, "-c", script], environment: context.environment, workingDirectory: context.workingDirectory,
            timeout: 15)
        if outcome.timedOut { return .failure(ProbeError(message: "\(python) did not answer within 15 s")) }
        if let launchError = outcome.launchError { return .failure(ProbeError(message: launchError)) }
        guard outcome.exitCode == 0,
            let object = try? JSONSerialization.jsonObject(with: outcome.stdout) as? [String: Any],
            let path = object["path"] as? [String]
        else {
            let reason = outcome.stderrText.split(separator: "\n").last.map(String.init) ?? "exit \(outcome.exitCode)"
            return .failure(ProbeError(message: "\(python) could not be asked for its packages: \(reason)"))
        }
        return .success(read(path))
    }

    /// The distributions in `path`'s folders, the first of a name winning.
    static func read(_ path: [String]) -> InstalledDistributions {
        var installed = InstalledDistributions()
        for directory in path where !directory.isEmpty {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            for entry in entries {
                let stem: Substring
                if entry.hasSuffix(".dist-info") {
                    stem = entry.dropLast(".dist-info".count)
                } else if entry.hasSuffix(".egg-info") {
                    stem = entry.dropLast(".egg-info".count)
                } else {
                    continue
                }
                // `Name-Version` (escaped names use `_`, so the first `-` splits them).
                let parts = stem.split(separator: "-", maxSplits: 2)
                guard parts.count >= 2 else { continue }
                let name = normalise(String(parts[0]))
                if installed.versions[name] == nil { installed.versions[name] = String(parts[1]) }
            }
        }
        return installed
    }

    struct ProbeError: Error {
        var message: String
    }

    /// PEP 503 name normalisation: lowercase, runs of `-_.` become `-`.
    static func normalise(_ name: String) -> String {
        var result = ""
        var lastWasSeparator = false
        for ch in name.lowercased() {
            if ch == "-" || ch == "_" || ch == "." {
                if !lastWasSeparator { result.append("-") }
                lastWasSeparator = true
            } else {
                result.append(ch)
                lastWasSeparator = false
            }
        }
        return result
    }
}

/// One line of requirements.txt, judged in Swift when it can be (a name,
/// optional extras and version clauses); markers and URLs go to Python.
struct SimpleRequirement {
    var name: String
    var clauses: [(op: String, version: String)]

    init?(_ line: String) {
        if line.contains(";") || line.contains("@") || line.contains("://") { return nil }
        let operators = ["===", "~=", "==", "!=", ">=", "<=", ">", "<"]
        var text = Substring(line.replacingOccurrences(of: " ", with: ""))
        let nameEnd =
            text.firstIndex { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") } ?? text.endIndex
        name = String(text[..<nameEnd])
        guard !name.isEmpty else { return nil }
        text = text[nameEnd...]
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            text = text[text.index(after: close)...]
        }
        clauses = []
        for clause in text.split(separator: ",") {
            guard let op = operators.first(where: { clause.hasPrefix($0) }) else { return nil }
            let version = String(clause.dropFirst(op.count))
            guard !version.isEmpty else { return nil }
            clauses.append((op, version))
        }
    }

    /// nil: installed; otherwise why not. Returns `.none` inside when undecidable.
    func verdict(installed: InstalledDistributions) -> String?? {
        guard let versionText = installed.versions[InstalledDistributions.normalise(name)] else {
            return "not installed"
        }
        guard let version = PythonVersion(versionText) else { return .none }
        for clause in clauses {
            guard let ok = version.satisfies(clause.op, clause.version) else { return .none }
            if !ok {
                let wanted = clauses.map { "\($0.op)\($0.version)" }.joined(separator: ",")
                return "installed \(versionText), needs \(wanted)"
            }
        }
        return .some(nil)
    }
}
