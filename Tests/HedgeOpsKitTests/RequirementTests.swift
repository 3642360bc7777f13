import Testing

@testable import HedgeOpsKit

struct RequirementTests {
    func v(_ text: String) throws -> PythonVersion { try #require(PythonVersion(text)) }

    @Test func versionsOrderAsPEP440Says() throws {
        let ordered = [
            "1.0.dev1", "1.0a1.dev1", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1", "1.0.1", "1.1", "2!0.1",
        ]
        for (a, b) in zip(ordered, ordered.dropFirst()) { #expect(try v(a) < (try v(b)), "\(a) < \(b)") }
        #expect(try v("1.0") == (try v("1.0.0")))
        #expect(PythonVersion("not-a-version") == nil)
    }

    @Test func specifierClauses() throws {
        #expect(try v("3.9.1").satisfies(">=", "3.9") == true)
        #expect(try v("3.8").satisfies(">=", "3.9") == false)
        #expect(try v("1.4.5").satisfies("~=", "1.4.2") == true)
        #expect(try v("1.5.0").satisfies("~=", "1.4.2") == false)
        #expect(try v("2.31.0").satisfies("==", "2.31.*") == true)
        #expect(try v("2.32.0").satisfies("!=", "2.31.*") == true)
        #expect(try v("12.0").satisfies("==", "12.0.0") == true)
    }

    @Test func plainLinesAreParsedAndOthersLeftToPython() throws {
        let requirement = try #require(SimpleRequirement("aiohttp[speedups] >= 3.9, <4"))
        #expect(requirement.name == "aiohttp")
        #expect(requirement.clauses.map(\.op) == [">=", "<"])
        #expect(SimpleRequirement("uvloop; sys_platform != 'win32'") == nil)
        #expect(SimpleRequirement("pkg @ https://example.invalid/pkg.whl") == nil)
        var installed = InstalledDistributions()
        installed.versions = ["aiohttp": "3.9.5", "python-dateutil": "2.9.0.post0"]
        #expect(requirement.verdict(installed: installed) == .some(nil))
        #expect(SimpleRequirement("Python_Dateutil>=2.8")?.verdict(installed: installed) == .some(nil))
        #expect(SimpleRequirement("psutil")?.verdict(installed: installed) == .some("not installed"))
        #expect(SimpleRequirement("aiohttp<3.9")?.verdict(installed: installed) == .some("installed 3.9.5, needs <3.9"))
    }
}
