/// What hedgeops's own subscription to the executor's public stream saw (see
/// ``StreamWitness``), beside what the executor's log says at the same moment:
/// a drop the executor never logged, or a reconnect nobody outside saw, shows
/// up as a difference between the two. Journalled as a `witness` event at
/// each checkpoint and at the end of the run.
public struct WitnessFigures: Codable, Sendable, Equatable {
    /// Run hour the figures were taken at.
    public var hour: Double
    /// The public socket watched, and the channel and symbol subscribed to.
    public var url: String
    public var channel: String
    public var symbol: String
    /// Connected when the figures were taken.
    public var connected: Bool
    /// Pushes on the channel since the witness started.
    public var messages: Int
    /// Pushes per minute of real time since the witness started.
    public var messagesPerMinute: Double
    /// Silences between two pushes longer than `gapThresholdSeconds` (real time).
    public var gaps: Int
    public var longestGapSeconds: Double
    public var gapThresholdSeconds: Double
    /// Connections the server closed or lost, and connections opened again after one.
    public var drops: Int
    public var reconnects: Int
    /// The executor's own counts from its log at the same moment (the `ws_reconnects` and `ws_dropped` patterns).
    public var executorReconnects: Int?
    public var executorDrops: Int?
    /// Why the witness is not watching, when it is not (refused by the gate, cannot connect).
    public var problem: String?
    /// True for the figures recorded when the run ended.
    public var final: Bool

    enum CodingKeys: String, CodingKey {
        case hour, url, channel, symbol, connected, messages, gaps, drops, reconnects, problem, final
        case messagesPerMinute = "messages_per_min", longestGapSeconds = "longest_gap_s"
        case gapThresholdSeconds = "gap_threshold_s", executorReconnects = "executor_reconnects"
        case executorDrops = "executor_drops"
    }

    public init(
        hour: Double, url: String, channel: String, symbol: String, connected: Bool, messages: Int,
        messagesPerMinute: Double, gaps: Int, longestGapSeconds: Double, gapThresholdSeconds: Double, drops: Int,
        reconnects: Int, executorReconnects: Int? = nil, executorDrops: Int? = nil, problem: String? = nil,
        final: Bool = false
    ) {
        self.hour = hour
        self.url = url
        self.channel = channel
        self.symbol = symbol
        self.connected = connected
        self.messages = messages
        self.messagesPerMinute = messagesPerMinute
        self.gaps = gaps
        self.longestGapSeconds = longestGapSeconds
        self.gapThresholdSeconds = gapThresholdSeconds
        self.drops = drops
        self.reconnects = reconnects
        self.executorReconnects = executorReconnects
        self.executorDrops = executorDrops
        self.problem = problem
        self.final = final
    }

    /// One line for an operator: `witness: 118 msgs/min, 3 drops, 3 reconnects (executor logged 3), 3 gaps > 5 s`.
    public var summary: String {
        var text = String(
            format: "witness: %.0f msgs/min, %d drops, %d reconnects", messagesPerMinute, drops, reconnects)
        if let executorReconnects { text += " (executor logged \(executorReconnects))" }
        text += String(
            format: ", %d gaps > %@ s (longest %.1f s)", gaps, formatNumber(gapThresholdSeconds), longestGapSeconds)
        if !connected { text += ", not connected" }
        if let problem { text += ": \(problem)" }
        return text
    }
}
