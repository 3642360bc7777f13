import Foundation

/// The supervisor as a server: every client (the guided session, `status`,
/// `attach`, in another process or another terminal) sees the same events,
/// and every answer it gives is journalled here, in order, before it is
/// acknowledged. A client that goes away takes nothing with it.
extension RunSupervisor {
    /// Tells the caller's presenter and every subscribed client.
    func emit(_ event: RunEvent) {
        present(event)
        guard let control else { return }
        switch event {
        case .started: break
        case .checkpoint(let record, let baseline, let ratio):
            control.broadcast(.checkpoint(record, baselineMB: baseline, leakRatio: ratio))
        case .warning(let message): control.broadcast(.warning(message))
        case .ended(let detail): control.broadcast(.ended(detail))
        case .finished(let verdict, _, let path): control.broadcast(.verdict(verdict, resultsPath: path))
        case .hourlyDue(let due): control.broadcast(.hourlyDue(hour: due.hour, items: due.items))
        }
    }

    /// Opens the control socket in the run folder; a failure is said and
    /// the run goes on without clients.
    func startControl() {
        supervisingSince = Date()
        do {
            control = try ControlServer(folder: folder) { [weak self] request in
                self?.handle(request) ?? .refused("the supervisor is shutting down")
            }
        } catch {
            emit(.warning("no control socket (status and attach will read the journal instead): \(error)"))
        }
    }

    func stopControl() {
        control?.close()
        control = nil
    }

    /// The live figures to every client, at most twice a second.
    func broadcastSample(_ figures: LiveFigures) {
        let now = RunClock.monotonic()
        guard let control, now - lastSampleBroadcast >= 0.5 else { return }
        lastSampleBroadcast = now
        control.broadcast(.sample(figures))
    }

    public var status: SupervisorStatus {
        let pending = reviewLock.withLock { review.pending?.hour }
        return SupervisorStatus(
            runID: runID, folder: folder, supervisorPID: getpid(),
            supervisingSince: Timestamp.rfc3339(supervisingSince), executorPID: childPID == 0 ? nil : childPID,
            elapsedHours: elapsedHours, plannedHours: run.duration / 3600, timeScale: scale, live: live,
            clients: control?.clientCount ?? 0,
            pendingHour: pending, verdict: verdictReached)
    }

    func handle(_ request: ControlRequest) -> ControlResponse {
        switch request {
        case .status: return .status(status)
        case .subscribe: return .ok("subscribed")
        case .note(let text):
            guard !text.isEmpty else { return .refused("usage: note TEXT") }
            let note = JournalEvent.note(.init(text: text))
            record(note)
            control?.broadcast(.recorded(note))
            return .ok("noted")
        case .answerHour(let flag, let item):
            return answerHour(flag: flag, item: item)
        case .record(let event):
            guard event.isClientRecord else { return .refused("'\(event.type)' is not for a client") }
            record(event)
            control?.broadcast(.recorded(event))
            return .ok("recorded")
        case .abort(let reason):
            requestStop(reason)
            return .ok("stopping the run")
        }
    }

    /// A checkpoint was recorded: the hour left unanswered is journalled as
    /// such, and the new hour is put to every client.
    func reviewCheckpoint(_ record: CheckpointRecord) {
        let (due, unanswered) = reviewLock.withLock { review.checkpoint(record) }
        if let unanswered { recordHour(unanswered, answer: HourlyReview.unconfirmed, flaggedItem: nil) }
        if let due { emit(.hourlyDue(due)) }
    }

    /// The run ended: an hour still waiting is journalled as not confirmed.
    func reviewEnd() {
        if let unanswered = reviewLock.withLock({ review.end() }) {
            recordHour(unanswered, answer: HourlyReview.unconfirmed, flaggedItem: nil)
        }
    }

    /// An operator's answer: confirmed, or flagged (one item, or the hour as a whole).
    public func answerHour(flag: String?, item: String?) -> ControlResponse {
        if let item, !review.items.contains(where: { $0.id == item }) {
            return .refused("no hourly item '\(item)' (\(review.items.map(\.id).joined(separator: ", ")))")
        }
        guard let due = reviewLock.withLock({ review.answer() }) else { return .refused("no hourly items are waiting") }
        let answer = flag.map { "flagged: \($0)" } ?? "confirmed by operator"
        for event in recordHour(due, answer: answer, flaggedItem: flag == nil ? nil : item) {
            control?.broadcast(.recorded(event))
        }
        let hour = formatNumber(due.hour)
        if flag != nil, let item { return .ok("hour \(hour): \(item) flagged, the others confirmed (recorded)") }
        return .ok("hour \(hour) \(flag == nil ? "confirmed" : "flagged") (recorded)")
    }

    /// One `hourly` event per item, with the figure put to the operator. A
    /// flag that names one item leaves the others confirmed; one that names
    /// none is the hour's, so every item carries it.
    @discardableResult
    func recordHour(_ due: HourlyReview.Due, answer: String, flaggedItem: String?) -> [JournalEvent] {
        due.items.map { item in
            var itemAnswer = answer
            if let flaggedItem, flaggedItem != item.id { itemAnswer = "confirmed by operator" }
            let event = JournalEvent.hourly(
                .init(
                    hour: due.hour, id: item.id, measured: item.measured, answer: itemAnswer, met: item.met,
                    expectation: item.expectation))
            appendEvent(event, durable: true)
            return event
        }
    }
}
