import Foundation

/// The latest sample and log counters, for a status line redrawn every
/// second: read from the operator's thread without touching the journal.
public struct LiveFigures: Sendable, Equatable, Codable {
    public var hour: Double
    public var rssMB: Double
    public var cpuPercent: Double?
    public var counts: [String: Int]
    public var wsState: String?
}

extension RunSupervisor {
    /// nil until the first sample.
    public var live: LiveFigures? {
        liveLock.withLock { liveStore }
    }

    func publish(_ figures: LiveFigures) {
        liveLock.withLock { liveStore = figures }
        broadcastSample(figures)
    }
}
