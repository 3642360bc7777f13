import Foundation

/// Reads and checks a journal: every line JSON, every `prev` the SHA-256 of
/// the line before. Names the first line that differs; a torn last line
/// (a crash mid-write) is reported and set aside, never silently dropped.
public struct JournalReader {
    public struct Problem: Sendable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public var events: [[String: Any]] = []
    /// The first broken link or unreadable line, if any.
    public var problem: Problem?
    /// An incomplete final line, with its line number.
    public var tornTail: (line: Int, text: String)?
    /// Hash of the last good line, to continue the chain.
    public var lastLineHash = Journal.genesis
    /// Bytes of the complete, chained lines (where a torn tail begins).
    public var validByteCount = 0

    public var isValid: Bool { problem == nil }
    public var lastSequence: Int { events.last?["seq"] as? Int ?? 0 }

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JournalError("cannot read journal \(path)")
        }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        // A file that does not end in a newline ends in a torn line.
        var torn: Data?
        if let last = lines.last {
            if last.isEmpty {
                lines.removeLast()
            } else {
                torn = Data(last)
                lines.removeLast()
            }
        }
        var expected = Journal.genesis
        for (index, line) in lines.enumerated() {
            let number = index + 1
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                problem = Problem(line: number, reason: "not a JSON object")
                return
            }
            guard let prev = object["prev"] as? String else {
                problem = Problem(line: number, reason: "no prev field")
                return
            }
            guard prev == expected else {
                problem = Problem(
                    line: number,
                    reason: number == 1
                        ? "prev is not 64 zeros on the first line"
                        : "prev does not match the SHA-256 of line \(number - 1): line \(number - 1) was changed")
                return
            }
            expected = Journal.sha256Hex(Data(line))
            events.append(object)
            validByteCount += line.count + 1
        }
        lastLineHash = expected
        if let torn {
            tornTail = (lines.count + 1, String(decoding: torn, as: UTF8.self))
        }
    }
}
