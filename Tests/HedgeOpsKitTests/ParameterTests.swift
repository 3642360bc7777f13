import Foundation
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

    @Test func secretsAreDescribedWithAKeyedFingerprintNeverShown() throws {
        let value = "s3cr3t-value-that-must-not-leak"
        let described = Secrets.describe(value, key: FingerprintKey(bytes: Array(repeating: 7, count: 32)))
        #expect(!described.contains(value))
        #expect(described.hasPrefix("set, \(value.count) chars, hmac:"))
        let plainDigest = Journal.sha256Hex(Data(value.utf8))
        #expect(!described.contains(String(plainDigest.prefix(8))), "a plain digest confirms a guessed secret")
        let other = Secrets.describe(value, key: FingerprintKey(bytes: Array(repeating: 8, count: 32)))
        #expect(other != described, "two installs must not be linkable by their fingerprints")
        #expect(Secrets.looksSecret("MY_API_TOKEN"))
        #expect(!Secrets.looksSecret("LOG_LEVEL"))
    }

    @Test func theFingerprintKeyIsMadeOnceOwnerOnlyAndKeptAcrossCalls() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fpkey-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["HEDGEOPS_CONFIG_DIR": directory + "/config"]
        let first = FingerprintKey(environment: environment).fingerprint("abc")
        let second = FingerprintKey(environment: environment).fingerprint("abc")
        #expect(first.hasPrefix("hmac:") && first == second)
        let path = FingerprintKey.path(environment: environment)
        #expect(path == directory + "/config/fingerprint.key")
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        #expect(attributes[.size] as? Int == 32)
        let folder = try FileManager.default.attributesOfItem(atPath: directory + "/config")
        #expect(folder[.posixPermissions] as? Int == 0o700)
        #expect(
            FingerprintKey.path(environment: ["XDG_CONFIG_HOME": "/x", "HOME": "/h"]) == "/x/hedgeops/fingerprint.key")
        #expect(FingerprintKey.path(environment: ["HOME": "/h"]) == "/h/.config/hedgeops/fingerprint.key")
    }
}
