import Foundation

/// A JSON value with one canonical serialisation (sorted keys, no spaces),
/// so a journal line's bytes, and so its hash, never depend on dictionary order.
public enum JSONValue: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral, ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral
{
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }

    /// nil becomes `null`.
    public static func from(_ value: Double?) -> JSONValue { value.map { .double($0) } ?? .null }
    public static func from(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    public static func from(_ value: Int?) -> JSONValue { value.map { .int($0) } ?? .null }

    public var serialized: String {
        var out: [UInt8] = []
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the canonical serialisation's UTF-8 bytes to `out` (the
    /// journal writes each line into one reused buffer and hashes it there).
    public func write(into out: inout [UInt8]) {
        switch self {
        case .string(let text): Self.writeString(text, into: &out)
        case .int(let number): Self.writeInteger(number, into: &out)
        case .double(let number):
            if !number.isFinite {
                out += "null".utf8
            } else if number == number.rounded(), abs(number) < 1e15 {
                Self.writeInteger(Int(number), into: &out)
            } else {
                // Swift's shortest round-trip form is valid JSON (68.1, 0.00017, 1e-05).
                out += String(number).utf8
            }
        case .bool(let flag): out += (flag ? "true" : "false").utf8
        case .null: out += "null".utf8
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            Self.write(orderedObject: fields.sorted { $0.key < $1.key }, into: &out)
        }
    }

    /// An object whose pairs are already in key order (keys unique), written
    /// as ``write(into:)`` writes the same object: without a dictionary.
    public static func write(orderedObject pairs: [(key: String, value: JSONValue)], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            writeString(pair.key, into: &out)
            out.append(UInt8(ascii: ":"))
            pair.value.write(into: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    private static func writeInteger(_ number: Int, into out: inout [UInt8]) {
        guard number != Int.min else {
            out += String(number).utf8
            return
        }
        if number < 0 { out.append(UInt8(ascii: "-")) }
        var rest = number.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest > 0
        out[start...].reverse()
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Quotes and escapes `text` byte by byte: its UTF-8 is valid, and every
    /// byte of a multi-byte character is 0x80 or more, so only ASCII is escaped.
    private static func writeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            let escaped: UInt8
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): escaped = byte
            case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
            case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
            case 0..<0x20:
                out += "\\u00".utf8
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
                continue
            default:
                out.append(byte)
                continue
            }
            out.append(UInt8(ascii: "\\"))
            out.append(escaped)
        }
        out.append(UInt8(ascii: "\""))
    }
}
