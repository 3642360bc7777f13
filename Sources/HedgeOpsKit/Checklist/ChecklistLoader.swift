import Crypto
public import Foundation
import Yams

/// Reads a checklist file strictly: every unknown key, wrong type, bad value
/// and duplicate id is reported with file, line, column and key path.
public enum ChecklistLoader {
    /// Loads and validates `path`; throws `ChecklistErrors` listing every problem.
    public static func load(path: String) throws(ChecklistErrors) -> Checklist {
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            let message =
                !exists
                ? "no such file" : isDirectory.boolValue ? "is a directory, not a checklist file" : "cannot be read"
            throw ChecklistErrors([
                ChecklistDiagnostic(
                    file: path, line: 1, column: 1, path: "", message: message,
                    fix: "pass an existing checklist with --checklist PATH")
            ])
        }
        return try parse(data: data, file: path)
    }

    /// Parses checklist bytes; `file` names them in diagnostics.
    public static func parse(data: Data, file: String) throws(ChecklistErrors) -> Checklist {
        let digest = Journal.hex(SHA256.hash(data: data))
        guard let text = String(data: data, encoding: .utf8) else {
            throw ChecklistErrors([
                ChecklistDiagnostic(file: file, line: 1, column: 1, path: "", message: "is not UTF-8 text")
            ])
        }
        let root: Node
        do {
            // Every value is read as the text written (`bool` accepts only `true`/`false`), so
            // the basic resolver: the default one compiles a regex per YAML type at start-up
            // and runs them on every key compared in a lookup.
            guard let node = try Yams.compose(yaml: text, .basic) else {
                throw ChecklistErrors([
                    ChecklistDiagnostic(
                        file: file, line: 1, column: 1, path: "", message: "the file is empty",
                        fix: "start from checklists/load-test-8h.yaml")
                ])
            }
            root = node
        } catch let error as ChecklistErrors {
            throw error
        } catch let error as YamlError {
            throw ChecklistErrors([diagnostic(from: error, file: file, text: text)])
        } catch {
            throw ChecklistErrors([
                ChecklistDiagnostic(file: file, line: 1, column: 1, path: "", message: "\(error)")
            ])
        }
        let reader = YAMLReader(file: file)
        let checklist = ChecklistBuilder(reader: reader, sha256: digest).build(root)
        if let checklist, reader.diagnostics.isEmpty { return checklist }
        throw ChecklistErrors(reader.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
    }

    private static func diagnostic(from error: YamlError, file: String, text: String) -> ChecklistDiagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let extra = context.map { " \($0.text)" } ?? ""
            // libyaml places "the file ended too soon" one line past the last: point at the last line's end.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            if mark.line > lines.count, let last = lines.last {
                return ChecklistDiagnostic(
                    file: file, line: lines.count, column: last.count + 1, path: "",
                    message: "YAML syntax: the file ends too soon: \(problem)\(extra)",
                    fix: "the file looks cut short: close what is open, or restore it from the original")
            }
            return ChecklistDiagnostic(
                file: file, line: mark.line, column: mark.column, path: "",
                message: "YAML syntax: \(problem)\(extra)", fix: "check indentation and quoting on this line")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            let first = context.mark
            let again = secondOccurrence(of: duplicates.first ?? "", after: first, in: text)
            return ChecklistDiagnostic(
                file: file, line: again?.line ?? first.line, column: again?.column ?? first.column, path: "",
                message: "duplicate key \(keys) in one mapping (first on line \(first.line))",
                fix: "keep one of them")
        default:
            return ChecklistDiagnostic(file: file, line: 1, column: 1, path: "", message: "YAML: \(error)")
        }
    }

    /// Yams marks the first of two duplicate keys; the operator wants the one
    /// they just added. Looks for the same key at the same column further down.
    private static func secondOccurrence(of key: String, after mark: Mark, in text: String) -> (line: Int, column: Int)?
    {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let indent = String(repeating: " ", count: max(mark.column - 1, 0))
        guard mark.line < lines.count else { return nil }
        for index in mark.line..<lines.count {
            let line = lines[index]
            if line.hasPrefix(indent + key + ":") { return (index + 1, mark.column) }
            // Leaving the mapping: a less indented, non-empty line.
            let trimmed = line.drop { $0 == " " }
            if !trimmed.isEmpty, !trimmed.hasPrefix("#"), line.count - trimmed.count < indent.count { return nil }
        }
        return nil
    }
}
