import Foundation
import Testing

@testable import HedgeOpsKit

/// The network checks refuse a host outside the allow-list themselves, not
/// only because the pre-flight skips them after a refused gate.
struct NetworkGuardTests {
    @Test func aCheckAgainstALiveHostSendsNothing() throws {
        let checklist = try ChecklistLoader.load(path: Fixture.path("../../../checklists/demo.yaml"))
        let gate = TestnetGate(policy: checklist.testnet, endpoints: checklist.endpoints)
        let context = PreflightContext(
            environment: [
                "BITUNIX_REST_URL": "https://fapi.bitunix.com:9", "BITUNIX_API_KEY": "k", "BITUNIX_API_SECRET": "s",
            ],
            workingDirectory: "/tmp")
        let spec = HTTPCheckSpec(
            endpoint: "rest", path: "/api/v1/futures/market/tickers", timeout: 1, maxLatencyMS: 100, maxClockSkewMS: 100
        )
        let reach = NetworkCheck.reachability(spec, checklist: checklist, context: context, gate: gate)
        #expect(reach.status == .fail)
        #expect(reach.detail.contains("LIVE Bitunix exchange") && reach.detail.contains("no connection attempted"))
        let credentials = NetworkCheck.credentials(
            CredentialsSpec(
                endpoint: "rest", path: "/api/v1/futures/account?marginCoin=USDT", timeout: 1, positionMode: "HEDGE"),
            checklist: checklist, context: context, gate: gate)
        #expect(credentials.detail.contains("no connection attempted"))
    }

    @Test func retriesAreForTransientFailuresOnly() {
        func response(_ status: Int, _ body: String = "{}") -> Result<HTTPResponse, HTTPFailure> {
            .success(
                HTTPResponse(
                    status: status, headers: [:], body: Data(body.utf8), seconds: 0, sentAt: Date(), receivedAt: Date())
            )
        }
        #expect(RetryPolicy.isRetryable(response(500)))
        #expect(RetryPolicy.isRetryable(response(429)))
        #expect(RetryPolicy.isRetryable(response(200, #"{"code":10006,"msg":"Too many requests"}"#)))
        #expect(!RetryPolicy.isRetryable(response(404)))
        #expect(!RetryPolicy.isRetryable(response(200, #"{"code":10007,"msg":"Signature Error"}"#)))
        #expect(RetryPolicy.isRetryable(.failure(HTTPFailure(kind: .timeout, host: "h", reason: "r"))))
        #expect(!RetryPolicy.isRetryable(.failure(HTTPFailure(kind: .tls, host: "h", reason: "r"))))
        let policy = RetryPolicy(attempts: 5, baseDelay: 0.2, maxDelay: 1)
        #expect(policy.delay(beforeAttempt: 2) <= 0.2 && policy.delay(beforeAttempt: 2) >= 0.1)
        #expect(policy.delay(beforeAttempt: 5) <= 1)
    }
}
