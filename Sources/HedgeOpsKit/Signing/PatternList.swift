/// OpenSSH's patterns (its match.c), as allowed_signers uses them for
/// principals and `namespaces=`: `*` and `?` wildcards, a comma-separated
/// list, `!` to negate an entry. Bytes, case-sensitive, exactly as
/// ssh-keygen matches them, so a reviewer's file means the same to both tools.
public enum PatternList {
    /// The answer of a pattern list: a negated entry matching wins over any positive one.
    public enum Match: Sendable, Equatable {
        case positive
        case negative
        case none
    }

    /// Whether `string` matches one pattern (`*`, `?`, no list).
    public static func matches(_ string: String, pattern: String) -> Bool {
        matchPattern(Array(string.utf8)[...], Array(pattern.utf8)[...])
    }

    /// `string` against the comma-separated list `patterns` (OpenSSH's
    /// `match_pattern_list`). An entry longer than 1022 bytes makes the
    /// whole list fail, as in OpenSSH.
    public static func match(_ string: String, list patterns: String) -> Match {
        match(Array(string.utf8), list: Array(patterns.utf8))
    }

    static func match(_ string: [UInt8], list pattern: [UInt8]) -> Match {
        let subject = string[...]
        var gotPositive = false
        var index = 0
        while index < pattern.count {
            var negated = false
            if pattern[index] == UInt8(ascii: "!") {
                negated = true
                index += 1
            }
            var sub: [UInt8] = []
            while index < pattern.count && sub.count < 1023 && pattern[index] != UInt8(ascii: ",") {
                sub.append(pattern[index])
                index += 1
            }
            if sub.count >= 1023 { return .none }
            if index < pattern.count && pattern[index] == UInt8(ascii: ",") { index += 1 }
            if matchPattern(subject, sub[...]) {
                if negated { return .negative }
                gotPositive = true
            }
        }
        return gotPositive ? .positive : .none
    }

    static func matchPattern(_ string: ArraySlice<UInt8>, _ pattern: ArraySlice<UInt8>) -> Bool {
        let star = UInt8(ascii: "*"), question = UInt8(ascii: "?")
        var string = string, pattern = pattern
        while true {
            guard let head = pattern.first else { return string.isEmpty }
            if head == star {
                while pattern.first == star { pattern = pattern.dropFirst() }
                guard let next = pattern.first else { return true }
                var index = string.startIndex
                if next != question {
                    // A known next character: try only where it occurs.
                    while index < string.endIndex {
                        if string[index] == next && matchPattern(string[(index + 1)...], pattern.dropFirst()) {
                            return true
                        }
                        index += 1
                    }
                    return false
                }
                while index < string.endIndex {
                    if matchPattern(string[index...], pattern) { return true }
                    index += 1
                }
                return false
            }
            guard let character = string.first else { return false }
            if head != question && head != character { return false }
            string = string.dropFirst()
            pattern = pattern.dropFirst()
        }
    }
}
