import Foundation
import Testing

@testable import HedgeOpsKit

/// The one-pass matcher against the regex engine it stands in front of: the
/// same counts, line for line, whatever the literal prefilter skips.
struct LogMatcherTests {
    static let shipped = [
        LogPattern(id: "errors", title: "", regex: " - ERROR - "),
        LogPattern(id: "ws_reconnects", title: "", regex: "Reconnecting in [0-9.]+s"),
        LogPattern(id: "ws_dropped", title: "", regex: "Connection closed unexpectedly"),
        LogPattern(id: "error_lock", title: "", regex: "ERROR_LOCK"),
        LogPattern(id: "orders_placed", title: "", regex: "[Oo]rder placed"),
        LogPattern(id: "orders_modified", title: "", regex: "[Oo]rder modified"),
        LogPattern(id: "ws_state", title: "", regex: "WebSocket (Connected|Disconnected|Reconnecting)"),
    ]

    @Test func theRequiredLiteralIsReadOffEachShippedPattern() {
        let literals = Self.shipped.map { pattern in
            LiteralExtractor.required(pattern.regex).map { String(decoding: $0.bytes, as: UTF8.self) }
        }
        #expect(
            literals == [
                [" - ERROR - "], ["Reconnecting in "], ["Connection closed unexpectedly"], ["ERROR_LOCK"],
                ["rder placed"], ["rder modified"], ["WebSocket "],
            ])
        #expect(LiteralExtractor.required(" - ERROR - ").first?.isWholePattern == true)
        #expect(LiteralExtractor.required("[Oo]rder placed").first?.isWholePattern == false)
    }

    @Test func patternsWithoutASafeLiteralGetNone() {
        #expect(LiteralExtractor.required("(?i)error").isEmpty, "a flag changes what the letters match")
        #expect(LiteralExtractor.required("fail|^$").isEmpty, "one alternative has no literal")
        #expect(LiteralExtractor.required("\\d+ ms").map(\.bytes) == [Array(" ms".utf8)])
        #expect(LiteralExtractor.required("colou?r").map(\.bytes) == [Array("colo".utf8)], "an optional letter leaves")
        #expect(LiteralExtractor.required("a\\.b").map(\.bytes) == [Array("a.b".utf8)])
        let both = LiteralExtractor.required("timeout|refused").map { String(decoding: $0.bytes, as: UTF8.self) }
        #expect(both == ["timeout", "refused"])
    }

    @Test func theSkipSearchFindsEveryOccurrenceANaiveSearchFinds() {
        var generator = SystemRandomNumberGenerator()
        let literals = ["abcab", "bcabd", "cabcabca", "dddd"].map { Array($0.utf8) }
        let search = MultiLiteralSearch(literals)
        for _ in 0..<200 {
            let text = (0..<300).map { _ in [UInt8(ascii: "a"), 98, 99, 100][Int(generator.next() % 4)] }
            var found: [Int: UInt64] = [:]
            text.withUnsafeBytes { raw in
                var from = 0
                while let base = raw.baseAddress, let hit = search.first(in: base, from: from, to: raw.count) {
                    found[hit.start] = hit.literals
                    from = hit.start + 1
                }
            }
            var naive: [Int: UInt64] = [:]
            for start in text.indices {
                for (index, literal) in literals.enumerated()
                where start + literal.count <= text.count && Array(text[start..<start + literal.count]) == literal {
                    naive[start, default: 0] |= 1 << UInt64(index)
                }
            }
            #expect(found == naive)
        }
    }

    /// The shipped patterns (every one prefiltered), then with ones that are
    /// not (every line goes to the regex).
    @Test(arguments: [
        shipped,
        shipped + [
            LogPattern(id: "slow", title: "", regex: "took [0-9]{4,} ms"),
            LogPattern(id: "either", title: "", regex: "timeout|refused"),
            LogPattern(id: "nocase", title: "", regex: "(?i)panic"),
        ],
    ])
    func countsMatchTheRegexEngineLineForLine(patterns: [LogPattern]) throws {
        let lines = [
            "2025-01-01 00:00:00,001 - __main__ - INFO - Order placed: id=1",
            "2025-01-01 00:00:00,002 - __main__ - INFO - order modified twice",
            "2025-01-01 00:00:00,003 - ws - WARNING - Reconnecting in 4.0s (attempt #1)",
            "2025-01-01 00:00:00,004 - ws - WARNING - Reconnecting in soon",
            "2025-01-01 00:00:00,005 - ws - INFO - WebSocket Connected",
            "2025-01-01 00:00:00,006 - ws - INFO - WebSocket Reconnect",
            "2025-01-01 00:00:00,007 - api - ERROR - ERROR_LOCK held; Connection closed unexpectedly",
            "2025-01-01 00:00:00,008 - api - INFO - request took 12345 ms then timeout",
            "2025-01-01 00:00:00,009 - api - INFO - request took 123 ms, PANIC averted, refused",
            "- ERROR - at the start, WebSocket Disconnected at the end",
            "xrder modified first, then Order modified; WebSocket Reconnect then WebSocket Reconnecting",
            "",
        ]
        var text: [UInt8] = []
        var expected = [String: Int]()
        for index in 0..<3000 {
            let line = lines[(index * 7919) % lines.count]
            text += Array(line.utf8) + [0x0A]
            for pattern in patterns {
                let regex = try NSRegularExpression(pattern: pattern.regex)
                if regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil {
                    expected[pattern.id, default: 0] += 1
                }
            }
        }
        let matcher = LogMatcher(patterns, capture: ["ws_state"])
        var counted = [String: Int]()
        var states = Set<String>()
        text.withUnsafeBytes { raw in
            matcher.scan(raw) { _, hits in
                for hit in hits {
                    counted[matcher.ids[hit.pattern], default: 0] += 1
                    if let state = hit.capture { states.insert(state) }
                }
                return true
            }
        }
        #expect(counted == expected)
        #expect(states == ["Connected", "Disconnected", "Reconnecting"])
    }
}

/// The byte matcher against NSRegularExpression on random patterns and
/// lines: the same lines match, with the same first group.
struct ByteRegexTests {
    static let pieces = [
        "a", "b", "ab", "[ab]", "[^a]", "[a-c]", ".", "\\.", "\\d", "\\s", "\\w", "(a|b)", "(ab|a)", "(?:b|ba)",
        "x",
    ]
    static let quantifiers = ["", "", "", "?", "*", "+", "{1,2}", "*?", "+?", "{2}"]

    @Test func agreesWithTheRegexEngineOnRandomPatternsAndLines() throws {
        var generator = SystemRandomNumberGenerator()
        func pick<T>(_ items: [T]) -> T { items[Int(generator.next() % UInt64(items.count))] }
        var checked = 0
        for _ in 0..<400 {
            var pattern = Int(generator.next() % 5) == 0 ? "^" : ""
            for _ in 0..<(1 + Int(generator.next() % 4)) { pattern += pick(Self.pieces) + pick(Self.quantifiers) }
            if Int(generator.next() % 5) == 0 { pattern += "$" }
            let regex = try NSRegularExpression(pattern: pattern)
            let bytes = try #require(ByteRegex(pattern), "\(pattern) is of the plain kind")
            for _ in 0..<20 {
                let line = String((0..<Int(generator.next() % 12)).map { _ in pick(Array("aabbcx. 1_\t")) })
                let expected = regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)).map {
                    $0.numberOfRanges > 1 && $0.range(at: 1).location != NSNotFound ? $0.range(at: 1) : $0.range
                }
                let found = Array(line.utf8).withUnsafeBytes { bytes.firstMatch($0) }
                #expect(
                    found.map { NSRange(location: $0.lowerBound, length: $0.count) } == expected,
                    "\(pattern) on \(line.debugDescription)")
                checked += 1
            }
        }
        #expect(checked == 8000)
    }

    @Test func patternsOfAnotherKindAreLeftToTheRegexEngine() {
        for pattern in ["(?i)error", "\\bword\\b", "(a)\\1", "a++", "[[:alpha:]]", "é", "(?=a)", "\\p{L}", "[]a]"] {
            #expect(ByteRegex(pattern) == nil, "\(pattern)")
        }
        #expect(ByteRegex("WebSocket (Connected|Disconnected|Reconnecting)") != nil)
        #expect(ByteRegex("Reconnecting in [0-9.]+s") != nil)
    }
}
