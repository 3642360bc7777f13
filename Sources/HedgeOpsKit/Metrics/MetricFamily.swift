/// One metric of the Prometheus text format (version 0.0.4): its name, type,
/// help and samples. Rendering is ours, not a client library's: the run's
/// figures are a snapshot taken by the supervisor, not live instruments.
public struct MetricFamily: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case gauge, counter
    }

    /// One value, with the labels that tell it from the family's other values.
    public struct Sample: Sendable, Equatable {
        public var labels: [(String, String)]
        public var value: Double

        public init(_ value: Double, labels: [(String, String)] = []) {
            self.value = value
            self.labels = labels
        }

        public static func == (a: Sample, b: Sample) -> Bool {
            a.value.bitPattern == b.value.bitPattern && a.labels.elementsEqual(b.labels) { $0 == $1 }
        }
    }

    public var name: String
    public var kind: Kind
    public var help: String
    public var samples: [Sample]

    public init(_ name: String, _ kind: Kind, help: String, samples: [Sample]) {
        self.name = name
        self.kind = kind
        self.help = help
        self.samples = samples
    }

    /// `# HELP`, `# TYPE` and one line a sample, each sample with `common` labels first.
    public func text(common: [(String, String)]) -> String {
        var out = "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
        for sample in samples {
            let labels = (common + sample.labels).map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }
            out += "\(name){\(labels.joined(separator: ","))} \(Self.format(sample.value))\n"
        }
        return out
    }

    /// The content type Prometheus asks for.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func escapeHelp(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func escapeLabel(_ text: String) -> String {
        escapeHelp(text).replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// Whole numbers without a fraction; NaN and infinities as Prometheus spells them.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
