/// One problem found in a checklist file, placed exactly so an operator can
/// go straight to it: file, line, column, key path, and the fix.
public struct ChecklistDiagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// Dotted key path from the document root, e.g. `preflight[0].items[2].kind`.
    public var path: String
    public var message: String
    /// What to do about it, in one line; nil when the message says it all.
    public var fix: String?

    public init(file: String, line: Int, column: Int, path: String, message: String, fix: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
        self.fix = fix
    }

    /// `file:line:column: error: path: message (fix)`, the shape compilers use,
    /// so editors and terminals turn it into a link.
    public var description: String {
        var text = "\(file):\(line):\(column): error: "
        if !path.isEmpty { text += "\(path): " }
        text += message
        if let fix { text += "; \(fix)" }
        return text
    }
}

/// All the problems of one checklist file; nothing starts while there is one.
public struct ChecklistErrors: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ChecklistDiagnostic]

    public init(_ diagnostics: [ChecklistDiagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
