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

    /// What the per-line loop needs of a pattern, nothing counted by
    /// reference (read through a pointer, it costs no retain).
    struct Quick {
        var literalBits: UInt64
        /// The pattern's one literal, by its bit.
        var literalIndex: Int
        var needsRegex: Bool
        /// A fixed run of byte sets (``ByteRegex/isFixed``): no ASCII check needed.
        var fixed: Bool
        /// Where the literal sits in every match (-1: unknown), the match's
        /// length, and which `checks` are the positions outside the literal.
        var offset: Int
        var length: Int
        var checks: Range<Int>
    }

    /// A position of a fixed match and the bytes it may hold.
    struct Check {
        var index: Int
        var set: ByteRegex.ByteSet
    }

    let patterns: [Compiled]
    private let quick: [Quick]
    private let checks: [Check]
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
        var quick: [Quick] = []
        var checks: [Check] = []
        for pattern in compiled {
            let first = checks.count
            let prefix = pattern.byteRegex?.fixedPrefix ?? []
            if let offset = pattern.literalOffset {
                let covered = offset..<offset + pattern.literals[0].count
                for (index, set) in prefix.enumerated() where !covered.contains(index) {
                    checks.append(Check(index: index, set: set))
                }
            }
            quick.append(
                Quick(
                    literalBits: pattern.literalBits, literalIndex: pattern.literalBits.trailingZeroBitCount,
                    needsRegex: pattern.regex != nil, fixed: pattern.byteRegex?.isFixed ?? false,
                    offset: pattern.literalOffset ?? -1, length: prefix.count, checks: first..<checks.count))
        }
        self.quick = quick
        self.checks = checks
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
        // By pointer: copying each pattern (its arrays, its regex) costs more than matching it.
        quick.withUnsafeBufferPointer { quick in
            checks.withUnsafeBufferPointer { checks in
                for index in quick.indices {
                    let fast = quick[index]
                    if fast.literalBits != 0 {
                        if let literals {
                            if literals.mask & fast.literalBits == 0 { continue }
                        } else if !patterns[index].literals.contains(where: { Self.contains(line, $0) }) {
                            continue
                        }
                    }
                    if !fast.needsRegex {
                        hits.append(Hit(pattern: index))
                        continue
                    }
                    var leftmost: Int?
                    if fast.offset >= 0, let literals { leftmost = literals.firsts[fast.literalIndex] - fast.offset }
                    if fast.fixed, let start = leftmost, start >= 0, start + fast.length <= line.count,
                        checks[fast.checks].allSatisfy({ $0.set.contains(line[start + $0.index]) })
                    {
                        // The literal is where every match has it and the rest fits: the leftmost match.
                        hits.append(Hit(pattern: index, capture: capture(index, line, start..<start + fast.length)))
                        continue
                    }
                    if let byteRegex = patterns[index].byteRegex {
                        // Other byte patterns match as ICU does on ASCII lines only.
                        let isASCII = fast.fixed || (ascii ?? Self.isASCII(line))
                        if !fast.fixed { ascii = isASCII }
                        if isASCII {
                            guard let range = byteRegex.firstMatch(line, leftmost: leftmost) else { continue }
                            hits.append(Hit(pattern: index, capture: capture(index, line, range)))
                            continue
                        }
                    }
                    guard let regex = patterns[index].regex else { continue }
                    let string = text ?? String(decoding: line, as: UTF8.self)
                    text = string
                    let range = NSRange(string.startIndex..., in: string)
                    guard let found = regex.firstMatch(in: string, range: range) else { continue }
                    var capture: String?
                    if patterns[index].capturesState {
                        let group = found.numberOfRanges > 1 ? found.range(at: 1) : found.range
                        capture = Range(group, in: string).map { String(string[$0]) }
                    }
                    hits.append(Hit(pattern: index, capture: capture))
                }
            }
        }
    }

    /// The matched bytes as text, for a pattern whose capture is wanted.
    private func capture(_ index: Int, _ line: UnsafeRawBufferPointer, _ range: Range<Int>) -> String? {
        patterns[index].capturesState
            ? String(decoding: UnsafeRawBufferPointer(rebasing: line[range]), as: UTF8.self) : nil
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
/// (Wu–Manber, blocks of two bytes; three-byte blocks were measured and skip
/// no further on log text). The tables sit in memory allocated once and are read
/// through pointers: the loop runs for every few bytes of the log, and an
/// array access there costs a retain and a bounds check.
struct MultiLiteralSearch: @unchecked Sendable {
    /// Literals shorter than this do not pay for the skip table.
    static let minimumLength = 4
    /// Entries of the candidates table (a hash of the block).
    static let candidateTableSize = 1 << 12

    /// The tables, immutable once built.
    private final class Tables {
        /// How far the window may move when its last two bytes are this block.
        let shift: UnsafeMutablePointer<UInt8>
        /// The literals whose window ends in a block hashing here (a bit each).
        let candidates: UnsafeMutablePointer<UInt64>
        /// Every literal's bytes, one after the other.
        let bytes: UnsafeMutablePointer<UInt8>
        let starts: [Int]
        let lengths: [Int]

        init(_ literals: [[UInt8]], window: Int) {
            shift = .allocate(capacity: 65536)
            shift.initialize(repeating: UInt8(window - 1), count: 65536)
            candidates = .allocate(capacity: MultiLiteralSearch.candidateTableSize)
            candidates.initialize(repeating: 0, count: MultiLiteralSearch.candidateTableSize)
            let total = literals.reduce(0) { $0 + $1.count }
            bytes = .allocate(capacity: max(total, 1))
            var starts: [Int] = []
            var offset = 0
            for (index, literal) in literals.enumerated() {
                for end in 2...window {
                    let block = Int(literal[end - 2]) << 8 | Int(literal[end - 1])
                    shift[block] = min(shift[block], UInt8(window - end))
                }
                let last = Int(literal[window - 2]) << 8 | Int(literal[window - 1])
                candidates[MultiLiteralSearch.hash(last)] |= 1 << UInt64(index)
                (bytes + offset).initialize(from: literal, count: literal.count)
                starts.append(offset)
                offset += literal.count
            }
            self.starts = starts
            lengths = literals.map(\.count)
        }

        deinit {
            shift.deallocate()
            candidates.deallocate()
            bytes.deallocate()
        }
    }

    private let tables: Tables
    private let window: Int

    init(_ literals: [[UInt8]]) {
        let window = min(literals.map(\.count).min() ?? 2, 255)
        self.window = window
        tables = Tables(literals, window: window)
    }

    /// Where a block's candidates are kept: blocks sharing a place share
    /// their candidates, each of which is compared anyway.
    @inline(__always)
    static func hash(_ block: Int) -> Int { (block >> 4 ^ block) & (candidateTableSize - 1) }

    /// The offset of the first occurrence of any literal in `base[from..<to]`,
    /// with every literal (a bit each, in the order given) that starts there.
    func first(in base: UnsafeRawPointer, from: Int, to end: Int) -> (start: Int, literals: UInt64)? {
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        let shift = tables.shift
        let candidates = tables.candidates
        let literalBytes = tables.bytes
        var position = from + window - 1
        while position < end {
            let block = Int(bytes[position - 1]) << 8 | Int(bytes[position])
            let step = Int(shift[block])
            if step > 0 {
                position += step
                continue
            }
            let start = position - window + 1
            var found: UInt64 = 0
            var possible = candidates[Self.hash(block)]
            while possible != 0 {
                let index = possible.trailingZeroBitCount
                possible &= possible - 1
                let length = tables.lengths[index]
                if start + length <= end && Self.equal(base + start, literalBytes + tables.starts[index], length) {
                    found |= 1 << UInt64(index)
                }
            }
            if found != 0 { return (start, found) }
            position += 1
        }
        return nil
    }

    /// `count` bytes alike, compared eight at a time (a call to memcmp costs
    /// more than comparing a literal this short).
    @inline(__always)
    private static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        guard count >= 8 else { return memcmp(a, b, count) == 0 }
        var offset = 0
        while offset + 8 <= count {
            if a.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                != b.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            {
                return false
            }
            offset += 8
        }
        // The last eight bytes, overlapping what was compared.
        return offset == count
            || a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
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
