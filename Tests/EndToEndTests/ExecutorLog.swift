import Foundation

/// Parses a log in the executor's Python logging format, independently of
/// hedgeops' own follower, so the tests check the simulator against the
/// format itself.
struct ExecutorLog {
    struct Record {
        var seconds: Double
        var logger: String
        var level: String
        var message: String
    }

    /// One `=== Load Test Report (After N.NNh) ===` block.
    struct Report {
        var hours: Double
        var fields: [String: String]
        func int(_ key: String) -> Int? { fields[key].flatMap(Int.init) }
        func megabytes(_ key: String) -> Double? {
            fields[key].flatMap { Double($0.replacingOccurrences(of: " MB", with: "")) }
        }
    }

    var records: [Record] = []

    init(text: String) {
        let pattern =
            #/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) - (\S+) - (DEBUG|INFO|WARNING|ERROR|CRITICAL) - (.*)$/#
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = TimeZone.current
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let match = try? pattern.wholeMatch(in: String(line)) {
                let base = formatter.date(from: String(match.1))?.timeIntervalSince1970 ?? 0
                records.append(
                    Record(
                        seconds: base + (Double(match.2) ?? 0) / 1000, logger: String(match.3),
                        level: String(match.4), message: String(match.5)))
            } else if !records.isEmpty {
                records[records.count - 1].message += "\n" + line
            }
        }
        // The file's final newline is not part of the last record.
        if let last = records.indices.last {
            while records[last].message.hasSuffix("\n") { records[last].message.removeLast() }
        }
    }

    var start: Double { records.first?.seconds ?? 0 }

    /// Hours after the first record at which a record was logged.
    func hour(of record: Record) -> Double { (record.seconds - start) / 3600 }

    func records(containing text: String) -> [Record] { records.filter { $0.message.contains(text) } }

    func count(_ text: String) -> Int { records(containing: text).count }

    var reports: [Report] {
        records.compactMap { record in
            let lines = record.message.split(separator: "\n").map(String.init)
            guard let header = lines.first(where: { $0.hasPrefix("=== Load Test Report (After ") }),
                let hours = Double(header.dropFirst("=== Load Test Report (After ".count).prefix { $0 != "h" })
            else { return nil }
            var fields: [String: String] = [:]
            for line in lines {
                let parts = line.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 1)
                if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
            }
            return Report(hours: hours, fields: fields)
        }
    }
}
