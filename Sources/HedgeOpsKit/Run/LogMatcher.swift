import Foundation

/// The checklist's log patterns compiled for one pass over a block of log
/// bytes. Each pattern's required literal ("Reconnecting in " for
/// `Reconnecting in [0-9.]+s`) is found by one multi-literal skip search
/// (Wu–Manber) over the block; only a line holding a literal is looked at,
/// and its regex runs only if the pattern is more than that literal. A
/// pattern with no usable literal (an alternation at the top, a flag group)
/// is matched on every line: correct, only slower.
public struct LogMatcher: Sendable {
    /// One pattern: the literals one of which every match contains, and the
    /// regex (nil when the literal is the whole pattern).
    struct Compiled: @unchecked Sendable {
        var id: String
        var literals: [[UInt8]]
        var regex: NSRegularExpression?
        /// The same regex on bytes, for ASCII lines (nil if it is not of that plain kind).
        var byteRegex: ByteRegex?
        var capturesState: Bool
        /// Which of the search's literals are this pattern's.
        var literalBits: UInt64 = 0
        /// Where the (one) literal sits after the start of every match, when
        /// the bytes before it are of fixed width: the literal's first
        /// occurrence then says where the leftmost match starts.
        var literalOffset: Int?
    }

    /// A line matched by a pattern.
    public struct Hit: Sendable {
        public var pattern: Int
        /// The first capture group (or the whole match) for patterns asked for it.
        public var capture: String?
    }

    let patterns: [Compiled]
    /// Patterns matched on every line (no literal to look for).
    private let unfiltered: [Int]
    private let search: MultiLiteralSearch?

    /// - Parameter capture: pattern ids whose first group is wanted (the WebSocket state).
    public init(_ patterns: [LogPattern], capture: Set<String> = []) {
        var compiled: [Compiled] = []
        for pattern in patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern.regex) else { continue }
            let literals = LiteralExtractor.required(pattern.regex)
            let usable = literals.map(\.bytes).allSatisfy { $0.count >= MultiLiteralSearch.minimumLength }
            let wholeLiteral =
                usable && literals.count == 1 && literals[0].isWholePattern
                && !capture.contains(pattern.id)
            compiled.append(
                Compiled(
                    id: pattern.id, literals: usable ? literals.map(\.bytes) : [],
                    regex: wholeLiteral ? nil : regex, byteRegex: wholeLiteral ? nil : ByteRegex(pattern.regex),
                    capturesState: capture.contains(pattern.id)))
        }
        var all: [[UInt8]] = []
        for index in compiled.indices {
            for literal in compiled[index].literals where all.count < 64 {
                compiled[index].literalBits |= 1 << UInt64(all.count)
                all.append(literal)
            }
            if let prefix = compiled[index].byteRegex?.fixedPrefix, compiled[index].literals.count == 1 {
                compiled[index].literalOffset = Self.offset(of: compiled[index].literals[0], in: prefix)
            }
        }
        self.patterns = compiled
        unfiltered = compiled.indices.filter { compiled[$0].literals.isEmpty }
        search = all.isEmpty || all.count > 64 ? nil : MultiLiteralSearch(all)
        literalCount = all.count
    }

    private let literalCount: Int

    /// Where `literal` lies in a run of one-byte sets, each holding just its byte.
    private static func offset(of literal: [UInt8], in prefix: [ByteRegex.ByteSet]) -> Int? {
        guard literal.count <= prefix.count else { return nil }
        for start in 0...(prefix.count - literal.count) {
            let fits = literal.indices.allSatisfy { index in
                let set = prefix[start + index]
                return set.contains(literal[index]) && (0...127).filter { set.contains(UInt8($0)) }.count == 1
            }
            if fits { return start }
        }
        return nil
    }

    /// The ids, in the order hits refer to them.
    public var ids: [String] { patterns.map(\.id) }

    /// Calls `body` with each line of `bytes` (whole lines, each ending in
    /// '\n') that some pattern matches, in order, with the patterns it
    /// matches, until `body` returns false. Lines no literal occurs in are
    /// skipped without being looked at.
    func scan(
        _ bytes: UnsafeRawBufferPointer, _ body: (_ line: UnsafeRawBufferPointer, _ hits: [Hit]) -> Bool
    ) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        if !unfiltered.isEmpty || search == nil {
            // Some pattern needs every line.
            var start = 0
            while start < bytes.count {
                let end =
                    memchr(base + start, 0x0A, bytes.count - start).map { UnsafeRawPointer($0) - base }
                    ?? bytes.count
                let line = UnsafeRawBufferPointer(start: base + start, count: end - start)
                let hits = match(line)
                if !hits.isEmpty && !body(line, hits) { return }
                start = end + 1
            }
            return
        }
        guard let search else { return }
        var hits: [Hit] = []
        var firsts = [Int](repeating: -1, count: literalCount)
        var position = 0
        while position < bytes.count {
            guard let found = search.first(in: base, from: position, to: bytes.count) else { return }
            let (start, end) = lineBounds(base, at: found.start, from: position, to: bytes.count)
            // Every literal in the line, in the same pass, and where each first occurs.
            var mask: UInt64 = 0
            var next: (start: Int, literals: UInt64)? = found
            while let hit = next {
                var fresh = hit.literals & ~mask
                while fresh != 0 {
                    let index = fresh.trailingZeroBitCount
                    firsts[index] = hit.start - start
                    fresh &= fresh - 1
                }
                mask |= hit.literals
                next = search.first(in: base, from: hit.start + 1, to: end)
            }
            let line = UnsafeRawBufferPointer(start: base + start, count: end - start)
            hits.removeAll(keepingCapacity: true)
            match(line, literals: (mask, firsts), into: &hits)
            if !hits.isEmpty && !body(line, hits) { return }
            position = end + 1
        }
    }

    /// The patterns one line matches, in pattern order.
    func match(_ line: UnsafeRawBufferPointer) -> [Hit] {
        var hits: [Hit] = []
        match(line, literals: nil, into: &hits)
        return hits
    }

    /// `literals`: the search's literals found in the line and where each
    /// first occurs, when the caller has them (else each is looked for).
    private func match(
        _ line: UnsafeRawBufferPointer, literals: (mask: UInt64, firsts: [Int])?, into hits: inout [Hit]
    ) {
        var text: String?
        var ascii: Bool?
        // By reference: copying each pattern (its arrays, its regex) costs more than matching it.
        patterns.withUnsafeBufferPointer { patterns in
            for index in patterns.indices {
                let pattern = UnsafePointer(patterns.baseAddress.unsafelyUnwrapped + index)
                if !pattern.pointee.literals.isEmpty {
                    if let literals {
                        if literals.mask & pattern.pointee.literalBits == 0 { continue }
                    } else if !pattern.pointee.literals.contains(where: { Self.contains(line, $0) }) {
                        continue
                    }
                }
                if pattern.pointee.regex == nil {
                    hits.append(Hit(pattern: index))
                    continue
                }
                let isASCII = ascii ?? Self.isASCII(line)
                ascii = isASCII
                if isASCII, pattern.pointee.byteRegex != nil {
                    var leftmost: Int?
                    if let offset = pattern.pointee.literalOffset, let literals {
                        let first = literals.firsts[pattern.pointee.literalBits.trailingZeroBitCount]
                        leftmost = first - offset
                    }
                    guard let range = pattern.pointee.byteRegex?.firstMatch(line, leftmost: leftmost) else { continue }
                    let capture =
                        pattern.pointee.capturesState
                        ? String(decoding: UnsafeRawBufferPointer(rebasing: line[range]), as: UTF8.self) : nil
                    hits.append(Hit(pattern: index, capture: capture))
                    continue
                }
                guard let regex = pattern.pointee.regex else { continue }
                let string = text ?? String(decoding: line, as: UTF8.self)
                text = string
                let range = NSRange(string.startIndex..., in: string)
                guard let found = regex.firstMatch(in: string, range: range) else { continue }
                var capture: String?
                if pattern.pointee.capturesState {
                    let group = found.numberOfRanges > 1 ? found.range(at: 1) : found.range
                    capture = Range(group, in: string).map { String(string[$0]) }
                }
                hits.append(Hit(pattern: index, capture: capture))
            }
        }
    }

    private static func isASCII(_ line: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        var high: UInt64 = 0
        while index + 8 <= line.count {
            high |= line.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < line.count {
            high |= UInt64(line[index])
            index += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }

    private static func contains(_ line: UnsafeRawBufferPointer, _ literal: [UInt8]) -> Bool {
        guard let base = line.baseAddress, let first = literal.first, line.count >= literal.count else { return false }
        var index = 0
        let last = line.count - literal.count
        while index <= last {
            guard let found = memchr(base + index, Int32(first), last - index + 1) else { return false }
            index = UnsafeRawPointer(found) - base
            if literal.withUnsafeBytes({ memcmp(base + index, $0.baseAddress ?? base, literal.count) }) == 0 {
                return true
            }
            index += 1
        }
        return false
    }

    /// The line around `index`: from after the previous '\n' (not before
    /// `lower`) to its '\n' (or `upper`).
    private func lineBounds(_ base: UnsafeRawPointer, at index: Int, from lower: Int, to upper: Int) -> (Int, Int) {
        // Forward from the last line end, a newline at a time (memchr is
        // vectorised; a byte-by-byte walk back from the hit was not).
        var start = lower
        while let newline = memchr(base + start, 0x0A, upper - start) {
            let end = UnsafeRawPointer(newline) - base
            if end >= index { return (start, end) }
            start = end + 1
        }
        return (start, upper)
    }
}

/// Finds the first of several literals in a block of bytes in one pass,
/// skipping ahead by up to the shortest literal's length at each step
/// (Wu–Manber, blocks of two bytes).
struct MultiLiteralSearch: Sendable {
    /// Literals shorter than this do not pay for the skip table.
    static let minimumLength = 4

    private let literals: [[UInt8]]
    private let lastBlocks: [UInt16]
    /// How far the window may move when its last two bytes are this block.
    private let shift: [UInt8]
    private let window: Int

    init(_ literals: [[UInt8]]) {
        self.literals = literals
        let window = min(literals.map(\.count).min() ?? 2, 255)
        self.window = window
        var shift = [UInt8](repeating: UInt8(window - 1), count: 65536)
        var lastBlocks: [UInt16] = []
        for literal in literals {
            for end in 2...window {
                let block = UInt16(literal[end - 2]) << 8 | UInt16(literal[end - 1])
                shift[Int(block)] = min(shift[Int(block)], UInt8(window - end))
            }
            lastBlocks.append(UInt16(literal[window - 2]) << 8 | UInt16(literal[window - 1]))
        }
        self.shift = shift
        self.lastBlocks = lastBlocks
    }

    /// The offset of the first occurrence of any literal in `base[from..<to]`,
    /// with every literal (a bit each, in the order given) that starts there.
    func first(in base: UnsafeRawPointer, from: Int, to end: Int) -> (start: Int, literals: UInt64)? {
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        var position = from + window - 1
        return shift.withUnsafeBufferPointer { shift -> (start: Int, literals: UInt64)? in
            while position < end {
                let block = UInt16(bytes[position - 1]) << 8 | UInt16(bytes[position])
                let step = Int(shift[Int(block)])
                if step > 0 {
                    position += step
                    continue
                }
                let start = position - window + 1
                var found: UInt64 = 0
                for (index, last) in lastBlocks.enumerated() where last == block {
                    let literal = literals[index]
                    if start + literal.count <= end
                        && literal.withUnsafeBytes({ memcmp(base + start, $0.baseAddress ?? base, literal.count) }) == 0
                    {
                        found |= 1 << UInt64(index)
                    }
                }
                if found != 0 { return (start, found) }
                position += 1
            }
            return nil
        }
    }
}

/// The literal text every match of a regex must contain, read off the
/// pattern conservatively: anything it does not understand gives no literal.
enum LiteralExtractor {
    struct Literal {
        var bytes: [UInt8]
        /// The pattern is exactly this text (no regex needed to confirm it).
        var isWholePattern: Bool
    }

    /// One literal per top-level alternative (a match contains at least one
    /// of them), or none when some alternative has none.
    static func required(_ pattern: String) -> [Literal] {
        // Flags ((?i), (?x)), quoting and inline comments change what the text means.
        if pattern.contains("(?") && pattern.replacingOccurrences(of: "(?:", with: "").contains("(?") { return [] }
        if pattern.contains("\\Q") { return [] }
        let scalars = Array(pattern.unicodeScalars)
        var alternatives: [[Unicode.Scalar]] = [[]]
        var depth = 0
        var inClass = 0
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\" && index + 1 < scalars.count {
                alternatives[alternatives.count - 1] += [scalar, scalars[index + 1]]
                index += 2
                continue
            }
            if inClass > 0 {
                if scalar == "[" { inClass += 1 }
                if scalar == "]" { inClass -= 1 }
            } else if scalar == "[" {
                inClass = 1
            } else if scalar == "(" {
                depth += 1
            } else if scalar == ")" {
                depth -= 1
            } else if scalar == "|" && depth == 0 {
                alternatives.append([])
                index += 1
                continue
            }
            alternatives[alternatives.count - 1].append(scalar)
            index += 1
        }
        var result: [Literal] = []
        for alternative in alternatives {
            guard let literal = longestRun(alternative), !literal.bytes.isEmpty else { return [] }
            result.append(literal)
        }
        return result
    }

    /// The longest run of plain characters that every match of this
    /// sequence (no top-level '|') contains.
    /// The index of the `close` that balances the `open` at `start` (escapes skipped), or the end.
    private static func endOfGroup(
        _ scalars: [Unicode.Scalar], from start: Int, open: Unicode.Scalar, close: Unicode.Scalar
    ) -> Int {
        var index = start
        var depth = 0
        while index < scalars.count {
            if scalars[index] == "\\" {
                index += 2
                continue
            }
            if scalars[index] == open { depth += 1 }
            if scalars[index] == close {
                depth -= 1
                if depth == 0 { break }
            }
            index += 1
        }
        return index
    }

    private static func longestRun(_ scalars: [Unicode.Scalar]) -> Literal? {
        var runs: [[UInt8]] = []
        var current: [UInt8] = []
        var lastAtom: [UInt8] = []
        var plain = true
        func endRun() {
            if !current.isEmpty { runs.append(current) }
            current = []
            lastAtom = []
        }
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "*", "?", "{":
                // The atom before is optional (or repeated): it leaves the run.
                plain = false
                current.removeLast(min(lastAtom.count, current.count))
                endRun()
                if scalar == "{" {
                    while index < scalars.count && scalars[index] != "}" { index += 1 }
                }
                index += 1
                // A lazy or possessive suffix.
                if index < scalars.count && (scalars[index] == "?" || scalars[index] == "+") { index += 1 }
                continue
            case "+":
                // Once at least: the atom stays, the run ends after it.
                plain = false
                endRun()
                index += 1
                if index < scalars.count && (scalars[index] == "?" || scalars[index] == "+") { index += 1 }
                continue
            case "[":
                plain = false
                endRun()
                index = Self.endOfGroup(scalars, from: index, open: "[", close: "]")
                lastAtom = []
                index += 1
                continue
            case "(":
                plain = false
                endRun()
                index = Self.endOfGroup(scalars, from: index, open: "(", close: ")")
                index += 1
                continue
            case ".", "^", "$", ")", "]", "}", "|":
                plain = false
                endRun()
                index += 1
                continue
            case "\\":
                guard index + 1 < scalars.count else { return nil }
                let escaped = scalars[index + 1]
                index += 2
                if escaped.properties.isAlphabetic || ("0"..."9").contains(escaped) {
                    // \d, \b, \x41, \1 …: not one plain character.
                    plain = false
                    endRun()
                    continue
                }
                lastAtom = Array(String(escaped).utf8)
                current += lastAtom
                continue
            default:
                lastAtom = Array(String(scalar).utf8)
                current += lastAtom
                index += 1
            }
        }
        endRun()
        guard let longest = runs.max(by: { $0.count < $1.count }) else { return nil }
        return Literal(bytes: longest, isWholePattern: plain && runs.count == 1)
    }
}
