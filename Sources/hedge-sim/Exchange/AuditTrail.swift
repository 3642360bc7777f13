import Foundation
import HedgeOpsKit

/// Every order event the exchange saw (placed, modified, canceled, filled,
/// rejected) and every WebSocket event (connected, logged in, dropped),
/// appended as JSON Lines to a file when one is given and counted in
/// memory, so hedgeops can cross-check the executor's log against it.
final class AuditTrail: @unchecked Sendable {
    private let lock = NSLock()
    private let handle: FileHandle?
    private var counts: [String: Int] = [:]
    private var recent: [JSONValue] = []

    init(path: String?) throws {
        guard let path else {
            handle = nil
            return
        }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            else {
                throw Tape.Failure(description: "\(path): cannot create the audit trail; check the folder exists")
            }
        }
        guard let opened = FileHandle(forWritingAtPath: path) else {
            throw Tape.Failure(description: "\(path): cannot open the audit trail for writing")
        }
        opened.seekToEndOfFile()
        handle = opened
    }

    /// One event; its `event` field is what is counted.
    func append(_ event: JSONValue) {
        guard case .object(let fields) = event, case .string(let kind)? = fields["event"] else { return }
        lock.withLock {
            counts[kind, default: 0] += 1
            recent.append(event)
            if recent.count > 10_000 { recent.removeFirst(recent.count - 10_000) }
            handle?.write(Data((event.serialized + "\n").utf8))
        }
    }

    /// The counts by event, and the last `limit` events.
    func summary(limit: Int) -> JSONValue {
        lock.withLock {
            .object([
                "counts": .object(counts.mapValues { .int($0) }),
                "events": .array(Array(recent.suffix(max(0, limit)))),
            ])
        }
    }

    func count(_ kind: String) -> Int { lock.withLock { counts[kind, default: 0] } }
}
