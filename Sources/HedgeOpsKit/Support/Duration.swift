import Foundation

/// Parses `8h`, `90m`, `5s`, `250ms`, `1h30m` or a bare number of seconds.
/// Returns nil for anything else (negative, empty, unknown unit).
public func parseDuration(_ text: String) -> Double? {
    let s = text.trimmingCharacters(in: .whitespaces)
    if s.isEmpty { return nil }
    if let plain = Double(s) { return plain >= 0 && plain.isFinite ? plain : nil }
    var total = 0.0
    var number = ""
    var unit = ""
    var parts: [(Double, String)] = []
    func flush() -> Bool {
        guard !number.isEmpty, let value = Double(number), !unit.isEmpty else { return false }
        parts.append((value, unit))
        number = ""
        unit = ""
        return true
    }
    for ch in s {
        if ch.isNumber || ch == "." {
            if !unit.isEmpty { guard flush() else { return nil } }
            number.append(ch)
        } else if ch.isLetter {
            guard !number.isEmpty else { return nil }
            unit.append(ch)
        } else {
            return nil
        }
    }
    guard flush() else { return nil }
    for (value, unit) in parts {
        switch unit {
        case "ms": total += value / 1000
        case "s": total += value
        case "m", "min": total += value * 60
        case "h": total += value * 3600
        case "d": total += value * 86400
        default: return nil
        }
    }
    // Digits enough to overflow a Double are not a duration.
    return total.isFinite ? total : nil
}
