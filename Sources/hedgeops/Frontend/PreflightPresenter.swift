import Foundation
import HedgeOpsKit

/// Turns a pre-flight report into the table, the quiet list or the JSON.
struct PreflightPresenter {
    let report: PreflightReport
    let terminal: Terminal

    func table(title: String, heading: String = "hedgeops verify-env") -> String {
        var lines = ["\(heading): \(report.checklist) (\(title))", ""]
        let idWidth = min(max(report.items.map(\.id.count).max() ?? 2, 2), 24)
        var titleWidth = 44
        let indent = String(repeating: " ", count: 8)
        // Sized to the terminal: DETAIL keeps its column while 40 characters
        // fit beside CHECK, wrapped at word boundaries; else each detail goes
        // on its own indented lines. Without a width (a pipe), lines stay whole.
        var detailColumn = 8 + idWidth + 2 + titleWidth + 2
        let ownLines = terminal.width.map { $0 - detailColumn < 40 } ?? false
        if let width = terminal.width, ownLines {
            titleWidth = max(10, width - 8 - idWidth - 2)
            detailColumn = 8
        }
        lines.append(
            terminal.paint(
                ownLines
                    ? "STATUS  \(pad("ID", idWidth))  CHECK"
                    : "STATUS  \(pad("ID", idWidth))  \(pad("CHECK", titleWidth))  DETAIL",
                .bold))
        for item in report.items {
            let status = pad(item.status.rawValue.uppercased(), 6)
            let head = "\(paintStatus(status, item.status))  \(pad(item.id, idWidth))  "
            if ownLines, let width = terminal.width {
                lines.append(head + shorten(item.title, titleWidth))
                lines += TextWrap.lines(item.detail, width: width, indent: indent, indentFirst: true)
            } else if let width = terminal.width {
                let detail = TextWrap.lines(
                    item.detail, width: width, indent: String(repeating: " ", count: detailColumn))
                lines.append(head + pad(shorten(item.title, titleWidth), titleWidth) + "  " + detail[0])
                lines += detail.dropFirst()
            } else {
                lines.append(head + pad(shorten(item.title, titleWidth), titleWidth) + "  " + item.detail)
            }
            if let fix = item.fix, item.status == .fail || item.status == .warn {
                let fixLines =
                    terminal.width.map { TextWrap.lines("fix: \(fix)", width: $0, indent: indent + "     ") }
                    ?? ["fix: \(fix)"]
                lines.append(indent + terminal.paint(fixLines[0], .dim))
                lines += fixLines.dropFirst().map { terminal.paint($0, .dim) }
            }
        }
        lines.append("")
        lines.append(summary())
        if !report.gate.allowed {
            lines.append(
                terminal.paint("TESTNET gate: REFUSED. No run may start; see the testnet item above.", .boldRed))
        }
        return lines.joined(separator: "\n")
    }

    func summary() -> String {
        var parts = ["\(report.count(.pass)) passed", "\(report.count(.fail)) failed"]
        if report.count(.warn) > 0 { parts.append("\(report.count(.warn)) warned") }
        if report.count(.skip) > 0 { parts.append("\(report.count(.skip)) not checked") }
        let verdict = report.ok ? terminal.paint("ready", .green) : terminal.paint("NOT READY", .red)
        return "\(verdict): " + parts.joined(separator: ", ") + String(format: " in %.0f ms", report.durationMS)
    }

    /// `--quiet`: one line per failure, nothing else.
    func failures() -> [String] {
        report.items.filter { $0.status == .fail }.map {
            "FAIL \($0.id): \($0.detail)" + ($0.fix.map { " (fix: \($0))" } ?? "")
        }
    }

    func json() throws -> String {
        let document = VerifyEnvDocument(report: report)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }

    private func paintStatus(_ text: String, _ status: CheckStatus) -> String {
        switch status {
        case .pass: terminal.paint(text, .green)
        case .fail: terminal.paint(text, .red)
        case .warn: terminal.paint(text, .yellow)
        case .skip: terminal.paint(text, .dim)
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private func shorten(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }
}

/// The stable JSON shape of `verify-env --json` (documented in the README).
struct VerifyEnvDocument: Encodable {
    struct Gate: Encodable {
        var status: String
        var reasons: [String]
        var hosts: [String: String]
    }

    struct Summary: Encodable {
        var pass: Int, fail: Int, warn: Int, skip: Int
    }

    var schema = "hedgeops.verify-env/1"
    var checklist: String
    var ok: Bool
    var exitCode: Int32
    var testnetGate: Gate
    var items: [CheckResult]
    var summary: Summary
    var durationMS: Double

    enum CodingKeys: String, CodingKey {
        case schema, checklist, ok, items, summary
        case exitCode = "exit_code"
        case testnetGate = "testnet_gate"
        case durationMS = "duration_ms"
    }

    init(report: PreflightReport) {
        checklist = report.checklist
        ok = report.ok
        exitCode = report.exitCode
        testnetGate = Gate(
            status: report.gate.allowed ? "pass" : "refused", reasons: report.gate.refusals, hosts: report.gate.hosts)
        items = report.items
        summary = Summary(
            pass: report.count(.pass), fail: report.count(.fail), warn: report.count(.warn), skip: report.count(.skip))
        durationMS = report.durationMS
    }
}
