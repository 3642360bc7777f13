import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops report RUN`: the results sheet, chart, samples or JSON.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "Render a run's results: the checklist's results sheet filled in (Markdown), the memory chart (SVG), samples (CSV), JSON.",
        discussion: """
            Without --format, writes report.md and memory.svg into the run folder and prints their paths.

            Examples:
              hedgeops report 20261129T031500-3f2a
              hedgeops report 20261129T031500-3f2a --format md | less
              hedgeops report 20261129T031500-3f2a --format svg --out memory.svg
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case md, json, csv, svg }

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Run id or folder (default: the newest run).", valueName: "run"))
    var target: String?

    @Option(help: "md, json, csv or svg, to stdout or --out.")
    var format: Format?

    @Option(help: ArgumentHelp("Write to this file instead of stdout.", valueName: "path"))
    var out: String?

    func run() throws {
        let terminal = Terminal()
        let folder = try global.runFolder(target, terminal: terminal)
        let record: RunRecord
        do {
            record = try RunRecord(folder: folder)
        } catch {
            terminal.error("error: \(error)")
            throw ExitCode(ExitCode.usage)
        }
        let ratio = record.checklist?.monitoring.leakRatio ?? 1.5
        guard let format else {
            try Self.writeFiles(record, folder: folder).forEach { terminal.out($0) }
            return
        }
        let text: String
        switch format {
        case .md: text = ReportRenderer.markdown(record)
        case .svg: text = MemoryChart.svg(record, leakRatio: ratio)
        case .json: text = (try? String(contentsOfFile: folder + "/results.json", encoding: .utf8)) ?? ""
        case .csv: text = (try? String(contentsOfFile: folder + "/samples.csv", encoding: .utf8)) ?? ""
        }
        if let out {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out))
            terminal.out(out)
        } else {
            try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
        }
    }

    /// report.md and memory.svg in the run folder; their paths.
    static func writeFiles(_ record: RunRecord, folder: String) throws -> [String] {
        let ratio = record.checklist?.monitoring.leakRatio ?? 1.5
        let files = [
            ("report.md", ReportRenderer.markdown(record)), ("memory.svg", MemoryChart.svg(record, leakRatio: ratio)),
        ]
        for (name, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        return files.map { folder + "/" + $0.0 }
    }
}
