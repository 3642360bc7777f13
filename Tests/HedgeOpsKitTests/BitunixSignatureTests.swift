import Foundation
import Testing

@testable import HedgeOpsKit

/// The team's shared signing vectors, computed from
/// Bitunix's documented algorithm, reproduced exactly.
struct BitunixSignatureTests {
    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        var nonce: String
        var timestamp: String
        var apiKey: String
        var secretKey: String
        var queryParams: [String: String]
        var body: String
        var queryString: String
        var digest: String
        var sign: String
        var testDescription: String { "\(apiKey) \(queryString)" }
    }

    /// A copy of the team's shared signing vectors, so the tests run in any clone.
    static let path = Fixture.path("bitunix-sign-vectors.json")

    static let vectors: [Vector] = {
        struct File: Decodable { var vectors: [Vector] }
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return (try? JSONDecoder().decode(File.self, from: data).vectors) ?? []
    }()

    @Test func theSharedVectorsAreAllPresent() {
        #expect(Self.vectors.count == 4)
    }

    @Test(arguments: vectors)
    func everySharedVectorIsReproduced(_ vector: Vector) {
        let query = BitunixSignature.queryString(vector.queryParams)
        #expect(query == vector.queryString)
        #expect(
            BitunixSignature.digest(
                nonce: vector.nonce, timestamp: vector.timestamp, apiKey: vector.apiKey, queryString: query,
                body: vector.body) == vector.digest)
        #expect(
            BitunixSignature.sign(
                nonce: vector.nonce, timestamp: vector.timestamp, apiKey: vector.apiKey, secretKey: vector.secretKey,
                queryString: query, body: vector.body) == vector.sign)
    }

    @Test func noncesAreThirtyTwoRandomCharacters() {
        let a = BitunixSignature.makeNonce(), b = BitunixSignature.makeNonce()
        #expect(a.count == 32 && b.count == 32 && a != b)
    }
}
