import Foundation

/// The run's supervisor as a process of its own: the guided session prepares
/// the run (pre-flight, answers, parameters) and hands it over, with the data
/// directory's lock, to `hedgeops supervise`, which launches and watches it
/// in a session of its own. Closing, detaching or killing the session then
/// never stops the sampling.
extension RunSupervisor {
    /// Takes over a run prepared by another hedgeops process (the session):
    /// its journal is continued where that process left it, and this
    /// process is recorded as the run's supervisor before anything else.
    public func continuePrepared(folder: String) throws {
        let path = folder + "/journal.jsonl"
        let reader = try JournalReader(path: path)
        if let problem = reader.problem { throw JournalError("\(path): \(problem): cannot take the run over") }
        guard
            let session = reader.events.lazy.compactMap({ if case .session(let value) = $0 { value } else { nil } })
                .first
        else {
            throw JournalError("\(path): no session event: not a prepared run")
        }
        guard !reader.events.contains(where: { if case .launch = $0 { true } else { false } }) else {
            throw JournalError("\(path): the run was launched already: hedgeops resume adopts it")
        }
        let journal = try Journal(
            continuing: path, lastLineHash: reader.lastLineHash, lastSequence: reader.lastSequence)
        journal.redactor = redactor
        self.journal = journal
        self.folder = folder
        runID = session.runID
        appendEvent(.supervisor(.current), durable: true)
    }

    /// Stops writing the journal, so that the supervisor process can continue it.
    public func handOver() {
        journal?.sync()
        journal = nil
    }
}
