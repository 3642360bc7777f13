import Foundation

/// `value` with `places` decimals, exactly as printf's `%.Nf` writes it, but
/// without Foundation's format machinery: integer arithmetic where the last
/// digit is beyond doubt, else glibc's `strfromd` (one conversion, no varargs). A sample row is written many times a second, and
/// a checkpoint's lines are written while a run is sampling: `String(format:)`
/// would map several megabytes of CoreFoundation's code back in at each one.
/// `sign` is printf's `+` flag, `width` its field width (`%+7.1f`).
public func fixedPoint(_ value: Double, places: Int, sign: Bool = false, width: Int = 0) -> String {
    var text = fixedDigits(value, places: places)
    if sign, text.first != "-" { text = "+" + text }
    if text.utf8.count < width { text = String(repeating: " ", count: width - text.utf8.count) + text }
    return text
}

/// `value` with at least `width` digits, zero-padded, as printf's `%0Nd`.
public func zeroPadded(_ value: Int, width: Int) -> String {
    let digits = String(value.magnitude)
    let padding = String(repeating: "0", count: max(0, width - digits.count - (value < 0 ? 1 : 0)))
    return (value < 0 ? "-" : "") + padding + digits
}

/// Appends what ``fixedPoint(_:places:sign:width:)`` gives with neither sign
/// nor width to `out`, without making a String (a sample's CSV row).
public func appendFixedPoint(_ value: Double, places: Int, to out: inout [UInt8]) {
    let written: Void? = withFixedDigits(value, places: places) { digits in
        out.append(contentsOf: digits)
    }
    if written == nil { out += fixedPoint(value, places: places).utf8 }
}

private func fixedDigits(_ value: Double, places: Int) -> String {
    withFixedDigits(value, places: places) { String(decoding: $0, as: UTF8.self) }
        ?? String(format: "%.\(places)f", value)
}

/// The digits printf would write, lent to `body`; nil where neither way
/// below can write them.
private func withFixedDigits<T>(_ value: Double, places: Int, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T? {
    guard (0...9).contains(places) else { return nil }
    if let scaled = FixedPoint.scaled(value, places: places) {
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { buffer -> T in
            // Written from the end: digits, the point after `places` of them, a leading 0.
            var at = buffer.count
            var rest = scaled.units
            var written = 0
            repeat {
                if written == places && places > 0 {
                    at -= 1
                    buffer[at] = UInt8(ascii: ".")
                }
                at -= 1
                buffer[at] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                written += 1
            } while rest > 0 || written <= places
            if scaled.negative {
                at -= 1
                buffer[at] = UInt8(ascii: "-")
            }
            return body(UnsafeBufferPointer(rebasing: buffer[at...]))
        }
    }
    guard let strfromd = FixedPoint.strfromd else { return nil }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 352) { buffer -> T? in
        guard let base = buffer.baseAddress else { return nil }
        let count = FixedPoint.formats[places].withCString { strfromd(base, buffer.count, $0, value) }
        guard count >= 0 && Int(count) < buffer.count else { return nil }
        return base.withMemoryRebound(to: UInt8.self, capacity: Int(count)) {
            body(UnsafeBufferPointer(start: $0, count: Int(count)))
        }
    }
}

private enum FixedPoint {
    typealias Function = @convention(c) (UnsafeMutablePointer<CChar>?, Int, UnsafePointer<CChar>?, Double) -> Int32
    /// glibc's `strfromd` (2.25), which Swift cannot see in its headers.
    static let strfromd: Function? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "strfromd") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }()
    static let formats = (0...9).map { "%.\($0)f" }
    static let powersOfTen: [Double] = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]

    /// `value` × 10^`places` rounded to a whole number, by arithmetic, where
    /// that is beyond doubt: the product (within 2^-24 of exact below 10^9)
    /// is not within a millionth of a half, where only the exact binary
    /// value decides, as printf decides; nil there, and for values too large
    /// or not finite (`strfromd` writes those). A sample's row has five figures.
    static func scaled(_ value: Double, places: Int) -> (negative: Bool, units: UInt64)? {
        guard value.isFinite else { return nil }
        let scaled = value.magnitude * powersOfTen[places]
        guard scaled < 1e9 else { return nil }
        let whole = scaled.rounded(.down)
        let fraction = scaled - whole
        guard abs(fraction - 0.5) > 1e-6 else { return nil }
        return (value.sign == .minus, UInt64(whole) + (fraction > 0.5 ? 1 : 0))
    }
}
