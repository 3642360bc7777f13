import ArgumentParser
import Foundation
import HedgeOpsKit

/// Where `status` looks: like every command's `--data-dir`, but repeatable
/// and globbed, so one host's runs fit in one table.
struct StatusLocation: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Not needed: status reads the checklist copy in each run folder.", valueName: "path"))
    var checklist: String?

    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "Where runs are recorded (default data). Repeat it, or give a quoted glob ('/srv/*/data'), "
                + "for one table of every run in them.", valueName: "path"))
    var dataDirs: [String] = []

    /// The data directories named, each glob expanded (a glob that matches
    /// nothing is kept as given), each once.
    var dataDirectories: [String] {
        let named = dataDirs.isEmpty ? ["data"] : dataDirs
        var seen = Set<String>()
        return named.flatMap { pattern -> [String] in
            guard pattern.contains(where: { "*?[".contains($0) }) else { return [pattern] }
            let matches = Self.glob(pattern)
            return matches.isEmpty ? [pattern] : matches
        }.filter { seen.insert(URL(fileURLWithPath: $0).standardizedFileURL.path).inserted }
    }

    /// With one data directory, the run named (id or folder), else its newest; exits 2 when there is none.
    func runFolder(_ target: String?, terminal: Terminal) throws -> String {
        let dataDir = dataDirectories.last ?? "data"
        guard
            let folder = target.map({ RunStatus.folder(for: $0, dataDirectory: dataDir) })
                ?? RunStatus.newestRun(dataDirectory: dataDir)
        else {
            terminal.error("error: no runs in \(dataDir)/runs; start one with hedgeops run")
            throw ExitCode(ExitCode.usage)
        }
        return folder
    }

    static func glob(_ pattern: String) -> [String] {
        var found = glob_t()
        defer { globfree(&found) }
        guard Glibc.glob(pattern, 0, nil, &found) == 0 else { return [] }
        return (0..<Int(found.gl_pathc)).compactMap { index in found.gl_pathv[index].map { String(cString: $0) } }
    }
}

/// One row of the fleet table: a run and where it stands.
struct FleetRow {
    var dataDirectory: String
    var status: RunStatus
    var live: SupervisorStatus?

    var phase: String { live == nil ? status.phase.rawValue : RunStatus.Phase.running.rawValue }
    var elapsed: Double? { live?.elapsedHours ?? status.elapsedHours }
    var rssMB: Double? { live?.live?.rssMB ?? status.rssMB }
    var counts: [String: Int] { live?.live?.counts ?? status.counts }
    /// The verdict, else the projected one in lower case.
    var verdict: String { status.verdict ?? status.projectedVerdict.map { "(\($0.lowercased()))" } ?? "-" }

    var json: JSONValue {
        [
            "data_dir": .string(dataDirectory), "run_id": .string(status.runID), "folder": .string(status.folder),
            "phase": .string(phase), "elapsed_h": .from(elapsed), "planned_h": .double(status.plannedHours),
            "time_scale": .double(status.timeScale), "rss_mb": .from(rssMB),
            "ws_reconnects": .int(counts[CriteriaEvaluator.reconnectsPattern] ?? 0),
            "errors": .int(counts[CriteriaEvaluator.errorsPattern] ?? 0), "verdict": .from(status.verdict),
            "projected_verdict": .from(status.projectedVerdict), "journal_problem": .from(status.journalProblem),
        ]
    }
}

extension StatusCommand {
    /// Every run in every data directory, in one table (or one JSON array).
    /// Live figures come from each running run's supervisor.
    func fleet(_ directories: [String], json: Bool, terminal: Terminal) throws {
        var rows: [FleetRow] = []
        for directory in directories {
            let runs = directory + "/runs"
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? [])
                .filter { !$0.hasPrefix(".") }.sorted()
            for name in names {
                let folder = runs + "/" + name
                let checklist = try? ChecklistLoader.load(path: folder + "/checklist.yaml")
                guard let status = try? RunStatus(folder: folder, checklist: checklist) else { continue }
                let live = status.phase == .running ? ControlClient.connect(folder: folder)?.status() : nil
                rows.append(FleetRow(dataDirectory: directory, status: status, live: live))
            }
        }
        if json {
            terminal.out(JSONValue.array(rows.map(\.json)).serialized)
        } else if rows.isEmpty {
            terminal.out("no runs in \(directories.map { $0 + "/runs" }.joined(separator: ", "))")
        } else {
            let header = ["DATA DIR", "RUN", "PHASE", "ELAPSED", "RSS", "RECONNECTS", "ERRORS", "VERDICT"]
            let table = rows.map { row in
                [
                    row.dataDirectory, row.status.runID, row.phase,
                    row.elapsed.map { String(format: "%.2f/%@ h", $0, formatNumber(row.status.plannedHours)) } ?? "-",
                    row.rssMB.map { String(format: "%.1f MB", $0) } ?? "-",
                    String(row.counts[CriteriaEvaluator.reconnectsPattern] ?? 0),
                    String(row.counts[CriteriaEvaluator.errorsPattern] ?? 0), row.verdict,
                ]
            }
            let widths = header.indices.map { column in ([header] + table).map { $0[column].count }.max() ?? 0 }
            for line in [header] + table {
                terminal.out(
                    zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                        .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
        }
        if rows.contains(where: { $0.status.journalProblem != nil }) { throw ExitCode(ExitCode.failed) }
    }
}
