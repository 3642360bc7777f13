import Foundation

/// The times of allowed_signers' `valid-after=` and `valid-before=`:
/// YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, in UTC with a `Z` or `UTC`
/// suffix, else in local time. Read as ssh-keygen reads them (glibc
/// `strptime`, then `timegm` or `mktime`): a day past the month's end rolls
/// over, a time before 1970 is invalid, so both tools agree on every line.
enum AbsoluteTime {
    /// Seconds since the epoch, or nil where ssh-keygen would call the time invalid.
    static func parse(_ text: [UInt8], timeZone: TimeZone) -> Int64? {
        var length = text.count
        var utc = false
        if length > 1, text[length - 1] | 0x20 == UInt8(ascii: "z") {
            utc = true
            length -= 1
        } else if length > 3, zip(text[(length - 3)...], "utc".utf8).allSatisfy({ $0 | 0x20 == $1 }) {
            utc = true
            length -= 3
        }
        // strptime's conversions in order: minimum, maximum, and the digits available.
        let fields: [(ClosedRange<Int>, Range<Int>)]
        switch length {
        case 8: fields = [(0...9999, 0..<4), (1...12, 4..<6), (1...31, 6..<8)]
        case 12: fields = [(0...9999, 0..<4), (1...12, 4..<6), (1...31, 6..<8), (0...23, 8..<10), (0...59, 10..<12)]
        case 14:
            fields = [
                (0...9999, 0..<4), (1...12, 4..<6), (1...31, 6..<8), (0...23, 8..<10), (0...59, 10..<12),
                (0...61, 12..<14),
            ]
        default: return nil
        }
        var values: [Int] = []
        for (range, slice) in fields {
            guard let value = number(Array(text[slice]), in: range) else { return nil }
            values.append(value)
        }
        while values.count < 6 { values.append(0) }
        let days = daysFromCivil(year: values[0], month: values[1]) + Int64(values[2] - 1)
        var seconds = days * 86_400 + Int64(values[3] * 3600 + values[4] * 60 + values[5])
        if !utc {
            // mktime with tm_isdst = 0: the fields are read as standard time.
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let standard = timeZone.secondsFromGMT(for: date) - Int(timeZone.daylightSavingTimeOffset(for: date))
            seconds -= Int64(standard)
        }
        return seconds < 0 ? nil : seconds
    }

    /// glibc strptime's `get_number` on one field of fixed width: spaces
    /// skipped, then digits while the value can still grow within range;
    /// every byte of the field must be used, as the separators that follow
    /// it must match.
    private static func number(_ field: [UInt8], in range: ClosedRange<Int>) -> Int? {
        var index = 0
        while index < field.count && SSHBase64.isSpace(field[index]) { index += 1 }
        guard index < field.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(field[index]) else { return nil }
        var value = 0
        var digits = field.count == 4 ? 4 : 2
        repeat {
            value = value * 10 + Int(field[index] - UInt8(ascii: "0"))
            index += 1
            digits -= 1
        } while digits > 0 && value * 10 <= range.upperBound && index < field.count
            && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(field[index])
        guard range.contains(value), index == field.count else { return nil }
        return value
    }

    /// Days from 1970-01-01 to the first of `month` in `year` (proleptic Gregorian).
    private static func daysFromCivil(year: Int, month: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
