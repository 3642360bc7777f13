import HedgeOpsKit

/// How the simulated executor behaves over the run: its memory profile and
/// the events it logs, at hours of simulated time.
struct Scenario {
    enum MemoryProfile {
        /// Flat, within ±`jitter` of the baseline.
        case flat(jitter: Double)
        /// Grows by `perHour` × baseline every hour.
        case leak(perHour: Double)
        /// Climbs by `amplitude` × baseline over `period` hours, then drops back (a cache or GC).
        case sawtooth(amplitude: Double, period: Double)
    }

    var name: String
    var summary: String
    var memory: MemoryProfile
    /// WebSocket drops, each followed by a reconnect.
    var disconnectsAt: [Double] = []
    /// Single error records.
    var errorsAt: [Double] = []
    /// Chance per tick of an error record (error bursts).
    var errorChancePerTick = 0.0
    var errorLockAt: Double?
    var crashAt: Double?
    var hangAt: Double?

    static let all: [Scenario] = [
        Scenario(
            name: "healthy", summary: "flat memory (±5 %), 1 WS reconnect, 1 error: PASS",
            memory: .flat(jitter: 0.03), disconnectsAt: [3.4], errorsAt: [5.2]),
        Scenario(
            name: "leak", summary: "memory +15 % of baseline an hour: fails the 1.5× rule by hour 4",
            memory: .leak(perHour: 0.15), disconnectsAt: [2.7]),
        Scenario(
            name: "slow-leak", summary: "memory +5 % an hour: passes the ratio, trend clearly positive",
            memory: .leak(perHour: 0.05), disconnectsAt: [4.1]),
        Scenario(
            name: "sawtooth", summary: "memory climbs 15 % each half hour and drops back: PASS",
            memory: .sawtooth(amplitude: 0.15, period: 0.5)),
        Scenario(
            name: "ws-flaky", summary: "7 WebSocket drops and reconnects in 8 h: fails WS stability",
            memory: .flat(jitter: 0.03), disconnectsAt: [0.6, 1.7, 2.9, 3.8, 5.1, 6.3, 7.4]),
        Scenario(
            name: "error-burst", summary: "errors on about 1 % of ticks: fails the 0.1 % error rate",
            memory: .flat(jitter: 0.03), errorChancePerTick: 0.01),
        Scenario(
            name: "error-lock", summary: "enters ERROR_LOCK at hour 5 and stays: fails the state machine",
            memory: .flat(jitter: 0.03), errorLockAt: 5),
        Scenario(
            name: "crash", summary: "dies by SIGSEGV at hour 3: fails no-crash",
            memory: .flat(jitter: 0.03), crashAt: 3),
        Scenario(
            name: "hang", summary: "stops logging at hour 2 but stays alive",
            memory: .flat(jitter: 0.03), hangAt: 2),
    ]

    static func named(_ name: String) -> Scenario? { all.first { $0.name == name } }

    /// Memory above the baseline at `hour`, as a fraction of the baseline.
    func memoryOffset(atHour hour: Double, random: inout ReproducibleRandom) -> Double {
        switch memory {
        case .flat(let jitter):
            // A slow wave plus a little noise, never beyond ±jitter.
            let wave = 0.6 * jitter * sin(hour * 2.1)
            return wave + random.uniform(-0.4 * jitter, 0.4 * jitter)
        case .leak(let perHour):
            return perHour * hour
        case .sawtooth(let amplitude, let period):
            let phase = hour.truncatingRemainder(dividingBy: period) / period
            return amplitude * phase
        }
    }
}

import Foundation
