/// Wrapping at word boundaries, for tables and explanations sized to the
/// terminal: a word longer than a line is the only thing ever cut.
enum TextWrap {
    /// `text` in lines of at most `width` characters, every line after the
    /// first (or every line, with `indentFirst`) starting with `indent`.
    static func lines(_ text: String, width: Int, indent: String = "", indentFirst: Bool = false) -> [String] {
        let room = max(10, width - visibleCount(indent))
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            var word = word
            if current.isEmpty {
                // A word longer than the line (a URL, a path): cut, nothing else is.
                while visibleCount(word) > room {
                    lines.append(String(word.prefix(room)))
                    word = String(word.dropFirst(room))
                }
                current = word
            } else if visibleCount(current) + 1 + visibleCount(word) <= room {
                current += " " + word
            } else {
                lines.append(current)
                current = ""
                while visibleCount(word) > room {
                    lines.append(String(word.prefix(room)))
                    word = String(word.dropFirst(room))
                }
                current = word
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines.enumerated().map { index, line in index == 0 && !indentFirst ? line : indent + line }
    }

    /// Each line of `text` longer than `width` wrapped at word boundaries,
    /// its continuation indented two more than the line: what the terminal
    /// would otherwise cut mid-word. Shorter lines are left as they are, and
    /// the spacing inside a line (columns) is kept.
    static func fit(_ text: String, width: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let line = String(line)
            guard visibleCount(line) > width else { return line }
            let indent = String(repeating: " ", count: min(line.prefix { $0 == " " }.count + 2, width / 2))
            var output: [String] = []
            var current = ""
            // Tokens: a run of spaces and the word after it.
            var tokens: [String] = []
            var token = ""
            for character in line {
                if character == " " && !token.isEmpty && token.last != " " {
                    tokens.append(token)
                    token = ""
                }
                token.append(character)
            }
            if !token.isEmpty { tokens.append(token) }
            for token in tokens {
                if current.isEmpty || visibleCount(current) + visibleCount(token) <= width {
                    current += token
                } else {
                    output.append(current)
                    current = indent + token.drop { $0 == " " }
                }
            }
            output.append(current)
            return output.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Characters as shown: colour escapes (ESC [ … m) take no room.
    static func visibleCount(_ text: String) -> Int {
        var count = 0
        var inEscape = false
        for character in text.unicodeScalars {
            if inEscape {
                if character == "m" { inEscape = false }
            } else if character == "\u{1B}" {
                inEscape = true
            } else {
                count += 1
            }
        }
        return count
    }
}
