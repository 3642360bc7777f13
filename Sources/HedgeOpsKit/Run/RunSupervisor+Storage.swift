import Foundation

/// The run folder's files when the disk refuses writes (full, read-only,
/// immutable, I/O error): the operator is told at once and again when
/// writes work; the journal and samples.csv hold what they cannot write
/// and are retried; sampling and the executor's supervision never stop.
extension RunSupervisor {
    /// Says once per outage and file that the file refuses writes.
    func storageFailed(_ file: String, _ message: String) {
        let first = storageLock.withLock { failingFiles.updateValue(message, forKey: file) == nil }
        if first { emit(.warning(message)) }
    }

    /// Says that a file takes writes again, if it had refused them.
    func storageRecovered(_ file: String, _ message: String) {
        let wasFailing = storageLock.withLock { failingFiles.removeValue(forKey: file) != nil }
        if wasFailing { emit(.warning(message)) }
    }

    func journalRefused(_ held: JournalHeld) {
        storageFailed(
            "journal.jsonl",
            "JOURNAL WRITE FAILED: cannot write \(held.path): \(held.outage.reason). The run goes on: hedgeops "
                + "keeps sampling and holds events in memory (checkpoints, answers and the verdict always; the "
                + "latest samples and log lines), retries every second, and writes them in order as soon as "
                + "the disk accepts them. Free space in \(folder), or make it writable.")
    }

    /// After a write went through: did the journal's outage just end?
    func noteJournalRecovery() {
        guard let outage = journal?.takeFinishedOutage() else { return }
        storageRecovered("journal.jsonl", "journal writes work again: " + Self.summary(outage, of: "events"))
    }

    /// After a samples.csv row: tell the operator when it starts or stops refusing.
    func noteSamplesFile() {
        guard let samplesFile else { return }
        if let outage = samplesFile.outage {
            storageFailed(
                "samples.csv",
                "cannot write \(samplesFile.path): \(outage.reason); the latest rows are held in memory and "
                    + "written when the disk accepts them (every sample is also in the journal)")
        } else if let outage = samplesFile.takeFinishedOutage() {
            appendEvent(.writeGap(outage.record(file: "samples.csv")), durable: true)
            storageRecovered("samples.csv", "samples.csv writes work again: " + Self.summary(outage, of: "rows"))
        }
    }

    /// Retries what the disk refused; the writers space their own retries.
    func retryStorage(force: Bool = false) {
        if let journal, journal.outage != nil {
            journal.retryHeld(force: force)
            noteJournalRecovery()
        } else if storageLock.withLock({ failingFiles["journal.jsonl"] != nil }) {
            // Another thread's append ended the outage before this one said it began.
            storageRecovered("journal.jsonl", "journal writes work again; the gap is recorded in the journal")
        }
        if let samplesFile, samplesFile.outage != nil {
            samplesFile.retry(force: force)
            noteSamplesFile()
        }
    }

    /// After the verdict: waits until `deadline` for the disk to take what
    /// the journal and samples.csv hold; true when nothing is held any more.
    func awaitStorage(until deadline: Double) -> Bool {
        retryStorage(force: true)
        var told = false
        while let held = heldStorage {
            if !told {
                told = true
                emit(
                    .warning(
                        "the run has ended, but \(held) held in memory cannot be written yet: "
                            + "\(storageReason). Free space in \(folder): hedgeops retries every second for "
                            + "\(formatNumber(max(0, deadline - RunClock.monotonic()).rounded())) s"))
            }
            guard RunClock.monotonic() < deadline else { return false }
            RunClock.sleep(until: min(deadline, RunClock.monotonic() + 1))
            retryStorage(force: true)
        }
        return true
    }

    /// What is still held, in words, or nil.
    private var heldStorage: String? {
        let events = journal?.heldCount ?? 0
        let rows = samplesFile?.heldCount ?? 0
        guard events + rows > 0 else { return nil }
        return [events > 0 ? "\(events) journal event(s)" : nil, rows > 0 ? "\(rows) samples.csv row(s)" : nil]
            .compactMap { $0 }.joined(separator: " and ")
    }

    private var storageReason: String {
        journal?.outage?.reason ?? samplesFile?.outage?.reason ?? "the disk refuses writes"
    }

    /// The disk never took what was held: say exactly what is missing.
    func reportUnwritten() {
        guard let held = heldStorage else { return }
        emit(
            .warning(
                "THE RECORD IS INCOMPLETE: \(held) could not be written to \(folder) (\(storageReason)); "
                    + "the verdict shown here is not in the journal"))
    }

    /// results.json is rewritten at every checkpoint, atomically (a new
    /// file, synced, then renamed), so a crash still leaves whole results.
    @discardableResult
    func writeResults(_ document: RunResultsDocument) -> Bool {
        let path = folder + "/results.json"
        let temporary = path + ".tmp"
        unlink(temporary)
        do {
            let file = try LineAppender(path: temporary, exclusive: true)
            try file.append(Array((document.json.serialized + "\n").utf8))
            try file.sync()
        } catch {
            unlink(temporary)
            storageFailed(
                "results.json",
                "cannot write \(path): \(error.reason); it is written again at the next checkpoint and at the end")
            return false
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            storageFailed("results.json", "cannot replace \(path): \(reason)")
            return false
        }
        storageRecovered("results.json", "\(path) written again")
        return true
    }

    static func summary(_ outage: WriteOutage, of things: String) -> String {
        var text = String(
            format: "%d %@ held in memory for %.0f s were written", outage.heldCount, things,
            (outage.until ?? Date()).timeIntervalSince(outage.since))
        if outage.droppedCount > 0 { text += " (\(outage.droppedCount) dropped: memory is bounded)" }
        return text + "; the gap is recorded in the journal (write_gap)"
    }
}
