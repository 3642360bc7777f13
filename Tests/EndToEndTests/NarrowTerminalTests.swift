import Foundation
import HedgeOpsKit
import Testing

/// The checkpoint lines (hours 0/1/2/4/6/8) and the verdict table on a
/// narrow terminal: nothing drawn wider than the window, no field cut, and
/// the figures a criterion reads present at every checkpoint.
@Suite(.enabled(if: Tmux.available))
struct NarrowTerminalTests {
    @Test(arguments: [60, 80, 120])
    func checkpointLinesAndTheVerdictFitTheWidth(columns: Int) throws {
        // A leak: growth and a projection beyond the limit on every line, a failed criterion in the table.
        let (workspace, tmux) = try OperatorScreenTests.demoRun(
            ["--time-scale", "3600", "--yes", "--set", "scenario=leak"], columns: columns)
        #expect(tmux.waitForExit(timeout: 60) == 1, "\(tmux.screen(history: true))")
        let screen = tmux.screen(history: true)
        let overlong = OperatorScreenTests.overlong(tmux, columns: columns)
        #expect(overlong.isEmpty, "\(columns) columns: \(overlong)")

        // Each checkpoint: its first line and the lines under it that continue it (indented 5).
        let rows = screen.split(separator: "\n").map(String.init)
        for hour in ["h0", "h1", "h2", "h4", "h6", "h8"] {
            let start = try #require(
                rows.firstIndex { $0.hasPrefix(hour.padding(toLength: 5, withPad: " ", startingAt: 0) + "rss ") },
                "\(columns) columns: no \(hour) line in\n\(screen)")
            let continued = rows[(start + 1)...].prefix { $0.hasPrefix("     ") }
            let checkpoint = ([rows[start]] + continued).joined(separator: "\n")
            // The criteria's figures come first: on the first line, whole.
            #expect(
                rows[start].contains(/rss +\d+\.\d MB/) && rows[start].contains(/reconnects \d+/)
                    && rows[start].contains(/errors \d+/), "\(columns) columns: \(rows[start])")
            if hour != "h0" {
                #expect(rows[start].contains(/\([+-]\d+\.\d %\)/), "growth since hour 0: \(rows[start])")
                #expect(checkpoint.contains(/trend [+-]\d+\.\d MB\/h -> h8 \d+\.\d MB \(\d\.\d\d×\)/), "\(checkpoint)")
            }
            #expect(checkpoint.contains(/cpu +\d+\.\d %/) && checkpoint.contains("ws Connected"), "\(checkpoint)")
        }

        // The verdict table: every criterion's mark, id and whole detail, read back from results.json.
        let results = try RunResults(path: try #require(try RunTests.runFolder(workspace)) + "/results.json")
        let unwrapped = Tmux.unwrapped(screen)
        for criterion in results.criteria {
            let mark = criterion.passed ? "PASS" : "FAIL"
            #expect(rows.contains { $0.hasPrefix("  \(mark)  \(criterion.id)") }, "\(criterion.id) in\n\(screen)")
            #expect(unwrapped.contains(criterion.detail), "\(columns) columns, \(criterion.id): \(criterion.detail)")
        }
        #expect(screen.contains("VERDICT: FAIL"))
    }
}
