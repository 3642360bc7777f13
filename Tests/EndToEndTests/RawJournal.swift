import Foundation

@testable import HedgeOpsKit

/// A run's journal as a reviewer's own script reads it: each complete line
/// parsed as plain JSON, independently of hedgeops's typed reader, which
/// still judges the chain (`isValid`, `problem`, `tornTail`).
struct RawJournal {
    let reader: JournalReader
    let events: [[String: Any]]

    init(path: String) throws {
        reader = try JournalReader(path: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true || data.last != UInt8(ascii: "\n") { lines.removeLast() }
        events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
    }

    var isValid: Bool { reader.isValid }
    var problem: JournalReader.Problem? { reader.problem }
    var tornTail: (line: Int, text: String)? { reader.tornTail }
}
