import Foundation
import HedgeOpsKit

/// The redactor every line the executable prints goes through (`Terminal`):
/// made from the environment at start, widened with the checklist's secret
/// variables once the checklist is loaded. Process-wide, because output
/// comes from every command and from the supervisor's thread.
enum ScreenRedaction {
    private static let box = RedactorBox(
        SecretRedactor(environment: ProcessInfo.processInfo.environment))

    static var current: SecretRedactor { box.value }

    /// Adds the secret variables `checklist` names, with their values in
    /// `environment` (the demo's throwaway key lives only in its own).
    static func include(_ checklist: Checklist, environment: [String: String] = ProcessInfo.processInfo.environment) {
        box.value = SecretRedactor(environment: environment, checklist: checklist)
    }
}

private final class RedactorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: SecretRedactor

    init(_ value: SecretRedactor) { stored = value }

    var value: SecretRedactor {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
