/// The outcome of one check, as shown in the table and the JSON.
public enum CheckStatus: String, Sendable, Codable {
    case pass, fail, warn, skip
}

/// One checklist item after it was checked. `detail` never holds a secret.
public struct CheckResult: Sendable, Codable {
    public var id: String
    public var title: String
    public var kind: String
    public var required: Bool
    public var status: CheckStatus
    public var detail: String
    /// A one-line fix; set on every failure and warning.
    public var fix: String?
    public var durationMS: Double

    enum CodingKeys: String, CodingKey {
        case id, title, kind, required, status, detail, fix
        case durationMS = "duration_ms"
    }
}

/// What a single check function returns before the item's metadata is added.
struct Finding {
    var status: CheckStatus
    var detail: String
    var fix: String?

    static func pass(_ detail: String) -> Finding { Finding(status: .pass, detail: detail) }
    static func fail(_ detail: String, fix: String) -> Finding { Finding(status: .fail, detail: detail, fix: fix) }
    static func warn(_ detail: String, fix: String) -> Finding { Finding(status: .warn, detail: detail, fix: fix) }
    static func skip(_ detail: String) -> Finding { Finding(status: .skip, detail: detail) }
}
