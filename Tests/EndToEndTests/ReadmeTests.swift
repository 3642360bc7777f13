import Foundation
import HedgeOpsKit
import Testing

@testable import hedgeops

/// The README cannot drift from the product: every `hedgeops` example in
/// its code blocks is parsed by the real command-line parser, and every
/// ```console transcript is run in a fresh directory and compared with
/// what it shows (`…` stands for any text; a line of `…` alone for any
/// number of lines).
struct ReadmeTests {
    struct Block {
        var language: String
        var line: Int
        var lines: [String]
    }

    static let blocks: [Block] = {
        let text =
            (try? String(contentsOf: Binary.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
        var blocks: [Block] = []
        var current: Block?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                if let open = current {
                    blocks.append(open)
                    current = nil
                } else {
                    current = Block(language: String(trimmed.dropFirst(3)), line: index + 1, lines: [])
                }
            } else if current != nil {
                current?.lines.append(String(line))
            }
        }
        return blocks
    }()

    /// `hedgeops …` lines of every block, without prompt, comment or redirection.
    static var commandLines: [(line: Int, arguments: [String])] {
        blocks.flatMap { block in
            block.lines.enumerated().compactMap { offset, raw -> (Int, [String])? in
                var line = raw.trimmingCharacters(in: .whitespaces)
                if block.language == "console" {
                    guard line.hasPrefix("$ ") else { return nil }
                    line.removeFirst(2)
                }
                // `hedgeops [run …]>` is a prompt, not a command.
                guard line.hasPrefix("hedgeops ") && !line.hasPrefix("hedgeops [") || line == "hedgeops" else {
                    return nil
                }
                for cut in [" #", ";", " <", " >", " |", " &&"] {
                    if let range = line.range(of: cut) { line = String(line[..<range.lowerBound]) }
                }
                return (block.line + offset + 1, line.split(separator: " ").dropFirst().map(String.init))
            }
        }
    }

    @Test func everyExampleParses() throws {
        let commands = Self.commandLines
        #expect(commands.count >= 8, "the README's examples were found")
        for (line, arguments) in commands {
            do {
                _ = try HedgeOps.parseAsRoot(arguments)
            } catch {
                Issue.record(
                    "README.md:\(line): hedgeops \(arguments.joined(separator: " ")): \(HedgeOps.fullMessage(for: error))"
                )
            }
        }
    }

    @Test func everyConsoleTranscriptMatches() throws {
        let transcripts = Self.blocks.filter { $0.language == "console" }
        #expect(transcripts.count >= 3)
        for block in transcripts {
            let workspace = try Workspace()
            try FileManager.default.copyItem(
                atPath: Binary.repositoryRoot.appendingPathComponent("checklists").path,
                toPath: workspace.path + "/checklists")
            var environment = Binary.baseEnvironment
            environment["PATH"] =
                URL(fileURLWithPath: Binary.path).deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "")
            environment["HOME"] = workspace.path
            environment["NO_COLOR"] = "1"
            // A transcript may start a server in the background (`… &`): it is
            // in the process group of the shell that started it, stopped at the end.
            var started: [ChildProcess] = []
            defer { started.forEach { $0.signalGroup(SIGTERM) } }
            var index = 0
            while index < block.lines.count {
                guard block.lines[index].hasPrefix("$ ") else {
                    index += 1
                    continue
                }
                let command = String(block.lines[index].dropFirst(2))
                let start = index
                index += 1
                var expected: [String] = []
                while index < block.lines.count && !block.lines[index].hasPrefix("$ ") {
                    expected.append(block.lines[index])
                    index += 1
                }
                let out = workspace.path + "/.transcript"
                try? FileManager.default.removeItem(atPath: out)
                let process = try ChildProcess.spawn(
                    ["/bin/sh", "-c", "exec 2>&1; " + command], environment: environment,
                    workingDirectory: workspace.path, stdoutPath: out)
                started.append(process)
                #expect(
                    process.wait(timeout: 240) != nil, "README.md:\(block.line + start + 1): \(command) did not finish")
                let actual = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
                    .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let mismatch = Self.firstMismatch(expected: expected, actual: actual)
                #expect(
                    mismatch == nil,
                    "README.md:\(block.line + start + 1): \(command)\n\(mismatch ?? "")\n--- actual ---\n\(actual.joined(separator: "\n"))"
                )
            }
        }
    }

    /// nil when `actual` fits `expected`; else the first expected line that did not.
    static func firstMismatch(expected: [String], actual: [String]) -> String? {
        let expected = expected.map { $0.trimmingTrailingWhitespace }.droppingTrailingEmptyLines
        let actual = actual.map { $0.trimmingTrailingWhitespace }.droppingTrailingEmptyLines
        var memo: [Int: Bool] = [:]
        var deepest = 0
        func match(_ i: Int, _ j: Int) -> Bool {
            let key = i * 100_000 + j
            if let known = memo[key] { return known }
            deepest = max(deepest, i)
            let result: Bool
            if i == expected.count {
                result = j == actual.count
            } else if expected[i] == "…" {
                result = (j...actual.count).contains { match(i + 1, $0) }
            } else {
                result = j < actual.count && lineFits(expected[i], actual[j]) && match(i + 1, j + 1)
            }
            memo[key] = result
            return result
        }
        return match(0, 0)
            ? nil : "expected line \(deepest + 1) not matched: \(expected[min(deepest, expected.count - 1)])"
    }

    /// One line; `…` inside it stands for any text.
    static func lineFits(_ pattern: String, _ line: String) -> Bool {
        let parts = pattern.components(separatedBy: "…")
        guard parts.count > 1 else { return pattern == line }
        guard line.hasPrefix(parts[0]), line.hasSuffix(parts[parts.count - 1]),
            line.count >= parts[0].count + parts[parts.count - 1].count
        else { return false }
        var rest = line.dropFirst(parts[0].count).dropLast(parts[parts.count - 1].count)
        for part in parts.dropFirst().dropLast() where !part.isEmpty {
            guard let range = rest.range(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return true
    }

    @Test func theMatcherCanFail() {
        #expect(Self.firstMismatch(expected: ["a", "…", "z"], actual: ["a", "b", "c", "z"]) == nil)
        #expect(Self.firstMismatch(expected: ["a", "…", "z"], actual: ["a", "b"]) != nil)
        #expect(Self.lineFits("run … started: data/runs/…", "run 1 started: data/runs/1"))
        #expect(!Self.lineFits("VERDICT: PASS", "VERDICT: FAIL"))
        #expect(!Self.lineFits("a…b…c", "a-c-b"))
    }
}

extension String {
    fileprivate var trimmingTrailingWhitespace: String {
        var text = self
        while text.last?.isWhitespace == true { text.removeLast() }
        return text
    }
}

extension Array where Element == String {
    /// Without trailing empty lines.
    fileprivate var droppingTrailingEmptyLines: [String] {
        var lines = self
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }
}
