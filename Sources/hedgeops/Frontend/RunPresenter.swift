import Foundation
import HedgeOpsKit

/// What `hedgeops run` prints as the run goes: one line per checkpoint, a
/// warning as soon as a projection crosses the threshold, the verdict.
final class RunPresenter: @unchecked Sendable {
    let terminal: Terminal
    let timeScale: Double
    let durationHours: Double

    /// Between checkpoints: a line redrawn every second on a terminal, a
    /// plain line every so many seconds otherwise (a log file), or nothing.
    enum Progress {
        case live
        case every(Double)
        case none
    }

    let progress: Progress
    /// Touched only on `output`: whether the live line is on the screen now.
    private var liveLineShown = false

    init(terminal: Terminal, timeScale: Double, durationHours: Double, progress: Progress = .none) {
        self.terminal = terminal
        self.timeScale = timeScale
        self.durationHours = durationHours
        self.progress = progress
    }

    /// Shows the run's progress between checkpoints, from the supervisor's
    /// latest figures, until the run ends.
    func follow(_ supervisor: RunSupervisor, checkpoints: [Double]) {
        let interval: Double
        switch progress {
        case .none: return
        case .live: interval = 1
        case .every(let seconds): interval = seconds
        }
        output.repeatEvery(interval) { [weak self, weak supervisor] in
            guard let self, let supervisor else { return }
            // The latest sample's hour: read under the supervisor's lock, never its run state.
            let live = supervisor.live
            let elapsed = live?.hour ?? 0
            let line = ProgressLine(
                elapsedHours: elapsed, plannedHours: self.durationHours, live: live,
                nextCheckpointHour: checkpoints.first { $0 > elapsed + 1e-6 })
            if case .live = self.progress {
                self.write("\r\u{1B}[K" + line.text(width: self.terminal.width.map { $0 - 1 }))
                self.liveLineShown = true
            } else {
                self.terminal.out("progress: " + line.text())
            }
        }
    }

    /// Removes the live line before anything else is printed.
    private func clearLiveLine() {
        guard liveLineShown else { return }
        write("\r\u{1B}[K")
        liveLineShown = false
    }

    private func write(_ text: String) {
        try? FileHandle.standardOutput.write(contentsOf: Data(ScreenRedaction.current.redact(text).utf8))
    }

    func preflight(_ report: PreflightReport) {
        let presenter = PreflightPresenter(report: report, terminal: terminal)
        if report.ok {
            terminal.out("pre-flight: " + presenter.summary())
        } else {
            terminal.out(presenter.table(title: "pre-flight", heading: "pre-flight"))
        }
    }

    /// Terminal output runs on its own queue: a terminal paused with Ctrl-S
    /// (or a stalled pipe) must never hold up sampling.
    private let output = OutputThread(name: "hedgeops-output")

    func show(_ event: RunEvent) {
        output.async { self.render(event) }
    }

    /// Prints a line from another thread, in order with the events.
    /// (Redrawing libedit's prompt from this thread proved unsafe: it broke
    /// Ctrl-C at the prompt. Output may land after a prompt for now.)
    func note(_ text: String) {
        output.async {
            self.clearLiveLine()
            self.terminal.out(text)
        }
    }

    /// Waits until everything shown so far is written (before exit), the live line gone.
    func flush() {
        output.sync {
            self.output.stopTicking()
            self.clearLiveLine()
        }
    }

    private func render(_ event: RunEvent) {
        clearLiveLine()
        switch event {
        case .started(let runID, let folder, let pid, let command):
            terminal.out("run \(runID) started: \(folder)")
            terminal.out("  executor pid \(pid): \(command)")
            if timeScale != 1 {
                terminal.out(
                    String(
                        format: "  time scale %@: one hour lasts %.1f s; planned %@ h",
                        CheckpointLine.formatted(timeScale),
                        3600 / timeScale, CheckpointLine.formatted(durationHours)))
            }
        case .checkpoint(let record, let baseline, let ratio):
            let line = CheckpointLine(
                record: record, baselineMB: baseline, leakRatio: ratio, durationHours: durationHours, terminal: terminal
            )
            line.lines(width: terminal.layoutWidth).forEach { terminal.out($0) }
            if let witness = record.witness { terminal.out("     " + witness.summary) }
        case .warning(let message):
            terminal.error(terminal.paint("warning: \(message)", .yellow))
        case .ended(let detail):
            output.stopTicking()
            terminal.out("ended: \(detail)")
        case .hourlyDue(let due):
            // Nobody answers hourly items in `run`: they are recorded as not confirmed. A miss is said at once.
            for item in due.items where item.met == false {
                terminal.error(
                    terminal.paint(
                        "warning: h\(CheckpointLine.formatted(due.hour)) \(item.title): \(item.measured) (\(item.expectation ?? "not as expected"))",
                        .yellow))
            }
        case .finished(let verdict, let criteria, let path):
            output.stopTicking()
            VerdictTable(criteria: criteria, terminal: terminal).lines(width: terminal.layoutWidth).forEach {
                terminal.out($0)
            }
            let painted = verdict == "PASS" ? terminal.paint(verdict, .green) : terminal.paint(verdict, .boldRed)
            let rehearsal = TimeScale.rehearsalLabel(timeScale: timeScale, plannedSeconds: durationHours * 3600)
            terminal.out("VERDICT: \(painted)" + (rehearsal.map { " (\($0))" } ?? ""))
            terminal.out("results: \(path)")
        }
    }
}
