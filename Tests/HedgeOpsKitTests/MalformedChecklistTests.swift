import Foundation
import Testing

@testable import HedgeOpsKit

/// Each file in Fixtures/malformed starts with `# expect: LINE:COLUMN PATH | TEXT`:
/// the loader must report a diagnostic at exactly that place, with that text.
struct MalformedChecklistTests {
    struct Expectation: CustomTestStringConvertible, Sendable {
        var file: String
        var line: Int
        var column: Int
        var path: String
        var fragment: String
        var testDescription: String { URL(fileURLWithPath: file).lastPathComponent }
    }

    static let expectations: [Expectation] = {
        let directory = Fixture.directory.appendingPathComponent("malformed")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().compactMap { name in
            let file = directory.appendingPathComponent(name).path
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                let header = text.split(separator: "\n").first, header.hasPrefix("# expect: ")
            else { return nil }
            let spec = header.dropFirst("# expect: ".count)
            let halves = spec.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let place = halves[0].split(separator: " ", maxSplits: 1)
            let position = place[0].split(separator: ":").compactMap { Int($0) }
            return Expectation(
                file: file, line: position[0], column: position[1],
                path: place.count > 1 ? String(place[1]) : "", fragment: halves[1])
        }
    }()

    @Test func thereAreAtLeastTwentyMalformedFixtures() {
        #expect(Self.expectations.count >= 20)
    }

    @Test(arguments: expectations)
    func malformedChecklistIsReportedAtTheExactPlace(_ expected: Expectation) throws {
        do {
            _ = try ChecklistLoader.load(path: expected.file)
            Issue.record("\(expected.file) loaded without errors")
        } catch {
            let match = error.diagnostics.first {
                $0.line == expected.line && $0.column == expected.column && $0.path == expected.path
                    && ($0.message + " " + ($0.fix ?? "")).contains(expected.fragment)
            }
            #expect(
                match != nil,
                "expected \(expected.line):\(expected.column) \(expected.path) '\(expected.fragment)', got:\n\(error.description)"
            )
            #expect(error.diagnostics.allSatisfy { $0.file == expected.file })
        }
    }

    @Test func theMinimalFixtureIsValid() throws {
        let checklist = try ChecklistLoader.load(path: Fixture.path("minimal.yaml"))
        #expect(checklist.items.map(\.id) == ["gate", "keys", "params"])
        #expect(checklist.parameters.map(\.name) == ["symbol", "level"])
    }

    @Test func everyErrorIsReportedNotJustTheFirst() throws {
        let text = try String(contentsOfFile: Fixture.path("minimal.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "title: Minimal checklist", with: "titel: Minimal checklist")
            .replacingOccurrences(of: "duration: 8h", with: "duration: soon")
            .replacingOccurrences(of: "metric: memory_ratio", with: "metric: memroy_ratio")
        do {
            _ = try ChecklistLoader.parse(data: Data(text.utf8), file: "three.yaml")
            Issue.record("loaded")
        } catch {
            let paths = error.diagnostics.map(\.path)
            #expect(paths.contains("titel"))
            #expect(paths.contains("run.duration"))
            #expect(paths.contains("criteria.items[0].metric"))
            // Sorted by position in the file.
            #expect(error.diagnostics.map(\.line) == error.diagnostics.map(\.line).sorted())
        }
    }

    @Test func aMissingFileSaysSo() {
        #expect(throws: ChecklistErrors.self) { try ChecklistLoader.load(path: "/nonexistent/checklist.yaml") }
        do {
            _ = try ChecklistLoader.load(path: "/nonexistent/checklist.yaml")
        } catch {
            #expect(error.description.contains("/nonexistent/checklist.yaml:1:1: error: no such file"))
        }
    }
}
