/// Numbers as an operator reads them: no trailing `.0`, no exponent.
public func formatNumber(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    var text = String(value)
    if text.contains("e") { text = String(format: "%.6f", value) }
    return text
}

import Foundation
