import Yams

/// Walks a composed YAML tree and collects every problem it meets instead of
/// stopping at the first, so `checklist lint` can list them all at once.
final class YAMLReader {
    let file: String
    private(set) var diagnostics: [ChecklistDiagnostic] = []

    init(file: String) {
        self.file = file
    }

    func report(_ node: Node?, _ path: String, _ message: String, fix: String? = nil) {
        let mark = node?.mark
        diagnostics.append(
            ChecklistDiagnostic(
                file: file, line: mark?.line ?? 1, column: mark?.column ?? 1,
                path: path, message: message, fix: fix))
    }

    /// Reads `node` as a mapping allowing exactly `allowed` keys; reports
    /// unknown keys (with the closest valid one) and missing `required` ones.
    func mapping(_ node: Node, _ path: String, allowed: [String], required: [String] = []) -> MapView? {
        guard case .mapping(let mapping) = node else {
            report(node, path, "expected a mapping (key: value lines), got \(describe(node))")
            return nil
        }
        let keys = mapping.compactMap { $0.key.scalar?.string }
        let missing = required.filter { !keys.contains($0) }
        var explained = Set<String>()
        for (keyNode, _) in mapping {
            guard let key = keyNode.scalar?.string else {
                report(keyNode, path, "keys must be plain words, got \(describe(keyNode))")
                continue
            }
            guard !allowed.contains(key) else { continue }
            let keyPath = join(path, key)
            if let suggestion = closest(to: key, in: allowed) {
                // A misspelt required key is one problem, not two.
                explained.insert(suggestion)
                report(keyNode, keyPath, "unknown key '\(key)'", fix: "did you mean '\(suggestion)'?")
            } else {
                report(
                    keyNode, keyPath, "unknown key '\(key)'",
                    fix: "valid keys here: \(allowed.joined(separator: ", "))")
            }
        }
        for key in missing where !explained.contains(key) {
            report(node, join(path, key), "missing required key '\(key)'", fix: "add '\(key): …' to this mapping")
        }
        return MapView(reader: self, mapping: mapping, node: node, path: path)
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            if Node.scalar(scalar).null != nil || scalar.string.isEmpty { return "nothing" }
            return "'\(scalar.string)'"
        case .alias: return "an alias"
        }
    }

    func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}

/// A mapping being read, with typed accessors that report what they expected.
struct MapView {
    let reader: YAMLReader
    let mapping: Node.Mapping
    let node: Node
    let path: String

    func child(_ key: String) -> Node? { mapping[key] }

    func keyPath(_ key: String) -> String { reader.join(path, key) }

    /// The mark of a key's value, for values checked after reading.
    func mark(_ key: String) -> (line: Int, column: Int) {
        let mark = mapping[key]?.mark ?? node.mark
        return (mark?.line ?? 1, mark?.column ?? 1)
    }

    func string(_ key: String, default fallback: String? = nil) -> String? {
        guard let value = mapping[key] else { return fallback }
        guard case .scalar(let scalar) = value else {
            reader.report(value, keyPath(key), "expected text, got \(reader.describe(value))")
            return fallback
        }
        if Node.scalar(scalar).null != nil {
            reader.report(value, keyPath(key), "expected text, got nothing", fix: "write a value after '\(key):'")
            return fallback
        }
        return scalar.string
    }

    func requiredString(_ key: String) -> String {
        string(key) ?? ""
    }

    /// A number within `range`; a value outside it is reported with the range as the fix.
    func number(_ key: String, default fallback: Double? = nil, in range: NumericRange) -> Double? {
        guard let value = mapping[key] else { return fallback }
        guard case .scalar(let scalar) = value, let number = Double(scalar.string), number.isFinite else {
            reader.report(value, keyPath(key), "expected a number, got \(reader.describe(value))")
            return fallback
        }
        guard range.contains(number) else {
            reader.report(value, keyPath(key), range.problem(number, written: scalar.string), fix: range.fix)
            return fallback
        }
        return number
    }

    /// A whole number within `range`.
    func int(_ key: String, default fallback: Int? = nil, in range: ClosedRange<Int>) -> Int? {
        guard let value = mapping[key] else { return fallback }
        guard case .scalar(let scalar) = value, let number = Int(scalar.string) else {
            reader.report(value, keyPath(key), "expected a whole number, got \(reader.describe(value))")
            return fallback
        }
        guard range.contains(number) else {
            reader.report(
                value, keyPath(key), "\(scalar.string) is out of range",
                fix: "use a whole number from \(range.lowerBound) to \(range.upperBound)")
            return fallback
        }
        return number
    }

    func bool(_ key: String, default fallback: Bool) -> Bool {
        guard let value = mapping[key] else { return fallback }
        guard case .scalar(let scalar) = value, ["true", "false"].contains(scalar.string) else {
            reader.report(value, keyPath(key), "expected true or false, got \(reader.describe(value))")
            return fallback
        }
        return scalar.string == "true"
    }

    /// A duration such as `5s`, `10m` or `8h`, within `range` (in seconds).
    func duration(_ key: String, default fallback: Double? = nil, in range: NumericRange) -> Double? {
        guard let value = mapping[key] else { return fallback }
        guard case .scalar(let scalar) = value, let seconds = parseDuration(scalar.string) else {
            reader.report(
                value, keyPath(key), "expected a duration like 5s, 10m or 8h, got \(reader.describe(value))")
            return fallback
        }
        guard range.contains(seconds) else {
            reader.report(value, keyPath(key), range.problem(seconds, written: scalar.string), fix: range.fix)
            return fallback
        }
        return seconds
    }

    func stringList(_ key: String) -> [String] {
        guard let value = mapping[key] else { return [] }
        guard case .sequence(let sequence) = value else {
            reader.report(value, keyPath(key), "expected a list, got \(reader.describe(value))")
            return []
        }
        var result: [String] = []
        for (index, element) in sequence.enumerated() {
            guard case .scalar(let scalar) = element, Node.scalar(scalar).null == nil else {
                reader.report(element, "\(keyPath(key))[\(index)]", "expected text, got \(reader.describe(element))")
                continue
            }
            result.append(scalar.string)
        }
        return result
    }

    /// The elements of a list value, each with its key path.
    func list(_ key: String) -> [(node: Node, path: String)] {
        guard let value = mapping[key] else { return [] }
        guard case .sequence(let sequence) = value else {
            reader.report(value, keyPath(key), "expected a list, got \(reader.describe(value))")
            return []
        }
        return sequence.enumerated().map { (node: $1, path: "\(keyPath(key))[\($0)]") }
    }

    func map(_ key: String, allowed: [String], required: [String] = []) -> MapView? {
        guard let value = mapping[key] else { return nil }
        return reader.mapping(value, keyPath(key), allowed: allowed, required: required)
    }
}
