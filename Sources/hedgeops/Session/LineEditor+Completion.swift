import CEditLine
import Foundation

/// Tab in the session: what the prompt accepts; during the run commands,
/// then item ids and parameters, then files.
extension LineEditor {
    /// Tab: the first word from the commands; later words from the
    /// commands and arguments, else file names. One match is completed, several are
    /// completed to their common prefix or listed.
    func complete() -> UInt8 {
        let before = typedBeforeCursor()
        let wordStart = before.lastIndex(of: " ").map { before.index(after: $0) } ?? before.startIndex
        let word = String(before[wordStart...])
        let first = before[..<wordStart].allSatisfy { $0 == " " }
        let preceding = before[..<wordStart].split(separator: " ").map(String.init)
        let candidates = offers.map { $0(preceding) } ?? (first ? commands : commands + arguments)
        var matches = candidates.filter { $0.hasPrefix(word) }
        var files = false
        if matches.isEmpty && !first && offers == nil {
            matches = Self.fileMatches(word)
            files = true
        }
        matches = Array(Set(matches)).sorted()
        guard !matches.isEmpty else { return UInt8(CC_REFRESH_BEEP) }
        if matches.count == 1 {
            let match = matches[0]
            let ending = files && match.hasSuffix("/") ? "" : " "
            el_insertstr(editLine, String(match.dropFirst(word.count)) + ending)
            return UInt8(CC_REFRESH)
        }
        let common = matches.dropFirst().reduce(matches[0]) { prefix, match in
            String(zip(prefix, match).prefix { $0 == $1 }.map(\.0))
        }
        if common.count > word.count {
            el_insertstr(editLine, String(common.dropFirst(word.count)))
            return UInt8(CC_REFRESH)
        }
        let shown = matches.map { files ? ($0.split(separator: "/").last.map(String.init) ?? $0) : $0 }
        redraw([shown.joined(separator: "  ") + "\n"])
        return UInt8(CC_NORM)
    }

    /// Paths that start with `word`, as typed (directories end in "/").
    static func fileMatches(_ word: String) -> [String] {
        let slash = word.lastIndex(of: "/")
        let directoryPart = slash.map { String(word[...$0]) } ?? ""
        let prefix = slash.map { String(word[word.index(after: $0)...]) } ?? word
        let directory = NSString(string: directoryPart.isEmpty ? "." : directoryPart).expandingTildeInPath
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { $0.hasPrefix(prefix) && (!$0.hasPrefix(".") || prefix.hasPrefix(".")) }.map { name in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory)
            return directoryPart + name + (isDirectory.boolValue ? "/" : "")
        }
    }
}
