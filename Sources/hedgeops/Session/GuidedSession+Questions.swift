import Foundation
import HedgeOpsKit

/// The questions asked while the run goes on. None of them traps: each
/// takes `help`, `back` and `quit`, Tab offers only what it accepts, and
/// Ctrl-D leaves it as `back` does, saying how to leave the session.
extension GuidedSession {
    /// Asks until the question is answered or left; `quit` leaves the session.
    func put(_ question: RunQuestion) -> RunAnswer {
        offer(question.offers)
        // Back at the run's prompt, Tab offers the run's commands again.
        defer { input.editor?.commands = Self.runCommands }
        while true {
            switch ask({ question.prompt }) {
            // The run ended meanwhile: its verdict is shown at the run's prompt.
            case .woken, .cancelled: return .back
            case .endOfInput:
                terminal.out(RunQuestion.endOfInput)
                return .back
            case .line(let line):
                switch line.lowercased() {
                case "help", "?", "h":
                    terminal.out(question.help)
                case "back", "b":
                    terminal.out("back at the run's prompt: nothing recorded")
                    return .back
                case "quit", "q", "exit":
                    quit()
                default:
                    if let choice = question.choice(line) { return .answered(choice.word) }
                    if question.value != nil && !line.isEmpty { return .answered(line) }
                    terminal.out(line.isEmpty && question.value != nil ? "this cannot be empty" : question.reminder)
                }
            }
        }
    }

    /// `quit` during the run: what happens to the run is said first, then the session leaves.
    func quit() -> Never {
        terminal.out("quit: the session leaves, the run does not stop: \(RunQuestion.runGoesOn)")
        detach(reason: "quit")
    }

    /// Ctrl-D at the run's prompt: detach or abort, never by accident.
    /// True when the run was aborted.
    func leave() -> Bool {
        let question = RunQuestion(
            prompt: "detach, abort or continue> ",
            choices: [
                .init(word: "detach", aliases: ["d"], meaning: "leave the session; the run goes on"),
                .init(word: "abort", aliases: ["a"], meaning: "stop the run (asks you to type abort)"),
                .init(word: "continue", aliases: ["c"], meaning: "back to the run's prompt"),
            ])
        terminal.out("leave the session? [d]etach (the run goes on) / [a]bort the run / [c]ontinue")
        switch put(question) {
        case .back, .answered("continue"): return false
        case .answered("abort"): return confirmAbort()
        default: detach(reason: "end of input")
        }
    }

    /// `abort`: only typed in full, and never by a stray line.
    func confirmAbort() -> Bool {
        let question = RunQuestion(
            prompt: "type `abort` to stop the run> ",
            choices: [
                .init(
                    word: "abort",
                    meaning: "stop the run now: the executor is stopped and the verdict is taken on what was measured")
            ])
        guard put(question) == .answered("abort") else {
            terminal.out("not aborted: the run goes on")
            return false
        }
        tell(control?.send(.abort(reason: "abort typed in the session")))
        return true
    }

    /// `ok`: an hour with an item not as expected is not confirmed
    /// unseen; the operator confirms it anyway or flags the item.
    func confirmWaitingHour() {
        guard let due = lock.withLock({ waitingHour }), case let misses = due.items.filter({ $0.met == false }),
            !misses.isEmpty
        else { return confirmHour(flag: nil) }
        let hour = formatNumber(due.hour)
        for miss in misses {
            terminal.out("hour \(hour): \(miss.id) is not as expected: \(miss.measured) (\(miss.expectation ?? "-"))")
        }
        let flagged = misses.count == 1 ? misses[0].id : "the hour"
        let question = RunQuestion(
            prompt: "confirm hour \(hour) anyway? [y]es / [f]lag> ",
            choices: [
                .init(word: "yes", aliases: ["y"], meaning: "confirm every item of the hour as shown, this one too"),
                .init(word: "flag", aliases: ["f"], meaning: "flag \(flagged) instead; the finding is asked for"),
            ])
        switch put(question) {
        case .answered("yes"): confirmHour(flag: nil)
        case .answered("flag"): flagHour(misses.count == 1 ? misses[0].id : "")
        default: break
        }
    }

    /// `note` with no text: the note is asked for.
    func askNote() -> String? {
        let question = RunQuestion(
            prompt: "note> ", value: "the note, recorded in the journal as typed (it goes into the report)")
        guard case .answered(let text) = put(question) else { return nil }
        return text
    }

    /// `flag` or `flag ITEM` with no finding: the finding is asked for.
    func askFinding(item: String?) -> String? {
        let what = item.map { "the hourly item \($0)" } ?? "the hour as a whole"
        let question = RunQuestion(
            prompt: "finding for \(item ?? "the hour")> ",
            value: "what you found; it is recorded as the flag of \(what)")
        guard case .answered(let text) = put(question) else { return nil }
        return text
    }
}
