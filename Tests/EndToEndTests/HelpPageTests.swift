import Foundation
import Testing

@testable import hedgeops

/// The help pages cannot drift from the parser: every `hedgeops …` line in
/// a page's EXAMPLES is parsed by the real command-line parser.
struct HelpPageTests {
    static func examples(of text: String) -> [[String]] {
        var inExamples = false
        var found: [[String]] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !raw.hasPrefix(" ") && !raw.isEmpty { inExamples = raw == "EXAMPLES" }
            var line = raw.trimmingCharacters(in: .whitespaces)
            guard inExamples, line.hasPrefix("hedgeops ") else { continue }
            // A comment column (two spaces), a pipe, a redirection or a second command ends it.
            for cut in ["  ", " #", " |", " >", " <", ";", " &&"] {
                if let range = line.range(of: cut) { line = String(line[..<range.lowerBound]) }
            }
            found.append(line.split(separator: " ").dropFirst().map { $0.replacingOccurrences(of: "'", with: "") })
        }
        return found
    }

    @Test(arguments: HelpTopics.pages.map(\.name))
    func everyExampleOfAPageParses(topic: String) throws {
        let text = try #require(HelpTopics.page(topic))
        let examples = Self.examples(of: text)
        #expect(!examples.isEmpty || ["exit-codes"].contains(topic), "\(topic): no hedgeops example found")
        for arguments in examples {
            do {
                _ = try HedgeOps.parseAsRoot(arguments)
            } catch {
                Issue.record(
                    "help \(topic): hedgeops \(arguments.joined(separator: " ")): \(HedgeOps.fullMessage(for: error))")
            }
        }
    }

    /// The check itself can fail: a misspelt option is caught.
    @Test func aBrokenExampleIsCaught() {
        let examples = Self.examples(of: "EXAMPLES\n    hedgeops status --jsn    a typo\n")
        #expect(examples == [["status", "--jsn"]])
        #expect(throws: (any Error).self) { try HedgeOps.parseAsRoot(examples[0]) }
    }
}
