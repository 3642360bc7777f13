import Foundation

/// What a client asks of a run's supervisor over its control socket.
///
/// One JSON object a line each way. Clients (the guided session, `status`,
/// `attach`) never write the run folder: every answer goes through the
/// supervisor, the only writer, into the journal before it is acknowledged.
public enum ControlRequest: Codable, Sendable, Equatable {
    /// The live figures and who supervises.
    case status
    /// Stream events from now on (the connection stays open).
    case subscribe
    /// An operator's note for the journal.
    case note(String)
    /// Answers the hourly items waiting: confirmed, or flagged with a reason,
    /// for one item (by id) or for the hour as a whole.
    case answerHour(flag: String?, item: String?)
    /// Something the client did that belongs in the record (`recheck`,
    /// `detach`, `attach`): only events whose ``JournalEvent/isClientRecord`` holds.
    case record(JournalEvent)
    /// Stops the run gracefully, as a typed `abort` in the session does.
    case abort(reason: String)
}

/// The supervisor's answer to one request.
public enum ControlResponse: Codable, Sendable, Equatable {
    case ok(String)
    case status(SupervisorStatus)
    case refused(String)
}

/// A running supervisor as a client sees it.
public struct SupervisorStatus: Codable, Sendable, Equatable {
    public var runID: String
    public var folder: String
    public var supervisorPID: Int32
    /// When this supervisor took the run (launch or resume), UTC RFC 3339.
    public var supervisingSince: String
    public var executorPID: Int32?
    public var elapsedHours: Double
    public var plannedHours: Double
    public var timeScale: Double
    public var live: LiveFigures?
    public var clients: Int
    /// The hour whose hourly items wait for an answer, if any.
    public var pendingHour: Double?
    public var verdict: String?

    public init(
        runID: String, folder: String, supervisorPID: Int32, supervisingSince: String, executorPID: Int32?,
        elapsedHours: Double, plannedHours: Double, timeScale: Double = 1, live: LiveFigures?, clients: Int,
        pendingHour: Double?, verdict: String?
    ) {
        self.runID = runID
        self.folder = folder
        self.supervisorPID = supervisorPID
        self.supervisingSince = supervisingSince
        self.executorPID = executorPID
        self.elapsedHours = elapsedHours
        self.plannedHours = plannedHours
        self.timeScale = timeScale
        self.live = live
        self.clients = clients
        self.pendingHour = pendingHour
        self.verdict = verdict
    }
}

/// What the supervisor tells every subscribed client, as it happens.
public enum ControlEvent: Codable, Sendable, Equatable {
    case sample(LiveFigures)
    /// A checkpoint as journalled.
    case checkpoint(CheckpointRecord, baselineMB: Double?, leakRatio: Double)
    case warning(String)
    /// Hourly items to answer, each with the figure measured for it at the checkpoint.
    case hourlyDue(hour: Double, items: [HourlyItemDue])
    /// What a client recorded (a note, an hour's answer, a detach), as
    /// journalled, so the other clients see it too.
    case recorded(JournalEvent)
    case ended(String)
    case verdict(String, resultsPath: String)
}

/// One hourly item put to the operator, with the figure measured for it at
/// the checkpoint and whether it met the checklist's `expect`/`max`.
public struct HourlyItemDue: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var measured: String
    /// nil when the item states no expectation.
    public var met: Bool?
    public var expectation: String?

    public init(id: String, title: String, measured: String, met: Bool? = nil, expectation: String? = nil) {
        self.id = id
        self.title = title
        self.measured = measured
        self.met = met
        self.expectation = expectation
    }
}

/// One message from the supervisor: the answer to a request, or an event.
public enum ControlMessage: Codable, Sendable, Equatable {
    case response(ControlResponse)
    case event(ControlEvent)
}

/// Lines of JSON on a socket: one encoder and decoder for both ends.
enum ControlCoding {
    static func line<T: Encodable>(_ value: T) -> [UInt8]? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var data = try? encoder.encode(value) else { return nil }
        data.append(0x0A)
        return Array(data)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ line: some Collection<UInt8>) -> T? {
        try? JSONDecoder().decode(type, from: Data(line))
    }
}
