import Crypto
import Foundation
import Testing

@testable import HedgeOpsKit

/// allowed_signers read and matched as OpenSSH does: the pattern matcher,
/// the option parser, the times, the line reader and the decision.
struct AllowedSignersTests {
    static let utc = TimeZone(identifier: "UTC") ?? .current

    @Test(arguments: [
        ("op@example.com", "op@example.com", true),
        ("op@example.com", "OP@example.com", false),
        ("op@example.com", "*@example.com", true),
        ("op@example.com", "*", true),
        ("", "*", true),
        ("", "", true),
        ("a", "", false),
        ("op@example.com", "op@example.co?", true),
        ("op@example.co", "op@example.co?", false),
        ("op@example.com", "o*@*.c*m", true),
        ("op@example.com", "*@*@*", false),
        ("aaa", "*a", true),
        ("ab", "a*?", true),
        ("a", "a*?", false),
        ("op@example.com", "*?", true),
    ])
    func aPatternMatchesAsOpenSSHsMatchPattern(string: String, pattern: String, expected: Bool) {
        #expect(PatternList.matches(string, pattern: pattern) == expected)
    }

    @Test(arguments: [
        ("bob@y", "alice@x,bob@y", PatternList.Match.positive),
        ("carol@z", "alice@x,bob@y", .none),
        ("op@example.com", "!op@example.com,*@example.com", .negative),
        ("op@example.com", "*@example.com,!op@example.com", .negative),
        ("x@example.com", "!op@example.com,*@example.com", .positive),
        ("op@example.com", "!alice@x", .none),
        ("hedgeops", "hedge*", .positive),
        ("hedgeops", "other,,hedgeops", .positive),
        ("hedgeops", "", .none),
        ("hedgeops", String(repeating: "a", count: 1100) + ",hedgeops", .none),
    ])
    func aPatternListIsMatchedWithNegationWinning(string: String, list: String, expected: PatternList.Match) {
        #expect(PatternList.match(string, list: list) == expected)
    }

    func options(_ text: String) -> Result<AllowedSigners.Options, SigningError> {
        AllowedSigners.Options.parse(Array(text.utf8), timeZone: Self.utc)
    }

    @Test func optionsAreReadCaseInsensitivelyWithQuotedValues() throws {
        let parsed = try options(#"Cert-Authority,NAMESPACES="git,hedge\"ops",valid-after="20200101Z""#).get()
        #expect(parsed.certAuthority)
        #expect(parsed.namespaces == #"git,hedge"ops"#)
        #expect(parsed.validAfter == 1_577_836_800)
        #expect(try options("").get() == AllowedSigners.Options())
        #expect(try options(#"namespaces="a b""#).get().namespaces == "a b")
    }

    @Test(arguments: [
        ("foo", "unknown key option \"foo\""),
        ("namespaces=hedgeops", "missing start quote"),
        (#"namespaces="hedgeops"#, "missing end quote"),
        (#"namespaces="a",namespaces="b""#, "multiple \"namespaces\" clauses"),
        (#"valid-after="20200101",valid-after="20210101""#, "multiple \"valid-after\" clauses"),
        ("cert-authority,", "unexpected end-of-options"),
        ("cert-authority=yes", "unknown key option"),
        ("cert-authorityx", "unknown key option"),
        (#"valid-after="2020-01-01""#, "invalid \"valid-after\" time"),
        (#"valid-before="19700101Z""#, "invalid \"valid-before\" time"),
        (#"valid-after="20990101",valid-before="20200101""#, "\"valid-before\" time is before \"valid-after\""),
        (#"valid-after="20200101",valid-before="20200101""#, "\"valid-before\" time is before \"valid-after\""),
    ])
    func aBadOptionInvalidatesTheLineWithTheReason(text: String, reason: String) {
        guard case .failure(let error) = options(text) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(error.description.contains(reason), "\(text): \(error)")
    }

    @Test(arguments: [
        ("20200101", Int64(1_577_836_800)),
        ("20200101Z", 1_577_836_800),
        ("20200101utc", 1_577_836_800),
        ("202001011230", 1_577_881_800),
        ("20200101123045z", 1_577_881_845),
        ("20200231", 1_583_107_200),  // 31 February 2020 rolls over to 2 March, as mktime does
        ("20201231235960", 1_609_459_200),  // second 60 rolls over too
        ("2020 1 1", 1_577_836_800),  // strptime skips spaces before a number
    ])
    func timesAreReadAsSSHKeygenReadsThem(text: String, seconds: Int64) {
        #expect(AbsoluteTime.parse(Array(text.utf8), timeZone: Self.utc) == seconds)
    }

    @Test(arguments: [
        "2020010", "202001011", "20201301", "20200132", "20200100", "2020010124", "19691231Z", "Z", "abcdefgh",
    ])
    func timesSSHKeygenRefusesAreRefused(text: String) {
        #expect(AbsoluteTime.parse(Array(text.utf8), timeZone: Self.utc) == nil)
    }

    @Test func aLocalTimeIsReadInTheGivenZone() throws {
        let tokyo = try #require(TimeZone(identifier: "Asia/Tokyo"))
        let seconds = AbsoluteTime.parse(Array("20200101".utf8), timeZone: tokyo)
        #expect(seconds == Int64(1_577_836_800 - 9 * 3600))
    }

    @Test func base64IsDecodedAsOpenSSHDecodesIt() {
        #expect(SSHBase64.decode(Array("aGVk\nZ2Vv cHM=".utf8)) == Data("hedgeops".utf8))
        #expect(SSHBase64.decode(Array("aGk=".utf8)) == Data("hi".utf8))
        #expect(SSHBase64.decode(Array("aGk".utf8)) == nil)  // padding required
        #expect(SSHBase64.decode(Array("aGl=".utf8)) == nil)  // non-zero bits after the last byte
        #expect(SSHBase64.decode(Array("aGk=x".utf8)) == nil)
        #expect(SSHBase64.decode(Array("aA= =".utf8)) == Data("h".utf8))
        #expect(SSHBase64.decode(Array("a-b=".utf8)) == nil)
        #expect(SSHBase64.decode(Array("".utf8)) == Data())
    }

    static let key = Curve25519.Signing.PrivateKey().publicKey
    static var field: String { "ssh-ed25519 " + OpenSSHKey.publicBlob(key).base64EncodedString() }
    static let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15

    func decide(_ text: String, identity: String? = "op@example.com") -> AllowedSigners.Decision {
        AllowedSigners(data: Data(text.utf8), path: "allowed_signers").authorize(
            Self.key, identity: identity, namespace: "hedgeops", at: Self.now, timeZone: Self.utc)
    }

    @Test func theFirstLineThatAllowsTheKeyIsNamed() {
        let text = """
            # reviewers
            op@example.com namespaces="git" \(Self.field)

            op@example.com\tvalid-before="20990101"\t\(Self.field) laptop
            *@example.com \(Self.field)
            """
        #expect(decide(text) == .allowed(.init(line: 4, principals: "op@example.com")))
        #expect(decide(text, identity: "x@example.com") == .allowed(.init(line: 5, principals: "*@example.com")))
        #expect(decide(text, identity: nil) == .allowed(.init(line: 4, principals: "op@example.com")))
    }

    @Test func aQuotedPrincipalLosesItsQuotes() {
        #expect(
            decide("\"op@example.com,alice@x\" \(Self.field)", identity: nil)
                == .allowed(.init(line: 1, principals: "op@example.com,alice@x")))
        #expect(decide("\"op@example.com \(Self.field)") == .refused([]))
    }

    @Test(arguments: [
        ("op@example.com valid-after=\"20990101\" KEY", "not yet valid"),
        ("op@example.com valid-before=\"20200101\" KEY", "has expired"),
        ("op@example.com namespaces=\"!hedgeops,*\" KEY", "not permitted for namespace \"hedgeops\""),
        ("op@example.com cert-authority KEY", "cert-authority"),
        ("op@example.com foo KEY", "unknown key option"),
        ("KEY op@example.com", "invalid key"),
        ("op@example.com namespaces=\"hedgeops\"", "missing key"),
    ])
    func aLineThatDoesNotAllowTheKeySaysWhy(line: String, reason: String) {
        let text = line.replacingOccurrences(of: "KEY", with: Self.field)
        let decision = decide(text, identity: line.hasPrefix("KEY") ? nil : "op@example.com")
        guard case .refused(let reasons) = decision else {
            Issue.record("\(line) allowed the key")
            return
        }
        #expect(reasons.contains { $0.hasPrefix("allowed_signers:1: ") && $0.contains(reason) }, "\(reasons)")
    }

    @Test func anotherKeyOrPrincipalIsNotAllowed() {
        let other =
            "ssh-ed25519 " + OpenSSHKey.publicBlob(Curve25519.Signing.PrivateKey().publicKey).base64EncodedString()
        #expect(decide("op@example.com \(other)") == .refused([]))
        #expect(decide("alice@x \(Self.field)") == .refused([]))
        #expect(decide("!op@example.com,*@example.com \(Self.field)") == .refused([]))
    }
}
