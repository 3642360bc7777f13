import Foundation
import Testing

@testable import HedgeOpsKit

/// A journal damaged anywhere, by a changed byte or a cut, is never read as
/// whole: the reader names the line, sets a torn tail aside, and never crashes.
struct JournalCorruptionTests {
    /// A journal of every event type, several times over, and its bytes.
    static func journal() throws -> (path: String, bytes: [UInt8], lineStarts: [Int]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "corrupt-\(UUID().uuidString).jsonl"
        ).path
        let journal = try Journal(creating: path)
        for _ in 0..<3 {
            for event in RunModelTests.everyEvent { try journal.append(event) }
        }
        journal.sync()
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        var starts = [0]
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") && index + 1 < bytes.count {
            starts.append(index + 1)
        }
        return (path, bytes, starts)
    }

    static func line(of offset: Int, _ starts: [Int]) -> Int { (starts.lastIndex { $0 <= offset } ?? 0) + 1 }

    @Test func aChangedByteAnywhereIsNamedByItsLineOrTheNext() throws {
        let (path, bytes, starts) = try Self.journal()
        defer { unlink(path) }
        var random = ReproducibleRandom(randomStart: 7)
        for round in 0..<1_000 {
            var damaged = bytes
            let at = Int(random.next() % UInt64(bytes.count))
            let replacement = UInt8(truncatingIfNeeded: random.next())
            guard replacement != damaged[at] else { continue }
            damaged[at] = replacement
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            let reader = try JournalReader(path: path)
            let line = Self.line(of: at, starts)
            if let problem = reader.problem {
                // The line itself (no longer JSON, or not its type) or the next (its hash changed).
                #expect(
                    problem.line == line || problem.line == line + 1,
                    "round \(round): byte \(at) of line \(line) changed, reported \(problem)")
                #expect(reader.entries.count < problem.line)
            } else {
                // Only a change to the last line, or its newline, goes unseen by the chain
                // (results.json's digest catches those), or a cut into a torn tail.
                #expect(
                    line >= starts.count - 1 || reader.tornTail != nil,
                    "round \(round): byte \(at) of line \(line) changed and nothing was reported")
            }
        }
    }

    @Test func aCutAnywhereLeavesATornTailOrFewerWholeLines() throws {
        let (path, bytes, _) = try Self.journal()
        defer { unlink(path) }
        var random = ReproducibleRandom(randomStart: 11)
        for _ in 0..<300 {
            let length = Int(random.next() % UInt64(bytes.count))
            try Data(bytes.prefix(length)).write(to: URL(fileURLWithPath: path))
            let reader = try JournalReader(path: path)
            #expect(reader.isValid)
            let whole = bytes.prefix(length).count { $0 == UInt8(ascii: "\n") }
            #expect(reader.entries.count == whole)
            if length > 0 && bytes[length - 1] != UInt8(ascii: "\n") {
                #expect(reader.tornTail?.line == whole + 1)
            } else {
                #expect(reader.tornTail == nil)
            }
        }
    }
}
