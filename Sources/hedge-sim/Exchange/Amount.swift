import Foundation

/// Bitunix sends every amount as a string of decimals; these fix how many.
enum Amount {
    static func text(_ value: Double, _ decimals: Int) -> String {
        String(format: "%.\(decimals)f", value)
    }

    /// A request's number: Bitunix accepts amounts as strings or numbers.
    static func parse(_ value: Any?) -> Double? {
        switch value {
        case let text as String: Double(text.trimmingCharacters(in: .whitespaces))
        case let number as NSNumber: number.doubleValue
        default: nil
        }
    }
}
