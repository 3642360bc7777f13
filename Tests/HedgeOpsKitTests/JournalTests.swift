import Foundation
import Testing

@testable import HedgeOpsKit

struct JournalTests {
    func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString).jsonl").path
    }

    @Test func eachLineCarriesTheSHA256OfTheLineBefore() throws {
        let path = scratch()
        defer { unlink(path) }
        let journal = try Journal(creating: path)
        try journal.append(.note(.init(text: "r1")), durable: true)
        try journal.append(.sample(.init(hour: 0.5, rssMB: 68.5)))
        try journal.append(.note(.init(text: "quote \" and newline \n")), durable: true)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        // The rule a reviewer checks with five lines of any language.
        var previous = String(repeating: "0", count: 64)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["prev"] as? String == previous)
            previous = Journal.sha256Hex(Data(line.utf8))
        }
        #expect(try JournalReader(path: path).isValid)
    }

    /// The digest is read in blocks: lines across block edges, a line longer
    /// than a block and an unfinished last line give what the whole file does.
    @Test func theDigestReadInBlocksIsTheWholeFilesDigest() throws {
        let path = scratch()
        defer { unlink(path) }
        var text = ""
        for index in 0..<3000 {
            text += "{\"seq\":\(index),\"pad\":\"\(String(repeating: "x", count: index % 97))\"}\n"
        }
        text += String(repeating: "L", count: 150_000) + "\n"
        text += "{\"unfinished\":"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let complete = Data(text.utf8).prefix(text.utf8.count - "{\"unfinished\":".utf8.count)
        let digest = try #require(JournalDigest.measure(path))
        #expect(digest.lines == 3001)
        #expect(digest.sha256 == Journal.sha256Hex(complete))
        #expect(JournalDigest.measure(path + ".absent") == nil)
    }

    /// A sample's fields are built by hand: they serialise exactly as its encoding does.
    @Test func aSamplesFieldsAreWhatItsEncodingGives() throws {
        let samples: [JournalEvent.Sample] = [
            .init(hour: 0.5, rssMB: 68.5),
            .init(
                hour: 72, rssMB: 70, rssAnonMB: 61.25, swapMB: 0, cpuPercent: 3.333333333333333, threads: 9,
                openFiles: 14, processes: 3, counts: ["errors": 1, "ws_reconnects": 0], logFile: "data/x \"y\".log",
                logOffset: 1 << 40),
            .init(hour: 1e-7, rssMB: 1e15, rssAnonMB: .nan, swapMB: .infinity, cpuPercent: nil, logOffset: 0),
        ]
        for sample in samples {
            var encoded = try #require(JSONValue(encoding: JournalEvent.sample(sample))).fields
            encoded["type"] = nil
            #expect(
                JSONValue.object(JournalEvent.sample(sample).fields).serialized == JSONValue.object(encoded).serialized)
        }
    }

    /// So are a log line's.
    @Test func aLogLinesFieldsAreWhatItsEncodingGives() throws {
        for line in [
            JournalEvent.LogLine(pattern: "errors", line: "2026-01-13 - ERROR - \"quoted\" \\ tab\t é"),
            JournalEvent.LogLine(pattern: "", line: ""),
        ] {
            var encoded = try #require(JSONValue(encoding: JournalEvent.log(line))).fields
            encoded["type"] = nil
            #expect(JSONValue.object(JournalEvent.log(line).fields).serialized == JSONValue.object(encoded).serialized)
        }
    }

    /// A sample's line written straight into the buffer against the same
    /// sample written through its fields, byte for byte over a whole
    /// journal (so every `prev` too): names that need escaping, figures
    /// whole, huge, tiny and not finite, fields absent, and a secret in a
    /// count's name or the log file's path (then the fields' path redacts it).
    @Test func aSampleWrittenDirectlyIsTheLineItsFieldsGive() throws {
        let (direct, general) = (scratch(), scratch())
        defer {
            unlink(direct)
            unlink(general)
        }
        let secret = "sk-live-0123456789abcdef"
        let redactor = SecretRedactor(secrets: [.init(name: "BITUNIX_API_SECRET", value: secret)])
        let a = try Journal(creating: direct)
        let b = try Journal(creating: general)
        var random = ReproducibleRandom(randomStart: 20_261_130)
        let names = ["errors", "ws_reconnects", "a\"quote", "back\\slash", "tab\there", "é€😀", "\u{1}", "order_placed"]
        let figures: [Double] = [0, -0.0, 1, 12.5, 1e16, 1e-7, -3.25, 9_007_199_254_740_992, .nan, .infinity]
        func figure() -> Double {
            random.chance(0.5) ? figures[Int(random.next() % UInt64(figures.count))] : random.uniform(-1e4, 1e4)
        }
        func maybe<T>(_ value: T) -> T? { random.chance(0.2) ? nil : value }
        var secretLines = 0
        for round in 0..<400 {
            var counts: [String: Int] = [:]
            for name in names where random.chance(0.7) { counts[name] = Int(random.next() % 100_000) }
            let leak = random.chance(0.05)
            if leak, random.chance(0.5) { counts["x" + secret] = 1 }
            let file =
                leak && counts.count == counts.filter({ !$0.key.contains(secret) }).count
                ? "/logs/\(secret).log" : "/logs/load_test_\"\(round % 3)\".log"
            let sample = JournalEvent.Sample(
                hour: figure(), rssMB: figure(), rssAnonMB: maybe(figure()), swapMB: maybe(figure()),
                cpuPercent: maybe(figure()), threads: maybe(Int(random.next() % 64)),
                openFiles: maybe(Int(random.next() % 1024)), processes: maybe(Int(random.next() % 16)),
                counts: counts, logFile: maybe(file), logOffset: maybe(random.next() >> 1))
            if leak { secretLines += 1 }
            // Now and then the redactor is set again (its checks start over).
            if round % 97 == 0 { (a.redactor, b.redactor) = (redactor, redactor) }
            let date = Date(timeIntervalSince1970: 1_790_000_000 + Double(round) * 0.025)
            (a.clock, b.clock) = ({ date }, { date })
            try a.append(.sample(sample))
            try b.append("sample", sample.fields)
        }
        let written = try String(contentsOfFile: direct, encoding: .utf8)
        #expect(written == (try String(contentsOfFile: general, encoding: .utf8)))
        #expect(written.split(separator: "\n").count == 400)
        #expect(!written.contains(secret) && secretLines > 5)
        // Most lines took the direct path; the general one still wrote the rest.
        #expect(a.directLines > 300 && b.directLines == 0, "\(a.directLines) direct")
    }

    @Test func aJournalIsNeverOverwritten() throws {
        let path = scratch()
        defer { unlink(path) }
        _ = try Journal(creating: path)
        #expect(throws: JournalError.self) { try Journal(creating: path) }
    }

    @Test func serialisationIsCanonical() {
        let value: JSONValue = ["b": 1, "a": [true, .null, 2.5], "c": "x"]
        #expect(value.serialized == #"{"a":[true,null,2.5],"b":1,"c":"x"}"#)
    }

    /// Every control character, quotes, backslashes and multi-byte text
    /// written byte by byte read back by Foundation's parser as they were.
    @Test func stringsAndNumbersReadBackAsWritten() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet =
            (0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }
            + ["\"", "\\", "/", "a", "Z", "é", "€", "😀", "\u{7F}", "\u{2028}"]
        for _ in 0..<500 {
            let text = String((0..<Int.random(in: 0...24, using: &generator)).map { _ in alphabet.randomElement()! })
            let number = Int.random(in: Int.min...Int.max, using: &generator)
            let fraction = Double.random(in: -1e6...1e6, using: &generator)
            let line = JSONValue.object(["t": .string(text), "n": .int(number), "d": .double(fraction)]).serialized
            let parsed = try #require(
                JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            #expect(parsed["t"] as? String == text, "\(line)")
            #expect((parsed["n"] as? NSNumber)?.int64Value == Int64(number), "\(line)")
            // Foundation's parser is not exact for doubles; Swift's is.
            let written = line.split(separator: ",").first { $0.hasPrefix(#"{"d":"#) }?.dropFirst(5)
            #expect(parsed["d"] is NSNumber && written.flatMap { Double($0) } == fraction, "\(line)")
        }
        #expect(JSONValue.string("\u{1}\n\"\\é").serialized == #""\u0001\n\"\\é""#)
        #expect(JSONValue.int(Int.min).serialized == String(Int.min))
        #expect(JSONValue.double(-3).serialized == "-3")
    }

    /// The hand-written RFC 3339 form against Foundation's formatter.
    @Test func timestampsAreFoundationsRFC3339() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        for _ in 0..<2000 {
            // 0.4 ms past a millisecond: Foundation rounds the fraction, the journal cuts it.
            let date = Date(timeIntervalSince1970: (Double(Int.random(in: 0...4_102_444_800_000)) + 0.4) / 1000)
            #expect(Timestamp.rfc3339(date) == formatter.string(from: date), "\(date.timeIntervalSince1970)")
            var bytes = Array("at ".utf8)
            Timestamp.write(date, into: &bytes)
            #expect(bytes == Array(("at " + formatter.string(from: date)).utf8))
        }
    }
}

struct LeakTrendTests {
    @Test func aSteadyLeakIsSignificantAndProjected() throws {
        var series = MemorySeries(recentHours: 0.1)
        for step in 0...48 {
            let hour = Double(step) / 12
            series.add(hour: hour, mb: 100 + 10 * hour + (step % 2 == 0 ? 1 : -1), afterWarmup: true)
        }
        let trend = try #require(series.trend(endHour: 8, baseline: 100))
        #expect(abs(trend.slopeMBPerHour - 10) < 0.5)
        #expect(abs((trend.senSlopeMBPerHour ?? 0) - 10) < 1.5)
        #expect(trend.rising)
        #expect(abs(trend.projectedFinalMB - 180) < 3)
        #expect(abs((trend.projectedRatio ?? 0) - 1.8) < 0.03)
    }

    @Test func flatNoiseIsNotATrend() throws {
        var series = MemorySeries(recentHours: 0.1)
        var random = SystemRandomNumberGenerator()
        for step in 0...96 {
            series.add(hour: Double(step) / 12, mb: 100 + Double.random(in: -3...3, using: &random), afterWarmup: true)
        }
        let trend = try #require(series.trend(endHour: 8, baseline: 100))
        #expect(abs(trend.slopeMBPerHour) < 1)
        #expect(abs(trend.projectedRatio ?? 0 - 1) < 1.1)
    }

    @Test func theCheckpointMedianIgnoresOneSpike() throws {
        var series = MemorySeries(recentHours: 1)
        for (index, mb) in [100.0, 101, 500, 99, 100].enumerated() {
            series.add(hour: Double(index) / 100, mb: mb, afterWarmup: true)
        }
        #expect(series.median(endingAt: 0.04, windowHours: 0.05)?.mb == 100)
    }
}
