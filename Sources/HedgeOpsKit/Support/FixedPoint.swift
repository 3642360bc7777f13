import Foundation

/// `value` with `places` decimals, exactly as printf's `%.Nf` writes it, but
/// without Foundation's format machinery: glibc's `strfromd`, one
/// conversion, no varargs. A sample row is written many times a second, and
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

/// `strfromd`'s digits, lent to `body`; nil where it cannot write them.
private func withFixedDigits<T>(_ value: Double, places: Int, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T? {
    guard let strfromd = FixedPoint.strfromd, (0...9).contains(places) else { return nil }
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
}
