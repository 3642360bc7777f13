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

    /// The chained lines, typed.
    public var entries: [JournalEntry] = []
    /// The first broken link or unreadable line, if any.
    public var problem: Problem?
    /// An incomplete final line, with its line number.
    public var tornTail: (line: Int, text: String)?
    /// Hash of the last good line, to continue the chain.
    public var lastLineHash = Journal.genesis
    /// Bytes of the complete, chained lines (where a torn tail begins).
    public var validByteCount = 0

    public var isValid: Bool { problem == nil }
    public var lastSequence: Int { entries.last?.seq ?? 0 }

    /// The events, in order.
    public var events: [JournalEvent] { entries.map(\.event) }

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
        let decoder = JSONDecoder()
        for (index, line) in lines.enumerated() {
            let number = index + 1
            // The typed entry first; only a line that does not fit is read loosely, to say why.
            let entry: JournalEntry
            do {
                entry = try decoder.decode(JournalEntry.self, from: Data(line))
            } catch {
                guard case .object(let object)? = try? decoder.decode(JSONValue.self, from: Data(line)) else {
                    problem = Problem(line: number, reason: "not a JSON object")
                    return
                }
                guard case .string(let prev)? = object["prev"], prev == expected else {
                    problem = Self.chainProblem(line: number, prev: object["prev"])
                    return
                }
                problem = Problem(line: number, reason: Self.describe(error, type: object["type"]))
                return
            }
            guard entry.prev == expected else {
                problem = Self.chainProblem(line: number, prev: .string(entry.prev))
                return
            }
            expected = Journal.sha256Hex(Data(line))
            entries.append(entry)
            validByteCount += line.count + 1
        }
        lastLineHash = expected
        if let torn {
            tornTail = (lines.count + 1, String(decoding: torn, as: UTF8.self))
        }
    }

    static func chainProblem(line number: Int, prev: JSONValue?) -> Problem {
        guard case .string = prev else { return Problem(line: number, reason: "no prev field") }
        return Problem(
            line: number,
            reason: number == 1
                ? "prev is not 64 zeros on the first line"
                : "prev does not match the SHA-256 of line \(number - 1): line \(number - 1) was changed")
    }

    /// A decoding error in an operator's words: which field of which event.
    static func describe(_ error: any Error, type: JSONValue?) -> String {
        let event = if case .string(let name)? = type { "a '\(name)' event" } else { "an event without a type" }
        guard let error = error as? DecodingError else { return "\(event) that cannot be read: \(error)" }
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(event) without its field '\(path(context.codingPath + [key]))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(event) whose field '\(path(context.codingPath))' is not valid: \(context.debugDescription)"
        @unknown default:
            return "\(event) that cannot be read"
        }
    }
}
