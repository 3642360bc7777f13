import Foundation
import Yams

/// Answers to the checklist's manual items given up front, for `run`:
/// a YAML mapping of item id to `yes`, `no` or `skip` (a skip needs a reason:
/// `{answer: skip, note: why}`).
public enum ManualAnswers {
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    public static func load(path: String, checklist: Checklist) throws(Problem) -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Problem(description: "\(path): cannot be read")
        }
        guard let root = try? Yams.compose(yaml: text), case .mapping(let mapping)? = Optional(root) else {
            throw Problem(description: "\(path):1:1: error: expected a mapping of item id to yes, no or skip")
        }
        let manual = checklist.items.filter(\.kind.isManual)
        var answers: [String: String] = [:]
        for (keyNode, valueNode) in mapping {
            let line = keyNode.mark?.line ?? 1
            let id = keyNode.scalar?.string ?? ""
            guard manual.contains(where: { $0.id == id }) else {
                let ids = manual.map(\.id)
                let hint = closest(to: id, in: ids).map { "; did you mean '\($0)'?" } ?? ""
                throw Problem(
                    description: "\(path):\(line):1: error: '\(id)' is not a manual item of the checklist\(hint)")
            }
            var answer = valueNode.scalar?.string
            var note: String?
            if case .mapping(let detail) = valueNode {
                answer = detail["answer"]?.scalar?.string
                note = detail["note"]?.scalar?.string
            }
            guard let answer, ["yes", "no", "skip"].contains(answer) else {
                throw Problem(description: "\(path):\(line):1: error: \(id): the answer must be yes, no or skip")
            }
            if answer == "skip" && (note ?? "").isEmpty {
                throw Problem(
                    description: "\(path):\(line):1: error: \(id): a skip needs a reason: {answer: skip, note: why}")
            }
            answers[id] = note.map { "\(answer): \($0)" } ?? answer
        }
        return answers
    }
}
