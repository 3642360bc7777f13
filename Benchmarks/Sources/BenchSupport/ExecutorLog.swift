import Foundation
import HedgeOpsKit

/// A generated executor log in the load-test script's format, with the mix
/// a real one has: mostly order updates, now and then a reconnect, an error,
/// an hourly report block. Deterministic, so every run scans the same bytes.
public enum ExecutorLog {
    /// The shipped checklist's log patterns.
    public static let patterns: [LogPattern] = [
        (id: "errors", regex: " - ERROR - "),
        (id: "ws_reconnects", regex: "Reconnecting in [0-9.]+s"),
        (id: "ws_dropped", regex: "Connection closed unexpectedly"),
        (id: "error_lock", regex: "ERROR_LOCK"),
        (id: "orders_placed", regex: "[Oo]rder placed"),
        (id: "orders_modified", regex: "[Oo]rder modified"),
        (id: "ws_state", regex: "WebSocket (Connected|Disconnected|Reconnecting)"),
    ].map { LogPattern(id: $0.id, title: $0.id, regex: $0.regex) }

    public static let benchmarkSize = 64 << 20

    /// Line `index` of the log.
    public static func line(_ index: Int) -> String {
        let seconds = index * 5
        let stamp = String(
            format: "2025-01-01 %02d:%02d:%02d,%03d", (seconds / 3600) % 24, (seconds / 60) % 60, seconds % 60,
            index % 1000)
        let executor = " - src.core.broker.bitunix_hedge_executor - "
        let order = String(format: "SIM-%06d", index / 40)
        switch index % 1000 {
        case 0:
            return stamp + " - src.core.broker.bitunix_ws - WARNING - Connection closed unexpectedly (code 1006)"
        case 1: return stamp + " - src.core.broker.bitunix_ws - WARNING - Reconnecting in 4s (attempt #1)..."
        case 2: return stamp + " - src.core.broker.bitunix_ws - INFO - WebSocket Connected"
        case 500: return stamp + executor + "ERROR - Order rejected: code=10006 msg=rate limited"
        case 999: return "=== Load Test Report (After \(index / 720).00h) ===\nOrders Placed: \(index / 40)\n"
        default:
            if index % 40 == 0 {
                return stamp + executor
                    + "INFO - Order placed: id=\(order) symbol=BTCUSDT side=BUY qty=0.001 price=94964.2 offset=0.0005"
            }
            if index % 40 == 1 { return stamp + executor + "INFO - State transition: IDLE -> ENTRY_PENDING" }
            return stamp + executor + "INFO - Order modified: id=\(order) price 94964.2 -> 94961.\(index % 10)"
        }
    }

    /// Writes `bytes` bytes of log (whole lines) to `path`.
    public static func write(to path: String, bytes: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        defer { try? handle.close() }
        var written = 0
        var index = 0
        var chunk: [UInt8] = []
        chunk.reserveCapacity(1 << 20)
        while written < bytes {
            chunk.removeAll(keepingCapacity: true)
            while chunk.count < (1 << 20) {
                chunk += Array(line(index).utf8)
                chunk.append(0x0A)
                index += 1
            }
            let take = min(chunk.count, bytes - written)
            // Whole lines only: cut at the last newline that fits.
            var end = take
            while end > 0 && chunk[end - 1] != 0x0A { end -= 1 }
            if end == 0 { break }
            try handle.write(contentsOf: chunk[0..<end])
            written += end
            if end < chunk.count { break }
        }
    }
}
