import Foundation

// The payload of each journal event, with its documented snake_case keys.
// Fields added later are optional, so an older journal still reads.

extension JournalEvent {
    /// The run's first line: which checklist, which time scale, which process.
    public struct Session: Codable, Sendable, Equatable {
        public var runID: String
        public var checklist: String
        public var checklistSHA256: String
        public var checklistID: String
        public var timeScale: Double
        public var hedgeopsPID: Int32
        /// With the pid, names this hedgeops across pid reuse.
        public var hedgeopsStartTime: UInt64
        public var workingDirectory: String?
        public var user: String?
        public var host: String?

        enum CodingKeys: String, CodingKey {
            case checklist, user, host
            case runID = "run_id", checklistSHA256 = "checklist_sha256", checklistID = "checklist_id"
            case timeScale = "time_scale", hedgeopsPID = "hedgeops_pid", hedgeopsStartTime = "hedgeops_start_time"
            case workingDirectory = "working_directory"
        }

        public init(
            runID: String, checklist: String, checklistSHA256: String, checklistID: String, timeScale: Double,
            hedgeopsPID: Int32, hedgeopsStartTime: UInt64, workingDirectory: String?, user: String?, host: String?
        ) {
            self.runID = runID
            self.checklist = checklist
            self.checklistSHA256 = checklistSHA256
            self.checklistID = checklistID
            self.timeScale = timeScale
            self.hedgeopsPID = hedgeopsPID
            self.hedgeopsStartTime = hedgeopsStartTime
            self.workingDirectory = workingDirectory
            self.user = user
            self.host = host
        }
    }

    /// One pre-flight check's result; `atLaunch` when it was judged again at the launch.
    public struct Check: Codable, Sendable, Equatable {
        public var id: String
        public var kind: String
        public var status: String
        public var detail: String
        public var required: Bool
        public var atLaunch: Bool?

        enum CodingKeys: String, CodingKey {
            case id, kind, status, detail, required
            case atLaunch = "at_launch"
        }

        public init(id: String, kind: String, status: String, detail: String, required: Bool, atLaunch: Bool? = nil) {
            self.id = id
            self.kind = kind
            self.status = status
            self.detail = detail
            self.required = required
            self.atLaunch = atLaunch
        }

        public init(_ result: CheckResult, atLaunch: Bool? = nil) {
            self.init(
                id: result.id, kind: result.kind, status: result.status.rawValue, detail: result.detail,
                required: result.required, atLaunch: atLaunch)
        }
    }

    /// The TESTNET gate's decision, with the hosts it judged.
    public struct TestnetGateDecision: Codable, Sendable, Equatable {
        public var allowed: Bool
        public var hosts: [String: String]
        public var flag: String
        public var resolveOverrides: [String]
        public var proxy: String?

        enum CodingKeys: String, CodingKey {
            case allowed, hosts, flag, proxy
            case resolveOverrides = "resolve_overrides"
        }

        public init(allowed: Bool, hosts: [String: String], flag: String, resolveOverrides: [String], proxy: String?) {
            self.allowed = allowed
            self.hosts = hosts
            self.flag = flag
            self.resolveOverrides = resolveOverrides
            self.proxy = proxy
        }
    }

    /// The gate refused the executor's environment at the launch.
    public struct TestnetGateRefusal: Codable, Sendable, Equatable {
        public var refusals: [String]
        public init(refusals: [String]) { self.refusals = refusals }
    }

    /// A manual item's answer, and who gave it (`operator`, `none`, or what answered automatically).
    public struct Answer: Codable, Sendable, Equatable {
        public var id: String
        public var answer: String
        public var source: String
        public init(id: String, answer: String, source: String) {
            self.id = id
            self.answer = answer
            self.source = source
        }
    }

    /// The run parameters in force at the launch.
    public struct Parameters: Codable, Sendable, Equatable {
        public var values: [String: String]
        public init(values: [String: String]) { self.values = values }
    }

    /// A parameter set before the launch.
    public struct ParameterSet: Codable, Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Who confirmed the launch.
    public struct LaunchConfirmed: Codable, Sendable, Equatable {
        public var by: String
        public init(by: String) { self.by = by }
    }

    /// The executor started: which process, on which clock, for how long.
    public struct Launch: Codable, Sendable, Equatable {
        public var pid: Int32
        /// `/proc` start time, so the executor is found again across pid reuse.
        public var startTime: UInt64
        public var argv: [String]
        /// CLOCK_MONOTONIC seconds at the launch (survives the supervisor, not a reboot).
        public var monotonic: Double
        public var plannedDurationSeconds: Double
        public var timeScale: Double
        public var figuresSource: String?
        public var cgroupUnavailable: String?

        enum CodingKeys: String, CodingKey {
            case pid, argv, monotonic
            case startTime = "start_time", plannedDurationSeconds = "planned_duration_s", timeScale = "time_scale"
            case figuresSource = "figures_source", cgroupUnavailable = "cgroup_unavailable"
        }

        public init(
            pid: Int32, startTime: UInt64, argv: [String], monotonic: Double, plannedDurationSeconds: Double,
            timeScale: Double, figuresSource: String?, cgroupUnavailable: String?
        ) {
            self.pid = pid
            self.startTime = startTime
            self.argv = argv
            self.monotonic = monotonic
            self.plannedDurationSeconds = plannedDurationSeconds
            self.timeScale = timeScale
            self.figuresSource = figuresSource
            self.cgroupUnavailable = cgroupUnavailable
        }
    }

    /// One sample of the executor's tree and the log counters.
    public struct Sample: Codable, Sendable, Equatable {
        public var hour: Double
        public var rssMB: Double
        public var rssAnonMB: Double?
        public var swapMB: Double?
        public var cpuPercent: Double?
        public var threads: Int?
        public var openFiles: Int?
        public var processes: Int?
        public var counts: [String: Int]
        public var logFile: String?
        public var logOffset: UInt64?

        enum CodingKeys: String, CodingKey {
            case hour, threads, processes, counts
            case rssMB = "rss_mb", rssAnonMB = "rss_anon_mb", swapMB = "swap_mb", cpuPercent = "cpu_pct"
            case openFiles = "open_files", logFile = "log_file", logOffset = "log_offset"
        }

        public init(
            hour: Double, rssMB: Double, rssAnonMB: Double? = nil, swapMB: Double? = nil, cpuPercent: Double? = nil,
            threads: Int? = nil, openFiles: Int? = nil, processes: Int? = nil, counts: [String: Int] = [:],
            logFile: String? = nil, logOffset: UInt64? = nil
        ) {
            self.hour = hour
            self.rssMB = rssMB
            self.rssAnonMB = rssAnonMB
            self.swapMB = swapMB
            self.cpuPercent = cpuPercent
            self.threads = threads
            self.openFiles = openFiles
            self.processes = processes
            self.counts = counts
            self.logFile = logFile
            self.logOffset = logOffset
        }

        /// The fields its encoding gives (absent values left out, a
        /// non-finite figure null), built without an encoder.
        var fields: [String: JSONValue] { Dictionary(uniqueKeysWithValues: pairs) }

        /// The same fields as pairs: a sample is journalled every second, and
        /// a dictionary of them (hashed, grown, copied) cost more than the line.
        var pairs: [(key: String, value: JSONValue)] {
            let number = Self.number
            var pairs: [(key: String, value: JSONValue)] = []
            pairs.reserveCapacity(15)
            pairs.append((CodingKeys.hour.rawValue, number(hour)))
            pairs.append((CodingKeys.rssMB.rawValue, number(rssMB)))
            pairs.append((CodingKeys.counts.rawValue, .object(counts.mapValues { .int($0) })))
            func put(_ key: CodingKeys, _ value: JSONValue?) {
                if let value { pairs.append((key.rawValue, value)) }
            }
            put(.rssAnonMB, rssAnonMB.map(number))
            put(.swapMB, swapMB.map(number))
            put(.cpuPercent, cpuPercent.map(number))
            put(.threads, threads.map { .int($0) })
            put(.openFiles, openFiles.map { .int($0) })
            put(.processes, processes.map { .int($0) })
            put(.logFile, logFile.map { .string($0) })
            put(.logOffset, logOffset.map { .int(Int(clamping: $0)) })
            return pairs
        }

        /// A figure as its field holds it: a whole number reads back as one, as JSONDecoder gives it.
        static func number(_ value: Double) -> JSONValue {
            value == value.rounded() && abs(value) < 9.007_199_254_740_992e15 ? .int(Int(value)) : .double(value)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                hour: try c.decode(Double.self, forKey: .hour), rssMB: try c.decode(Double.self, forKey: .rssMB),
                rssAnonMB: try c.decodeIfPresent(Double.self, forKey: .rssAnonMB),
                swapMB: try c.decodeIfPresent(Double.self, forKey: .swapMB),
                cpuPercent: try c.decodeIfPresent(Double.self, forKey: .cpuPercent),
                threads: try c.decodeIfPresent(Int.self, forKey: .threads),
                openFiles: try c.decodeIfPresent(Int.self, forKey: .openFiles),
                processes: try c.decodeIfPresent(Int.self, forKey: .processes),
                counts: try c.decodeIfPresent([String: Int].self, forKey: .counts) ?? [:],
                logFile: try c.decodeIfPresent(String.self, forKey: .logFile),
                logOffset: try c.decodeIfPresent(UInt64.self, forKey: .logOffset))
        }
    }

    /// A log line that matched a counted pattern (cut to 500 characters).
    public struct LogLine: Codable, Sendable, Equatable {
        public var pattern: String
        public var line: String
        public init(pattern: String, line: String) {
            self.pattern = pattern
            self.line = line
        }
    }

    /// A checkpoint recorded (or marked missed).
    public struct CheckpointRecorded: Codable, Sendable, Equatable {
        public var checkpoint: CheckpointRecord
        public init(checkpoint: CheckpointRecord) { self.checkpoint = checkpoint }
    }

    /// One hourly item at one hour: the figure put to the operator and the answer.
    public struct Hourly: Codable, Sendable, Equatable {
        public var hour: Double
        public var id: String
        public var measured: String
        public var answer: String
        public var met: Bool?
        public var expectation: String?
        public init(
            hour: Double, id: String, measured: String, answer: String, met: Bool? = nil, expectation: String? = nil
        ) {
            self.hour = hour
            self.id = id
            self.measured = measured
            self.answer = answer
            self.met = met
            self.expectation = expectation
        }
    }

    public struct Warning: Codable, Sendable, Equatable {
        public var message: String
        public init(message: String) { self.message = message }
    }

    /// The executor's log went quiet for longer than the checklist allows.
    public struct Silence: Codable, Sendable, Equatable {
        public var hour: Double
        public var message: String
        public init(hour: Double, message: String) {
            self.hour = hour
            self.message = message
        }
    }

    /// A signal sent to the executor's group to stop it.
    public struct Stop: Codable, Sendable, Equatable {
        public var signal: String
        public init(signal: String) { self.signal = signal }
    }

    /// The executor ended.
    public struct Exit: Codable, Sendable, Equatable {
        public var termination: String
        public var hour: Double
        public var stoppedByHedgeops: Bool

        enum CodingKeys: String, CodingKey {
            case termination, hour
            case stoppedByHedgeops = "stopped_by_hedgeops"
        }

        public init(termination: String, hour: Double, stoppedByHedgeops: Bool) {
            self.termination = termination
            self.hour = hour
            self.stoppedByHedgeops = stoppedByHedgeops
        }
    }

    /// The verdict and every criterion as judged.
    public struct Verdict: Codable, Sendable, Equatable {
        public var verdict: String
        /// A ``RunEnd`` raw value.
        public var end: String
        public var detail: String
        public var criteria: [CriterionResult]
        public init(verdict: String, end: String, detail: String, criteria: [CriterionResult]) {
            self.verdict = verdict
            self.end = end
            self.detail = detail
            self.criteria = criteria
        }
    }

    public struct Aborted: Codable, Sendable, Equatable {
        public var reason: String
        public var immediate: Bool
        public init(reason: String, immediate: Bool) {
            self.reason = reason
            self.immediate = immediate
        }
    }

    /// A webhook delivery, failure, refusal or delivery left pending.
    public struct Notification: Codable, Sendable, Equatable {
        public var event: String?
        public var reason: String?
        public var attempts: Int?
        public init(event: String? = nil, reason: String? = nil, attempts: Int? = nil) {
            self.event = event
            self.reason = reason
            self.attempts = attempts
        }
    }

    /// The process now supervising the run (it took it over from the session).
    public struct Supervisor: Codable, Sendable, Equatable {
        public var hedgeopsPID: Int32
        public var hedgeopsStartTime: UInt64

        enum CodingKeys: String, CodingKey {
            case hedgeopsPID = "hedgeops_pid", hedgeopsStartTime = "hedgeops_start_time"
        }

        public init(hedgeopsPID: Int32, hedgeopsStartTime: UInt64) {
            self.hedgeopsPID = hedgeopsPID
            self.hedgeopsStartTime = hedgeopsStartTime
        }

        /// This process.
        public static var current: Supervisor {
            Supervisor(hedgeopsPID: getpid(), hedgeopsStartTime: ProcessSampler.startTime(of: getpid()) ?? 0)
        }
    }

    /// A hedgeops adopted the run after its supervisor died.
    public struct Resume: Codable, Sendable, Equatable {
        public var hedgeopsPID: Int32
        public var hedgeopsStartTime: UInt64
        /// Real seconds since the last sample before the adoption.
        public var gapSeconds: Double
        public var executorAlive: Bool
        public var forced: Bool
        public var notes: [String]

        enum CodingKeys: String, CodingKey {
            case forced, notes
            case hedgeopsPID = "hedgeops_pid", hedgeopsStartTime = "hedgeops_start_time", gapSeconds = "gap_s"
            case executorAlive = "executor_alive"
        }

        public init(
            hedgeopsPID: Int32, hedgeopsStartTime: UInt64, gapSeconds: Double, executorAlive: Bool, forced: Bool,
            notes: [String]
        ) {
            self.hedgeopsPID = hedgeopsPID
            self.hedgeopsStartTime = hedgeopsStartTime
            self.gapSeconds = gapSeconds
            self.executorAlive = executorAlive
            self.forced = forced
            self.notes = notes
        }
    }

    /// A torn last line, from a crash mid-write, set aside by `resume`.
    public struct TornLine: Codable, Sendable, Equatable {
        public var line: Int
        public var setAsideIn: String
        public var bytes: Int
        public var sha256: String

        enum CodingKeys: String, CodingKey {
            case line, bytes, sha256
            case setAsideIn = "set_aside_in"
        }

        public init(line: Int, setAsideIn: String, bytes: Int, sha256: String) {
            self.line = line
            self.setAsideIn = setAsideIn
            self.bytes = bytes
            self.sha256 = sha256
        }
    }

    /// When a run file refused writes, and what was held in memory or dropped.
    public struct WriteGap: Codable, Sendable, Equatable {
        public var file: String
        public var from: String
        public var to: String?
        public var reason: String
        public var held: [String: Int]
        public var dropped: [String: Int]
        public var samplesHeld: Int
        public var samplesDropped: Int

        enum CodingKeys: String, CodingKey {
            case file, from, to, reason, held, dropped
            case samplesHeld = "samples_held", samplesDropped = "samples_dropped"
        }

        public init(
            file: String, from: String, to: String?, reason: String, held: [String: Int], dropped: [String: Int],
            samplesHeld: Int, samplesDropped: Int
        ) {
            self.file = file
            self.from = from
            self.to = to
            self.reason = reason
            self.held = held
            self.dropped = dropped
            self.samplesHeld = samplesHeld
            self.samplesDropped = samplesDropped
        }
    }

    /// An operator's note.
    public struct Note: Codable, Sendable, Equatable {
        public var text: String
        public init(text: String) { self.text = text }
    }

    /// A signal hedgeops received, and what it did.
    public struct SignalReceived: Codable, Sendable, Equatable {
        public var signal: String
        public var action: String
        public init(signal: String, action: String) {
            self.signal = signal
            self.action = action
        }
    }

    /// The automatic checks run again during the run (`recheck`).
    public struct Recheck: Codable, Sendable, Equatable {
        public var ok: Bool
        /// Ids of the checks that failed, comma-separated.
        public var failed: String
        public init(ok: Bool, failed: String) {
            self.ok = ok
            self.failed = failed
        }
    }

    /// A client left (`detach`, a closed terminal).
    public struct Detach: Codable, Sendable, Equatable {
        public var reason: String?
        public init(reason: String?) { self.reason = reason }
    }
}
