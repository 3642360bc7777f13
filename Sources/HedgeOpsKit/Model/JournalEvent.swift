import Foundation

/// One event of a run's journal, typed: what the supervisor, the guided
/// session and the clients record, and what every reader (status, resume,
/// attach, report, export, the session's views) reads back. The control
/// socket carries the same values.
///
/// On disk an event is one JSON object: its payload's fields beside `type`,
/// plus the journal's own `seq`, `at` and `prev` (see ``JournalEntry``). An
/// event type this version does not know is kept as ``other(type:fields:)``,
/// so a newer journal is still read, never rejected or rewritten.
public enum JournalEvent: Sendable, Equatable {
    case session(Session)
    case check(Check)
    case testnetGate(TestnetGateDecision)
    case testnetGateRefused(TestnetGateRefusal)
    case answer(Answer)
    case parameters(Parameters)
    case parameterSet(ParameterSet)
    case launchConfirmed(LaunchConfirmed)
    case launch(Launch)
    case sample(Sample)
    case log(LogLine)
    case checkpoint(CheckpointRecorded)
    case hourly(Hourly)
    case warning(Warning)
    case silence(Silence)
    case logResumed
    case stop(Stop)
    case exit(Exit)
    case verdict(Verdict)
    case aborted(Aborted)
    case notified(Notification)
    case notifyFailed(Notification)
    case notifyRefused(Notification)
    case notifyPending(Notification)
    case supervisor(Supervisor)
    case resume(Resume)
    case tornLine(TornLine)
    case writeGap(WriteGap)
    case note(Note)
    case signal(SignalReceived)
    case recheck(Recheck)
    case detach(Detach)
    case attach
    /// The independent witness's figures (a checkpoint's, or the run's at its end).
    case witness(WitnessFigures)
    case other(type: String, fields: [String: JSONValue])

    /// The `type` field on disk.
    public var type: String {
        switch self {
        case .session: "session"
        case .check: "check"
        case .testnetGate: "testnet_gate"
        case .testnetGateRefused: "testnet_gate_refused"
        case .answer: "answer"
        case .parameters: "parameters"
        case .parameterSet: "parameter_set"
        case .launchConfirmed: "launch_confirmed"
        case .launch: "launch"
        case .sample: "sample"
        case .log: "log"
        case .checkpoint: "checkpoint"
        case .hourly: "hourly"
        case .warning: "warning"
        case .silence: "silence"
        case .logResumed: "log_resumed"
        case .stop: "stop"
        case .exit: "exit"
        case .verdict: "verdict"
        case .aborted: "aborted"
        case .notified: "notified"
        case .notifyFailed: "notify_failed"
        case .notifyRefused: "notify_refused"
        case .notifyPending: "notify_pending"
        case .supervisor: "supervisor"
        case .resume: "resume"
        case .tornLine: "torn_line"
        case .writeGap: "write_gap"
        case .note: "note"
        case .signal: "signal"
        case .recheck: "recheck"
        case .detach: "detach"
        case .attach: "attach"
        case .witness: "witness"
        case .other(let type, _): type
        }
    }

    /// What a client (the session, `attach`) may record through the control
    /// socket; everything else is the supervisor's own to record.
    public var isClientRecord: Bool {
        switch self {
        case .recheck, .detach, .attach: true
        default: false
        }
    }

    /// The payload's fields, without `type` (what the journal writes beside it).
    public var fields: [String: JSONValue] {
        // A sample is written many times a second, and a log line may be: their
        // fields are built directly, not encoded to JSON and decoded back (which
        // also maps the encoder's code back in during a run; MonitorMemory).
        if case .sample(let sample) = self { return sample.fields }
        if case .log(let line) = self { return ["pattern": .string(line.pattern), "line": .string(line.line)] }
        guard var fields = JSONValue(encoding: self)?.fields else { return [:] }
        fields["type"] = nil
        return fields
    }
}

extension JournalEvent: Codable {
    private enum TypeKey: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
        func payload<T: Decodable>(_: T.Type = T.self) throws -> T { try T(from: decoder) }
        switch type {
        case "session": self = .session(try payload())
        case "check": self = .check(try payload())
        case "testnet_gate": self = .testnetGate(try payload())
        case "testnet_gate_refused": self = .testnetGateRefused(try payload())
        case "answer": self = .answer(try payload())
        case "parameters": self = .parameters(try payload())
        case "parameter_set": self = .parameterSet(try payload())
        case "launch_confirmed": self = .launchConfirmed(try payload())
        case "launch": self = .launch(try payload())
        case "sample": self = .sample(try payload())
        case "log": self = .log(try payload())
        case "checkpoint": self = .checkpoint(try payload())
        case "hourly": self = .hourly(try payload())
        case "warning": self = .warning(try payload())
        case "silence": self = .silence(try payload())
        case "log_resumed": self = .logResumed
        case "stop": self = .stop(try payload())
        case "exit": self = .exit(try payload())
        case "verdict": self = .verdict(try payload())
        case "aborted": self = .aborted(try payload())
        case "notified": self = .notified(try payload())
        case "notify_failed": self = .notifyFailed(try payload())
        case "notify_refused": self = .notifyRefused(try payload())
        case "notify_pending": self = .notifyPending(try payload())
        case "supervisor": self = .supervisor(try payload())
        case "resume": self = .resume(try payload())
        case "torn_line": self = .tornLine(try payload())
        case "write_gap": self = .writeGap(try payload())
        case "note": self = .note(try payload())
        case "signal": self = .signal(try payload())
        case "recheck": self = .recheck(try payload())
        case "detach": self = .detach(try payload())
        case "attach": self = .attach
        case "witness": self = .witness(try payload())
        default:
            var fields = try JSONValue(from: decoder).fields
            for key in ["type", "seq", "at", "prev"] { fields[key] = nil }
            self = .other(type: type, fields: fields)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .session(let p): try p.encode(to: encoder)
        case .check(let p): try p.encode(to: encoder)
        case .testnetGate(let p): try p.encode(to: encoder)
        case .testnetGateRefused(let p): try p.encode(to: encoder)
        case .answer(let p): try p.encode(to: encoder)
        case .parameters(let p): try p.encode(to: encoder)
        case .parameterSet(let p): try p.encode(to: encoder)
        case .launchConfirmed(let p): try p.encode(to: encoder)
        case .launch(let p): try p.encode(to: encoder)
        case .sample(let p): try p.encode(to: encoder)
        case .log(let p): try p.encode(to: encoder)
        case .checkpoint(let p): try p.encode(to: encoder)
        case .hourly(let p): try p.encode(to: encoder)
        case .warning(let p): try p.encode(to: encoder)
        case .silence(let p): try p.encode(to: encoder)
        case .stop(let p): try p.encode(to: encoder)
        case .exit(let p): try p.encode(to: encoder)
        case .verdict(let p): try p.encode(to: encoder)
        case .aborted(let p): try p.encode(to: encoder)
        case .notified(let p), .notifyFailed(let p), .notifyRefused(let p), .notifyPending(let p):
            try p.encode(to: encoder)
        case .supervisor(let p): try p.encode(to: encoder)
        case .resume(let p): try p.encode(to: encoder)
        case .tornLine(let p): try p.encode(to: encoder)
        case .writeGap(let p): try p.encode(to: encoder)
        case .note(let p): try p.encode(to: encoder)
        case .signal(let p): try p.encode(to: encoder)
        case .recheck(let p): try p.encode(to: encoder)
        case .detach(let p): try p.encode(to: encoder)
        case .witness(let p): try p.encode(to: encoder)
        case .logResumed, .attach: _ = encoder.container(keyedBy: TypeKey.self)
        case .other(let type, var fields):
            fields["type"] = .string(type)
            try JSONValue.object(fields).encode(to: encoder)
            return
        }
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(type, forKey: .type)
    }
}

/// A journal line read back: the event and the journal's own fields.
public struct JournalEntry: Sendable, Equatable, Decodable {
    /// 1 for the first line, one more each line.
    public var seq: Int
    /// When it was written, UTC RFC 3339.
    public var at: String
    /// The SHA-256 of the line before.
    public var prev: String
    public var event: JournalEvent

    private enum CodingKeys: String, CodingKey { case seq, at, prev }

    public init(seq: Int, at: String, prev: String, event: JournalEvent) {
        self.seq = seq
        self.at = at
        self.prev = prev
        self.event = event
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        seq = try container.decode(Int.self, forKey: .seq)
        at = try container.decodeIfPresent(String.self, forKey: .at) ?? ""
        prev = try container.decode(String.self, forKey: .prev)
        event = try JournalEvent(from: decoder)
    }
}
