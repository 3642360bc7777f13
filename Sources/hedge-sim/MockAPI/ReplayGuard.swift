/// The mock exchange's defence against replayed signed requests, as an
/// exchange that checks `timestamp` and `nonce` does it: the timestamp
/// (milliseconds since 1970) must be within a window of the server's clock,
/// and a nonce seen within that window is refused. Bitunix documents no
/// code of its own for either, so both answer 10007 with a message naming
/// the cause.
struct ReplayGuard {
    /// Allowed distance from the server's clock, in ms; 0 checks no
    /// timestamps (for replaying recorded requests such as signing vectors).
    let windowMS: Int64
    private var seen: [String: Int64] = [:]
    private var lastPruned: Int64 = 0

    init(windowMS: Int64) {
        self.windowMS = windowMS
    }

    /// Why a correctly signed request is refused, or nil; an accepted
    /// request's nonce is remembered.
    mutating func refusal(timestamp: String, nonce: String, nowMS: Int64) -> String? {
        guard !timestamp.isEmpty, timestamp.count <= 16, timestamp.allSatisfy(\.isASCII),
            timestamp.allSatisfy(\.isNumber), let stamp = Int64(timestamp)
        else {
            return "timestamp '\(timestamp.prefix(40))' is not milliseconds since 1970"
        }
        if windowMS > 0, abs(nowMS - stamp) > windowMS {
            let seconds = Double(stamp - nowMS) / 1000
            return "timestamp \(timestamp) is \(seconds >= 0 ? "+" : "")\(Int64(seconds.rounded())) s "
                + "from the server's clock; allowed ±\(windowMS / 1000) s"
        }
        guard !nonce.isEmpty, nonce.count <= 64 else { return "nonce must be 1 to 64 characters" }
        prune(nowMS)
        if seen[nonce] != nil { return "nonce '\(nonce.prefix(64))' was already used: a replayed request" }
        seen[nonce] = nowMS
        return nil
    }

    /// Nonces older than twice the window cannot come back with a valid
    /// timestamp; without a window they are kept ten minutes.
    private mutating func prune(_ nowMS: Int64) {
        guard nowMS - lastPruned >= 1000 else { return }
        lastPruned = nowMS
        let keep = windowMS > 0 ? 2 * windowMS : 600_000
        seen = seen.filter { nowMS - $0.value <= keep }
    }
}
