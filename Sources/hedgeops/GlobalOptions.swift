import ArgumentParser
import Foundation
import HedgeOpsKit

/// Options every command takes (SPEC §2).
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The checklist file (default: $HEDGEOPS_CHECKLIST, else checklists/load-test-8h.yaml).",
            valueName: "path"))
    var checklist: String?

    @Option(name: .long, help: ArgumentHelp("Where runs are recorded.", valueName: "path"))
    var dataDir: String = "data"

    /// The checklist path in force, and whether the user named it.
    var checklistPath: String {
        checklist ?? ProcessInfo.processInfo.environment["HEDGEOPS_CHECKLIST"] ?? "checklists/load-test-8h.yaml"
    }

    /// Loads the checklist, printing every problem and exiting 2 if it is invalid.
    func loadChecklist(terminal: Terminal) throws -> Checklist {
        do {
            return try ChecklistLoader.load(path: checklistPath)
        } catch {
            for diagnostic in error.diagnostics {
                terminal.error(diagnostic.description)
            }
            if checklist == nil && error.diagnostics.first?.message == "no such file" {
                terminal.error("hint: run hedgeops from its repository, or pass --checklist PATH")
            }
            throw ExitCode(ExitCode.usage)
        }
    }
}

/// `NAME=VALUE` for --set.
struct ParameterAssignment: ExpressibleByArgument {
    var name: String
    var value: String

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else { return nil }
        name = String(argument[..<equals])
        value = String(argument[argument.index(after: equals)...])
    }

    static var defaultValueDescription: String { "NAME=VALUE" }
}
