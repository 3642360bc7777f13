import ArgumentParser
import Foundation
import HedgeOpsKit

/// `hedgeops status [RUN]`: a run's progress from its journal.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a run's progress: live from its supervisor when one is alive, else from its journal.",
        discussion: """
            Phase, who supervises it and since when, how many sessions are attached, elapsed and remaining \
            time, latest memory and CPU, counters, checkpoints so far and the projected verdict. The \
            figures come from the run's supervisor over its control socket when it is alive; otherwise from \
            the journal, whose hash chain is checked (the first line that differs is named).

            Examples:
              hedgeops status                       # the newest run in data/runs
              hedgeops status 20261129T031500-3f2a
              hedgeops status --json | jq .phase
              hedgeops status --data-dir /srv/a/data --data-dir /srv/b/data   # every run, one table

            Exit codes: 0 shown, 1 the journal's chain is broken, 2 no such run.
            """
    )

    @OptionGroup var global: StatusLocation

    @Argument(help: ArgumentHelp("Run id or folder (default: the newest run).", valueName: "run"))
    var target: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let terminal = Terminal()
        let directories = global.dataDirectories
        if directories.count > 1 && target == nil { return try fleet(directories, json: json, terminal: terminal) }
        let folder = try global.runFolder(target, terminal: terminal)
        let status: RunStatus
        do {
            let checklist = try? ChecklistLoader.load(path: folder + "/checklist.yaml")
            status = try RunStatus(folder: folder, checklist: checklist)
        } catch {
            terminal.error("error: \(folder): \(error)")
            throw ExitCode(ExitCode.usage)
        }
        // The supervisor, when alive, says it itself: a supervised run is never called unsupervised.
        let live = ControlClient.connect(folder: folder)?.status()
        if json {
            var object = document(status)
            if case .object(var fields) = object {
                fields["supervisor"] = live.map(Self.supervisorJSON) ?? .null
                if let live {
                    fields["phase"] = .string(RunStatus.Phase.running.rawValue)
                    fields["elapsed_h"] = .double(live.elapsedHours)
                    fields["rss_mb"] = .from(live.live?.rssMB)
                    fields["cpu_pct"] = .from(live.live?.cpuPercent)
                }
                object = .object(fields)
            }
            terminal.out(object.serialized)
        } else {
            present(status, live: live, terminal)
        }
        if status.journalProblem != nil { throw ExitCode(ExitCode.failed) }
    }

    private func document(_ status: RunStatus) -> JSONValue {
        [
            "run_id": .string(status.runID), "folder": .string(status.folder), "phase": .string(status.phase.rawValue),
            "verdict": .from(status.verdict), "elapsed_h": .from(status.elapsedHours),
            "planned_h": .double(status.plannedHours),
            "time_scale": .double(status.timeScale), "rss_mb": .from(status.rssMB), "cpu_pct": .from(status.cpuPercent),
            "counts": .object(status.counts.mapValues { .int($0) }),
            "checkpoints": .array(status.checkpoints.map(\.json)),
            "projected_verdict": .from(status.projectedVerdict),
            "projected_failures": .array(status.projectedFailures.map { .string($0) }),
            "journal_problem": .from(status.journalProblem), "torn_line": .from(status.tornLine),
            "warnings": .array(status.warnings.map { .string($0) }),
        ]
    }

    static func supervisorJSON(_ live: SupervisorStatus) -> JSONValue {
        [
            "pid": .int(Int(live.supervisorPID)), "since": .string(live.supervisingSince),
            "clients": .int(live.clients), "executor_pid": .from(live.executorPID.map(Int.init)),
            "pending_hour": .from(live.pendingHour),
        ]
    }

    private func present(_ status: RunStatus, live: SupervisorStatus?, _ terminal: Terminal) {
        let phase = live == nil ? describe(status.phase) : "running"
        terminal.out("run \(status.runID): \(phase)\(status.verdict.map { ", verdict \($0)" } ?? "")")
        terminal.out("  folder \(status.folder)")
        if let live {
            let clients = live.clients == 1 ? "1 session attached" : "\(live.clients) sessions attached"
            terminal.out(
                "  supervised by hedgeops pid \(live.supervisorPID) since \(live.supervisingSince); \(clients)")
            if let hour = live.pendingHour {
                terminal.out("  hour \(formatNumber(hour))'s items wait for an answer: hedgeops attach")
            }
        }
        if let elapsed = live?.elapsedHours ?? status.elapsedHours {
            terminal.out(
                String(
                    format: "  elapsed %.2f h of %.0f h, %.2f h remaining%@", elapsed, status.plannedHours,
                    max(0, status.plannedHours - elapsed),
                    status.timeScale == 1 ? "" : " (time scale \(status.timeScale))"))
        }
        if let rss = live?.live?.rssMB ?? status.rssMB {
            let cpu = live?.live?.cpuPercent ?? status.cpuPercent
            terminal.out(
                String(format: "  latest: rss %.1f MB, cpu %@", rss, cpu.map { String(format: "%.1f %%", $0) } ?? "-"))
        }
        let shown = ["orders_placed", "orders_modified", "errors", "ws_reconnects", "error_lock"]
        terminal.out("  counts: " + shown.map { "\($0) \(status.counts[$0] ?? 0)" }.joined(separator: ", "))
        for checkpoint in status.checkpoints {
            let value = checkpoint.rssMB.map { String(format: "%.1f MB", $0) } ?? "-"
            terminal.out(
                "  h\(formatNumber(checkpoint.hour)) \(checkpoint.label): \(value)\(checkpoint.missed ? " (missed)" : "")"
            )
        }
        if let projected = status.projectedVerdict {
            terminal.out(
                "  projected verdict: \(projected)\(status.projectedFailures.isEmpty ? "" : " (\(status.projectedFailures.joined(separator: ", ")))")"
            )
        }
        for warning in status.warnings.suffix(3) { terminal.out("  warning: \(warning)") }
        if let problem = status.journalProblem {
            terminal.error(terminal.paint("journal: \(problem)", .boldRed))
        }
        if let torn = status.tornLine {
            terminal.out("  journal: line \(torn) is torn (a crash mid-write); resume sets it aside")
        }
    }

    private func describe(_ phase: RunStatus.Phase) -> String {
        switch phase {
        case .running: "running"
        case .unsupervised: "running UNSUPERVISED (its supervisor is gone): hedgeops resume adopts it"
        case .executorGone: "the executor is GONE and hedgeops is not attached: hedgeops resume to record it"
        case .finished: "finished"
        case .notLaunched: "not launched"
        }
    }
}
