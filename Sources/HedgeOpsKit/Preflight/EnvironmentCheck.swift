/// Environment variables present and non-empty; secrets described, never shown.
enum EnvironmentCheck {
    static func check(_ variables: [EnvVariable], in environment: [String: String], fix: String?) -> Finding {
        var parts: [String] = []
        var missing: [String] = []
        var padded: [String] = []
        var broken: [String] = []
        var key: FingerprintKey?
        for variable in variables {
            guard let value = environment[variable.name], !value.isEmpty else {
                missing.append(variable.name)
                parts.append("\(variable.name) not set")
                continue
            }
            // A newline or other control character inside a value would split an
            // HTTP header or a log line: refused, and the value is never shown.
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                broken.append(variable.name)
                parts.append("\(variable.name) holds a control character (a newline?) inside its value")
                continue
            }
            let secret = variable.secret || Secrets.looksSecret(variable.name)
            var shown = "set to '\(value)'"
            if secret {
                // Made (or read) once, only when a secret is there to describe.
                let fingerprintKey = key ?? FingerprintKey(environment: environment)
                key = fingerprintKey
                shown = Secrets.describe(value, key: fingerprintKey)
            }
            parts.append("\(variable.name) \(shown)")
            if value != value.trimmingCharacters(in: .whitespacesAndNewlines) {
                padded.append(variable.name)
            }
        }
        let detail = parts.joined(separator: "; ")
        if !missing.isEmpty {
            return .fail(
                detail, fix: fix ?? "export \(missing.map { "\($0)=…" }.joined(separator: " ")) before running hedgeops"
            )
        }
        if !broken.isEmpty {
            return .fail(
                detail,
                fix: "set \(broken.joined(separator: ", ")) again on one line, without the newline or control character"
            )
        }
        if !padded.isEmpty {
            return .warn(
                detail + "; surrounding whitespace in \(padded.joined(separator: ", "))",
                fix: "remove the spaces or newline around the value of \(padded.joined(separator: ", "))")
        }
        return .pass(detail)
    }
}

import Foundation
