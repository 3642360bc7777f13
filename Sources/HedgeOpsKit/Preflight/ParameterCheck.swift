/// Run parameters: every effective value valid, and equal to the checklist's
/// expected value where it names one (log level INFO).
enum ParameterCheck {
    static func check(_ parameters: [Parameter], overrides: [String: String], fix: String?) -> Finding {
        var shown: [String] = []
        var problems: [String] = []
        for parameter in parameters {
            let value = overrides[parameter.name] ?? parameter.defaultValue
            shown.append("\(parameter.name)=\(value)")
            if let problem = parameter.problem(with: value) {
                problems.append("\(parameter.name) \(problem)")
            } else if let expected = parameter.expect, value != expected {
                problems.append("\(parameter.name) is \(value), the checklist requires \(expected)")
            }
        }
        if problems.isEmpty { return .pass(shown.joined(separator: ", ")) }
        let names = parameters.map { "\($0.name)=\($0.expect ?? $0.defaultValue)" }.joined(separator: " ")
        return .fail(problems.joined(separator: "; "), fix: fix ?? "--set \(names)")
    }
}
