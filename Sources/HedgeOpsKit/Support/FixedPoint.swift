import Foundation

/// `value` with `places` decimals, exactly as printf's `%.Nf` writes it, but
/// without Foundation's format machinery (a sample row is written many
/// times a second): glibc's `strfromd`, one conversion, no varargs.
public func fixedPoint(_ value: Double, places: Int) -> String {
    guard let strfromd = FixedPoint.strfromd, (0...9).contains(places) else {
        return String(format: "%.\(places)f", value)
    }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 352) { buffer -> String in
        guard let base = buffer.baseAddress else { return String(format: "%.\(places)f", value) }
        let count = FixedPoint.formats[places].withCString { strfromd(base, buffer.count, $0, value) }
        guard count >= 0 && Int(count) < buffer.count else { return String(format: "%.\(places)f", value) }
        return String(cString: base)
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
