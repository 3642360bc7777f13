public import ArgumentParser
import HedgeOpsKit

/// What a newcomer types before reading any help: a misspelt command.
/// Answered before ArgumentParser, which would hand an unknown word to the
/// default command (`Unexpected argument 'stauts'`). Shared by both executables.
public enum FirstContact {
    /// A command's name and its subcommands, read once from ArgumentParser's configuration.
    public struct Node {
        public var name: String
        public var hidden: Bool
        public var children: [Node]

        public init(_ command: any ParsableCommand.Type) {
            let configuration = command.configuration
            name = configuration.commandName ?? command._commandName
            hidden = !configuration.shouldDisplay
            children = configuration.subcommands.map(Node.init)
        }
    }

    /// `error: unknown command 'stauts' for 'hedgeops'; did you mean 'status'?`,
    /// or nil when every leading word names a command.
    /// The tree is built only when a bare word comes first: reading every
    /// command's configuration costs a few milliseconds of start-up that
    /// `hedgeops --help` need not pay.
    public static func unknownCommand(_ arguments: [String], root: () -> Node) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        var node = root()
        var path = [node.name]
        for word in arguments {
            if word.hasPrefix("-") || node.children.isEmpty { return nil }
            guard let next = node.children.first(where: { $0.name == word }) else {
                // None of our commands that has subcommands takes a positional word.
                let names = node.children.filter { !$0.hidden }.map(\.name)
                let hint = closest(to: word, in: names).map { "; did you mean '\($0)'?" } ?? ""
                let all = path.joined(separator: " ")
                return "error: unknown command '\(word)' for '\(all)'\(hint)\nsee '\(all) --help' for the commands"
            }
            node = next
            path.append(word)
        }
        return nil
    }
}
