import Foundation

/// The run model's types are Codable; the journal and results.json are
/// written through `JSONValue`, whose one canonical serialisation (sorted
/// keys) makes a line's bytes, and so its hash, reproducible.
extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// A non-finite number has no JSON form: it is recorded as `null`, as
    /// the canonical serialisation does.
    private static let nonFinite = "\u{0}hedgeops-non-finite\u{0}"

    /// Any Encodable value as a JSON value (nil when it cannot be encoded).
    public init?(encoding value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: Self.nonFinite, negativeInfinity: Self.nonFinite, nan: Self.nonFinite)
        guard let data = try? encoder.encode(value),
            let decoded = try? JSONDecoder().decode(JSONValue.self, from: data)
        else { return nil }
        self = decoded.replacingNonFinite()
    }

    /// This value read as a Codable type.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(serialized.utf8))
    }

    /// The fields of an object (empty for anything else).
    public var fields: [String: JSONValue] {
        if case .object(let fields) = self { return fields }
        return [:]
    }

    private func replacingNonFinite() -> JSONValue {
        switch self {
        case .string(Self.nonFinite): .null
        case .array(let items): .array(items.map { $0.replacingNonFinite() })
        case .object(let fields): .object(fields.mapValues { $0.replacingNonFinite() })
        default: self
        }
    }
}
