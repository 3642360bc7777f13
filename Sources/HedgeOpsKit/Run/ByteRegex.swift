import Foundation

/// A regex of the plain kind log patterns are written in, matched on the
/// bytes of an ASCII line by backtracking in the order ICU tries (leftmost
/// start, alternatives in order, greedy unless `?`), so the match and its
/// first group are ICU's. Literals, escaped punctuation, `.`, classes with
/// ranges and negation, `\d \s \w` and their negations, groups with
/// alternatives (`(?:` too), `? * + {m,n}` (lazy with `?`), `^` and `$`.
/// Anything else (flags, look-around, back-references, `\b`, Unicode
/// properties, non-ASCII text) gives nil, and the caller keeps
/// NSRegularExpression; so do lines that are not ASCII.
struct ByteRegex: Sendable {
    indirect enum Node: Sendable {
        case set(ByteSet)
        case start
        case end
        case group([[Node]], capture: Int?)
        case repeated(Node, min: Int, max: Int, greedy: Bool)
    }

    /// 256 bits: which bytes one position may hold.
    struct ByteSet: Sendable {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        func contains(_ byte: UInt8) -> Bool {
            let bit = UInt64(1) << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: return words.0 & bit != 0
            case 1: return words.1 & bit != 0
            case 2: return words.2 & bit != 0
            default: return words.3 & bit != 0
            }
        }

        mutating func insert(_ byte: UInt8) {
            let bit = UInt64(1) << UInt64(byte & 63)
            switch byte >> 6 {
            case 0: words.0 |= bit
            case 1: words.1 |= bit
            case 2: words.2 |= bit
            default: words.3 |= bit
            }
        }

        mutating func insert(_ range: ClosedRange<UInt8>) { for byte in range { insert(byte) } }

        mutating func formUnion(_ other: ByteSet) {
            words = (words.0 | other.words.0, words.1 | other.words.1, words.2 | other.words.2, words.3 | other.words.3)
        }

        /// Every ASCII byte not in the set (lines are ASCII).
        var inverted: ByteSet {
            var result = ByteSet()
            for byte in UInt8(0)...127 where !contains(byte) { result.insert(byte) }
            return result
        }

        static func of(_ bytes: [UInt8]) -> ByteSet {
            var set = ByteSet()
            for byte in bytes { set.insert(byte) }
            return set
        }

        static let digits: ByteSet = {
            var set = ByteSet()
            set.insert(48...57)
            return set
        }()
        /// ICU's `\s` on ASCII: tab, newline, form feed, carriage return, space.
        static let spaces = ByteSet.of([9, 10, 12, 13, 32])
        static let word: ByteSet = {
            var set = digits
            set.insert(65...90)
            set.insert(97...122)
            set.insert(95)
            return set
        }()
        /// ICU's `.`: anything but a line terminator.
        static let dot = ByteSet.of([10, 11, 12, 13]).inverted
    }

    private let nodes: [Node]
    private let groupCount: Int
    /// The sets every match starts with, one byte each (the pattern's
    /// leading atoms up to its first group, quantifier or anchor).
    let fixedPrefix: [ByteSet]

    init?(_ pattern: String) {
        guard pattern.utf8.allSatisfy({ $0 < 128 }) else { return nil }
        var parser = Parser(bytes: Array(pattern.utf8))
        guard let alternatives = parser.alternatives(), parser.index == parser.bytes.count else { return nil }
        nodes = [.group(alternatives, capture: 0)]
        groupCount = max(2, parser.groups)
        var prefix: [ByteSet] = []
        if alternatives.count == 1 {
            for node in alternatives[0] {
                guard case .set(let set) = node else { break }
                prefix.append(set)
            }
        }
        fixedPrefix = prefix
        isFixed = alternatives.count == 1 && prefix.count == alternatives[0].count
    }

    /// The whole pattern is `fixedPrefix`: matched by comparing bytes, no
    /// backtracking. Its sets hold ASCII bytes only, which UTF-8 never uses
    /// inside another character, so it matches a line's bytes exactly where
    /// ICU matches its text, ASCII or not.
    let isFixed: Bool

    private func fixedMatch(_ bytes: UnsafeRawBufferPointer, at start: Int) -> Bool {
        guard start >= 0, start + fixedPrefix.count <= bytes.count else { return false }
        for (index, set) in fixedPrefix.enumerated() where !set.contains(bytes[start + index]) { return false }
        return true
    }

    /// The byte range of the first group (else of the whole match) of the
    /// leftmost match in `line`, or nil when nothing in it matches.
    /// `leftmost`: where the leftmost match must start if there is one (the
    /// caller found the first place it can); other starts are tried only if
    /// nothing matches there.
    func firstMatch(_ line: UnsafeRawBufferPointer, leftmost: Int? = nil) -> Range<Int>? {
        if isFixed {
            if let leftmost, fixedMatch(line, at: leftmost) { return leftmost..<leftmost + fixedPrefix.count }
            guard line.count >= fixedPrefix.count else { return nil }
            for start in 0...(line.count - fixedPrefix.count) where fixedMatch(line, at: start) {
                return start..<start + fixedPrefix.count
            }
            return nil
        }
        let bytes = line.bindMemory(to: UInt8.self)
        let captures = Captures(count: groupCount)
        if let leftmost, leftmost >= 0, leftmost <= bytes.count,
            Self.match(nodes[...], bytes, leftmost, captures, { _ in true })
        {
            return captures.ranges[1] ?? captures.ranges[0]
        }
        for start in 0...bytes.count where Self.match(nodes[...], bytes, start, captures, { _ in true }) {
            return captures.ranges[1] ?? captures.ranges[0]
        }
        return nil
    }

    /// Group ranges of the attempt under way, undone as it backtracks.
    private final class Captures {
        var ranges: [Range<Int>?]
        init(count: Int) { ranges = Array(repeating: nil, count: count) }
    }

    /// Matches `nodes` at `position`, then asks `next` about the position after.
    private static func match(
        _ nodes: ArraySlice<Node>, _ bytes: UnsafeBufferPointer<UInt8>, _ position: Int, _ captures: Captures,
        _ next: (Int) -> Bool
    ) -> Bool {
        guard let node = nodes.first else { return next(position) }
        let rest = nodes.dropFirst()
        switch node {
        case .set(let set):
            guard position < bytes.count, set.contains(bytes[position]) else { return false }
            return match(rest, bytes, position + 1, captures, next)
        case .start:
            return position == 0 && match(rest, bytes, position, captures, next)
        case .end:
            // At the end, or before a final line terminator (ICU's `$` without multiline).
            let atEnd =
                position == bytes.count
                || (position == bytes.count - 1 && (10...13).contains(bytes[position]))
            return atEnd && match(rest, bytes, position, captures, next)
        case .group(let alternatives, let capture):
            for alternative in alternatives {
                let matched = match(alternative[...], bytes, position, captures) { end in
                    guard let capture else { return match(rest, bytes, end, captures, next) }
                    let previous = captures.ranges[capture]
                    captures.ranges[capture] = position..<end
                    if match(rest, bytes, end, captures, next) { return true }
                    captures.ranges[capture] = previous
                    return false
                }
                if matched { return true }
            }
            return false
        case .repeated(let inner, let minimum, let maximum, let greedy):
            if case .set(let set) = inner {
                // One byte at a time: count how far it can go, then try from there.
                var count = 0
                while count < maximum && position + count < bytes.count && set.contains(bytes[position + count]) {
                    count += 1
                }
                guard count >= minimum else { return false }
                if greedy {
                    for taken in stride(from: count, through: minimum, by: -1)
                    where match(rest, bytes, position + taken, captures, next) {
                        return true
                    }
                } else {
                    for taken in minimum...count where match(rest, bytes, position + taken, captures, next) {
                        return true
                    }
                }
                return false
            }
            return repeatGroup(inner, rest, bytes, position, 0, (minimum, maximum, greedy), captures, next)
        }
    }

    private static func repeatGroup(
        _ inner: Node, _ rest: ArraySlice<Node>, _ bytes: UnsafeBufferPointer<UInt8>, _ position: Int, _ done: Int,
        _ bounds: (minimum: Int, maximum: Int, greedy: Bool), _ captures: Captures, _ next: (Int) -> Bool
    ) -> Bool {
        func more() -> Bool {
            guard done < bounds.maximum else { return false }
            return match([inner][...], bytes, position, captures) { end in
                // An empty iteration would repeat for ever.
                guard end > position else { return false }
                return repeatGroup(inner, rest, bytes, end, done + 1, bounds, captures, next)
            }
        }
        func stop() -> Bool { done >= bounds.minimum && match(rest, bytes, position, captures, next) }
        return bounds.greedy ? (more() || stop()) : (stop() || more())
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        var groups = 1

        mutating func alternatives() -> [[Node]]? {
            var result: [[Node]] = [[]]
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: ")") { break }
                if byte == UInt8(ascii: "|") {
                    index += 1
                    result.append([])
                    continue
                }
                guard var atom = atom() else { return nil }
                if let quantified = quantifier(atom) {
                    guard let node = quantified else { return nil }
                    atom = node
                }
                result[result.count - 1].append(atom)
            }
            return result
        }

        /// The quantifier after an atom, if any: nil when there is none,
        /// .some(nil) when it is one this matcher does not do.
        mutating func quantifier(_ atom: Node) -> Node?? {
            guard index < bytes.count else { return nil }
            var minimum = 0
            var maximum = Int.max
            switch bytes[index] {
            case UInt8(ascii: "*"): index += 1
            case UInt8(ascii: "+"):
                minimum = 1
                index += 1
            case UInt8(ascii: "?"):
                maximum = 1
                index += 1
            case UInt8(ascii: "{"):
                index += 1
                guard let low = number() else { return .some(nil) }
                minimum = low
                maximum = low
                if index < bytes.count && bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    maximum = number() ?? Int.max
                }
                guard index < bytes.count, bytes[index] == UInt8(ascii: "}"), maximum >= minimum else {
                    return .some(nil)
                }
                index += 1
            default: return nil
            }
            if case .start = atom { return .some(nil) }
            if case .end = atom { return .some(nil) }
            var greedy = true
            if index < bytes.count && bytes[index] == UInt8(ascii: "?") {
                greedy = false
                index += 1
            } else if index < bytes.count && bytes[index] == UInt8(ascii: "+") {
                return .some(nil)  // possessive
            }
            if index < bytes.count
                && [UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{")]
                    .contains(bytes[index])
            {
                return .some(nil)
            }
            return .some(.repeated(atom, min: minimum, max: maximum, greedy: greedy))
        }

        mutating func number() -> Int? {
            var value: Int?
            while index < bytes.count, bytes[index] >= 48 && bytes[index] <= 57 {
                value = (value ?? 0) * 10 + Int(bytes[index] - 48)
                if value ?? 0 > 1000 { return nil }
                index += 1
            }
            return value
        }

        mutating func atom() -> Node? {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "."): return .set(.dot)
            case UInt8(ascii: "^"): return .start
            case UInt8(ascii: "$"): return .end
            case UInt8(ascii: "["): return characterClass()
            case UInt8(ascii: "("):
                var capture: Int? = groups
                if index + 1 < bytes.count && bytes[index] == UInt8(ascii: "?") {
                    guard bytes[index + 1] == UInt8(ascii: ":") else { return nil }
                    index += 2
                    capture = nil
                } else {
                    groups += 1
                }
                guard let inner = alternatives(), index < bytes.count, bytes[index] == UInt8(ascii: ")") else {
                    return nil
                }
                index += 1
                return .group(inner, capture: capture)
            case UInt8(ascii: "\\"): return escape().map { .set($0) }
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"), UInt8(ascii: "{"), UInt8(ascii: "}"),
                UInt8(ascii: "]"), UInt8(ascii: "#"):
                return nil
            default: return .set(.of([byte]))
            }
        }

        /// After a backslash: a class escape or an escaped punctuation byte.
        mutating func escape() -> ByteSet? {
            guard index < bytes.count else { return nil }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "d"): return .digits
            case UInt8(ascii: "D"): return ByteSet.digits.inverted
            case UInt8(ascii: "s"): return .spaces
            case UInt8(ascii: "S"): return ByteSet.spaces.inverted
            case UInt8(ascii: "w"): return .word
            case UInt8(ascii: "W"): return ByteSet.word.inverted
            case UInt8(ascii: "t"): return .of([9])
            case UInt8(ascii: "n"): return .of([10])
            case UInt8(ascii: "r"): return .of([13])
            default:
                // A letter or digit escape means something else (\b, \p, \1, \x): not here.
                let isAlphanumeric =
                    (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                return isAlphanumeric ? nil : .of([byte])
            }
        }

        mutating func characterClass() -> Node? {
            var set = ByteSet()
            var negated = false
            if index < bytes.count && bytes[index] == UInt8(ascii: "^") {
                negated = true
                index += 1
            }
            // `[]` and `[^]` mean different things to different engines: not here.
            guard index < bytes.count, bytes[index] != UInt8(ascii: "]") else { return nil }
            while index < bytes.count {
                var byte = bytes[index]
                if byte == UInt8(ascii: "]") { break }
                // Nested classes, set operations and POSIX names: not here.
                if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "&") { return nil }
                index += 1
                if byte == UInt8(ascii: "\\") {
                    guard let escaped = escape() else { return nil }
                    let single = (0...127).filter { escaped.contains(UInt8($0)) }
                    if single.count != 1 {
                        set.formUnion(escaped)
                        continue
                    }
                    byte = UInt8(single[0])
                }
                if index + 1 < bytes.count && bytes[index] == UInt8(ascii: "-") && bytes[index + 1] != UInt8(ascii: "]")
                {
                    var upper = bytes[index + 1]
                    index += 2
                    if upper == UInt8(ascii: "\\") {
                        guard let escaped = escape() else { return nil }
                        let single = (0...127).filter { escaped.contains(UInt8($0)) }
                        guard single.count == 1 else { return nil }
                        upper = UInt8(single[0])
                    }
                    guard upper >= byte else { return nil }
                    set.insert(byte...upper)
                } else {
                    set.insert(byte)
                }
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "]") else { return nil }
            index += 1
            return .set(negated ? set.inverted : set)
        }
    }
}
