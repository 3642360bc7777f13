import ArgumentParser
import Foundation
import HedgeOpsCLI

/// `hedge-sim`: the bundled simulator. A simulated Bitunix HEDGE executor
/// running the team's load-test script, and a mock TESTNET API on loopback.
struct HedgeSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hedge-sim",
        abstract:
            "A simulated Bitunix HEDGE executor, a mock TESTNET API and a local exchange, for rehearsals, tests and the demo.",
        discussion: """
            Examples:
              hedge-sim run --scenario healthy --time-scale 3600     # 8 hours in 8 seconds
              hedge-sim run --scenario leak --hours 4
              hedge-sim api --port 0 --api-key demo-key --api-secret demo-secret
              hedge-sim exchange --port 18080 --api-key demo-key --api-secret demo-secret

            Scenarios:
            \(Scenario.all.map { "  \($0.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n"))
            """,
        version: "0.1.0",
        subcommands: [RunCommand.self, APICommand.self, ExchangeCommand.self]
    )
}

/// Entry point: usage errors exit 2, as in hedgeops (ArgumentParser says 64).
@main
enum Main {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if [["-V"], ["--version"], ["version"]].contains(arguments) {
            print("hedge-sim \(HedgeSim.configuration.version)")
            return
        }
        if let unknown = FirstContact.unknownCommand(arguments, root: { .init(HedgeSim.self) }) {
            writeStandardError(unknown + "\n")
            exit(2)
        }
        do {
            var command = try HedgeSim.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if HedgeSim.exitCode(for: error) == .validationFailure {
                writeStandardError(HedgeSim.fullMessage(for: error) + "\n")
                exit(2)
            }
            HedgeSim.exit(withError: error)
        }
    }
}
