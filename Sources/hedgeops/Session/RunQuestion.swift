import Foundation
import HedgeOpsKit

/// A question put to the operator while the run goes on (an abort to
/// confirm, a note or a finding to type): what it accepts, for `help` and
/// Tab. Every one also takes `help`, `back` (leave it unanswered, nothing
/// recorded) and `quit` (leave the session; the run goes on).
struct RunQuestion {
    /// One accepted answer: the word, its short forms, and what it does.
    struct Choice {
        var word: String
        var aliases: [String] = []
        var meaning: String
    }

    var prompt: String
    var choices: [Choice] = []
    /// What free text means here (a note, a finding); nil when only the choices are accepted.
    var value: String?

    /// The words every question takes besides its own.
    static let always = ["back", "help", "quit"]

    /// What Tab offers: this question's words, then the ones every question takes.
    var offers: [String] { choices.map(\.word) + Self.always }

    /// The choice `line` names, if any.
    func choice(_ line: String) -> Choice? {
        let word = line.lowercased()
        return choices.first { $0.word == word || $0.aliases.contains(word) }
    }

    /// `help`: every answer this question takes, one a line.
    var help: String {
        var lines = choices.map { choice in
            let short = choice.aliases.first.map { " (\($0))" } ?? ""
            return "  \(choice.word)\(short): \(choice.meaning)"
        }
        if let value { lines.append("  any other text: \(value)") }
        lines += [
            "  back: leave this unanswered and return to the run's prompt; nothing is recorded",
            "  quit: leave the session; the run goes on (\(RunQuestion.runGoesOn))",
        ]
        return lines.joined(separator: "\n")
    }

    /// What an answer that is none of the accepted ones is told.
    var reminder: String {
        let words = choices.map { "`\($0.word)`" } + ["`back`", "`help`"]
        return "answer \(words.joined(separator: ", ")) or `quit`"
    }

    /// What leaving the session does to the run, said before it leaves.
    static let runGoesOn =
        "its supervisor keeps sampling and records every checkpoint on time; `hedgeops attach` brings you back"

    /// Said when Ctrl-D leaves a question: where the operator is, and how to leave for real.
    static let endOfInput =
        "end of input: back at the run's prompt, nothing recorded; `detach` (or `quit`) there leaves the session "
        + "and the run goes on"
}

/// What became of a question asked during the run.
enum RunAnswer: Equatable {
    /// The choice's word, or the text typed.
    case answered(String)
    /// Left unanswered: back at the run's prompt, nothing recorded.
    case back
}
