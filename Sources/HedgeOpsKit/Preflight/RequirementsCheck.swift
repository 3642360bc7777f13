import Foundation

/// Every line of requirements.txt is installed at a matching version in the
/// active virtual environment, as that environment's interpreter sees it.
enum RequirementsCheck {
    /// Asked of the venv's interpreter for lines Swift cannot judge (markers,
    /// URLs): reads requirement strings as JSON on stdin, answers one verdict each. Uses `packaging` (or pip's vendored
    /// copy) for PEP 440 specifiers and markers.
    static let script = #"""
        import json, sys
        from importlib import metadata
        try:
            from packaging.requirements import Requirement
        except Exception:
            try:
                from pip._vendor.packaging.requirements import Requirement
            except Exception:
                Requirement = None
        out = []
        for line in json.load(sys.stdin):
            try:
                if Requirement is None:
                    name = line.split("==")[0].split(">")[0].split("<")[0].split("[")[0].strip()
                    try:
                        v = metadata.version(name)
                    except metadata.PackageNotFoundError:
                        out.append({"line": line, "ok": False, "why": "not installed"}); continue
                    want = line.split("==", 1)[1].strip() if "==" in line else None
                    out.append({"line": line, "ok": want in (None, v), "version": v,
                                "why": "" if want in (None, v) else "installed " + v})
                    continue
                req = Requirement(line)
                if req.marker is not None and not req.marker.evaluate():
                    out.append({"line": line, "ok": True, "why": "not for this platform"}); continue
                try:
                    v = metadata.version(req.name)
                except metadata.PackageNotFoundError:
                    out.append({"line": line, "ok": False, "why": "not installed"}); continue
                ok = (not req.specifier) or req.specifier.contains(v, prereleases=True)
                out.append({"line": line, "ok": ok, "version": v,
                            "why": "" if ok else "installed %s, needs %s" % (v, req.specifier)})
            except Exception as e:
                out.append({"line": line, "ok": False, "why": "cannot read: %s" % e})
        json.dump(out, sys.stdout)
        """#

    struct Verdict: Decodable {
        var line: String
        var ok: Bool
        var version: String?
        var why: String?
    }

    static func check(file: String, context: PreflightContext, fix: String?) -> Finding {
        let fix = fix ?? "pip install -r \(file) inside the activated virtual environment"
        let path = context.resolve(file)
        let lines: [String]
        do {
            lines = try requirementLines(path: path, shown: file)
        } catch {
            return .fail("\(error)", fix: "run hedgeops from the executor's repository, where \(file) lives")
        }
        guard let python = VirtualEnvCheck.interpreter(context: context) else {
            return .fail(
                "cannot check \(file): no virtual environment is active", fix: "source .venv/bin/activate, then \(fix)")
        }
        if lines.isEmpty { return .pass("\(file) lists no requirements") }
        let installed: InstalledDistributions
        switch InstalledDistributions.probe(python: python, context: context) {
        case .success(let value): installed = value
        case .failure(let error): return .fail(error.message, fix: "check the interpreter by hand")
        }
        // Judge plain lines here; only markers and URLs cost a full Python import.
        var verdicts: [Verdict] = []
        var undecided: [String] = []
        for line in lines {
            if let requirement = SimpleRequirement(line),
                case .some(let why) = requirement.verdict(installed: installed)
            {
                verdicts.append(Verdict(line: line, ok: why == nil, version: nil, why: why))
            } else {
                undecided.append(line)
            }
        }
        if !undecided.isEmpty {
            switch askInterpreter(python, undecided, context: context) {
            case .success(let answers): verdicts += answers
            case .failure(let error): return .fail(error.message, fix: "check the interpreter by hand")
            }
        }
        let bad = verdicts.filter { !$0.ok }
        if bad.isEmpty {
            return .pass("\(verdicts.count) of \(verdicts.count) requirements in \(file) installed")
        }
        let listed = bad.prefix(5).map { "\($0.line) (\($0.why ?? "mismatch"))" }.joined(separator: ", ")
        let more = bad.count > 5 ? " and \(bad.count - 5) more" : ""
        return .fail("\(bad.count) of \(verdicts.count) not met: \(listed)\(more)", fix: fix)
    }

    /// The full answer from the interpreter, for lines with markers or URLs.
    private static func askInterpreter(
        _ python: String, _ lines: [String], context: PreflightContext
    ) -> Result<[Verdict], InstalledDistributions.ProbeError> {
        let input = (try? JSONEncoder().encode(lines)) ?? Data("[]".utf8)
        let outcome = ProcessRunner.run(
            [python, "-c", script], environment: context.environment, workingDirectory: context.workingDirectory,
            stdin: input, timeout: 20)
        if outcome.timedOut { return .failure(.init(message: "\(python) did not answer within 20 s")) }
        if let launchError = outcome.launchError { return .failure(.init(message: launchError)) }
        guard outcome.exitCode == 0, let verdicts = try? JSONDecoder().decode([Verdict].self, from: outcome.stdout)
        else {
            let reason = outcome.stderrText.split(separator: "\n").last.map(String.init) ?? "exit \(outcome.exitCode)"
            return .failure(.init(message: "\(python) could not check the requirements: \(reason)"))
        }
        return .success(verdicts)
    }

    struct FileProblem: Error, CustomStringConvertible {
        var description: String
    }

    /// The requirement specifiers of a pip requirements file, following `-r`
    /// includes; options such as `--index-url` are not requirements.
    static func requirementLines(path: String, shown: String, depth: Int = 0) throws -> [String] {
        guard depth < 5 else { throw FileProblem(description: "\(shown): -r includes nest too deep") }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw FileProblem(description: exists ? "\(shown) cannot be read" : "\(shown) not found")
        }
        var result: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw)
            if let hash = line.range(of: " #") ?? (line.hasPrefix("#") ? line.range(of: "#") : nil) {
                line = String(line[..<hash.lowerBound])
            }
            line = line.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("-r ") || line.hasPrefix("--requirement ") {
                let included = line.split(separator: " ", maxSplits: 1).last.map(String.init) ?? ""
                let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
                let includedPath = included.hasPrefix("/") ? included : base + "/" + included
                result += try requirementLines(path: includedPath, shown: included, depth: depth + 1)
            } else if !line.hasPrefix("-") {
                result.append(line)
            }
        }
        return result
    }
}
