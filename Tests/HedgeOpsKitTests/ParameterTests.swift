import Testing

@testable import HedgeOpsKit

struct ParameterTests {
    func parameter(_ kind: Parameter.Kind, choices: [String] = [], min: Double? = nil, max: Double? = nil) -> Parameter
    {
        Parameter(
            name: "p", title: "P", kind: kind, defaultValue: "", choices: choices, min: min, max: max, env: nil,
            expect: nil, line: 1, column: 1)
    }

    @Test func durationsReadTheWayOperatorsWriteThem() {
        #expect(parseDuration("8h") == 28800)
        #expect(parseDuration("5s") == 5)
        #expect(parseDuration("10m") == 600)
        #expect(parseDuration("250ms") == 0.25)
        #expect(parseDuration("1h30m") == 5400)
        #expect(parseDuration("42") == 42)
        #expect(parseDuration("eight hours") == nil)
        #expect(parseDuration("-5s") == nil)
        #expect(parseDuration("5x") == nil)
        #expect(parseDuration("") == nil)
    }

    @Test func decimalsAreCheckedAgainstTheirRange() {
        let offset = parameter(.decimal, min: 0, max: 0.01)
        #expect(offset.problem(with: "0.0005") == nil)
        #expect(offset.problem(with: "0.5")?.contains("at most 0.01") == true)
        #expect(offset.problem(with: "abc")?.contains("expected a number") == true)
    }

    @Test func choicesSuggestTheClosestValue() {
        let level = parameter(.choice, choices: ["DEBUG", "INFO"])
        #expect(level.problem(with: "INFO") == nil)
        #expect(level.problem(with: "INF")?.contains("did you mean 'INFO'") == true)
    }

    @Test func wholeNumbersAndBooleans() {
        #expect(parameter(.int).problem(with: "3") == nil)
        #expect(parameter(.int).problem(with: "3.5") != nil)
        #expect(parameter(.bool).problem(with: "true") == nil)
        #expect(parameter(.bool).problem(with: "yes") != nil)
        #expect(parameter(.string).problem(with: "") != nil)
    }

    @Test func secretsAreDescribedNeverShown() {
        let value = "s3cr3t-value-that-must-not-leak"
        let described = Secrets.describe(value)
        #expect(!described.contains(value))
        #expect(described.hasPrefix("set, \(value.count) chars, sha256:"))
        #expect(described.hasSuffix(String(Secrets.sha256Hex(value).prefix(8))))
        #expect(Secrets.redact("note: \(value) here", secrets: [value]) == ("note: [redacted] here", true))
        #expect(Secrets.looksSecret("MY_API_TOKEN"))
        #expect(!Secrets.looksSecret("LOG_LEVEL"))
    }
}
