import Foundation
import HedgeOpsKit

/// The faults the exchange injects, set by flags at start and changed at run
/// time through `POST /control/faults`. Random faults draw from the
/// exchange's repeatable random numbers, so a run can be repeated.
struct FaultPlan {
    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    /// Delay before every REST answer.
    var latencyMS = 0
    /// Fraction of REST requests answered HTTP 500.
    var failRate = 0.0
    /// REST requests a second before code 10006 (HTTP 429).
    var rateLimit: Int?
    /// Shift of every clock the exchange shows (Date header, `ts`, pong).
    var clockSkewMS = 0
    /// Seconds since start during which REST answers 503 and WebSocket
    /// upgrades are refused; connections open at its start are dropped.
    var maintenance: ClosedRange<Double>?
    /// False: `ping` ops go unanswered (the executor's heartbeat times out).
    var answerPings = true
    /// Fraction of orders refused with code 20003.
    var rejectRate = 0.0
    /// Seconds since start at which every WebSocket is dropped.
    var dropAt: [Double] = []
    /// Every WebSocket is dropped this often, in seconds.
    var dropEvery: Double?

    /// Applies the control endpoint's JSON: only the keys given change;
    /// `null` clears an optional fault. Unknown keys are refused.
    mutating func apply(_ json: [String: Any]) throws(Invalid) {
        var next = self
        for (key, value) in json {
            switch key {
            case "latency_ms": next.latencyMS = try Self.int(value, key, 0...60_000)
            case "fail_rate": next.failRate = try Self.fraction(value, key)
            case "rate_limit": next.rateLimit = value is NSNull ? nil : try Self.int(value, key, 1...1_000_000)
            case "clock_skew_ms": next.clockSkewMS = try Self.int(value, key, -86_400_000...86_400_000)
            case "answer_pings":
                guard let flag = value as? Bool else {
                    throw Invalid(description: "answer_pings must be true or false")
                }
                next.answerPings = flag
            case "reject_rate": next.rejectRate = try Self.fraction(value, key)
            case "maintenance":
                next.maintenance = value is NSNull ? nil : try Self.window(value)
            case "drop_every": next.dropEvery = value is NSNull ? nil : try Self.seconds(value, key)
            case "drop_at":
                guard let list = value as? [Any] else { throw Invalid(description: "drop_at must be a list of times") }
                next.dropAt = []
                for item in list { next.dropAt.append(try Self.seconds(item, key)) }
            default:
                throw Invalid(
                    description:
                        "unknown fault '\(key)': use latency_ms, fail_rate, rate_limit, clock_skew_ms, answer_pings, "
                        + "reject_rate, maintenance, drop_every or drop_at")
            }
        }
        self = next
    }

    var json: JSONValue {
        .object([
            "latency_ms": .int(latencyMS), "fail_rate": .double(failRate), "rate_limit": .from(rateLimit),
            "clock_skew_ms": .int(clockSkewMS), "answer_pings": .bool(answerPings), "reject_rate": .double(rejectRate),
            "maintenance": maintenance.map { .array([.double($0.lowerBound), .double($0.upperBound)]) } ?? .null,
            "drop_every": .from(dropEvery), "drop_at": .array(dropAt.map { .double($0) }),
        ])
    }

    /// `30s`, `10m` or a number of seconds.
    static func seconds(_ value: Any, _ key: String, allowZero: Bool = false) throws(Invalid) -> Double {
        let seconds = (value as? NSNumber)?.doubleValue ?? (value as? String).flatMap(parseDuration)
        if let seconds, seconds.isFinite, seconds > 0 || (allowZero && seconds == 0) { return seconds }
        throw Invalid(description: "\(key) must be a duration above 0 such as 30s or 10m, got '\(value)'")
    }

    /// `FROM-TO` (`10m-15m`) or a two-element list, in time since start.
    static func window(_ value: Any) throws(Invalid) -> ClosedRange<Double> {
        let parts: [Any]
        if let text = value as? String {
            parts = text.split(separator: "-").map(String.init)
        } else if let list = value as? [Any] {
            parts = list
        } else {
            parts = []
        }
        guard parts.count == 2 else {
            throw Invalid(description: "maintenance must be FROM-TO since start, such as 10m-15m")
        }
        let from = try seconds(parts[0], "maintenance start", allowZero: true),
            to = try seconds(parts[1], "maintenance end")
        guard from < to else { throw Invalid(description: "maintenance must end after it starts") }
        return from...to
    }

    private static func int(_ value: Any, _ key: String, _ range: ClosedRange<Int>) throws(Invalid) -> Int {
        guard let number = value as? NSNumber, range.contains(number.intValue) else {
            throw Invalid(description: "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number.intValue
    }

    private static func fraction(_ value: Any, _ key: String) throws(Invalid) -> Double {
        guard let number = value as? NSNumber, (0...1).contains(number.doubleValue) else {
            throw Invalid(description: "\(key) must be a fraction from 0 to 1")
        }
        return number.doubleValue
    }
}
