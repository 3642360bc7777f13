import Foundation
import HedgeOpsKit

/// Where a symbol's price comes from: a repeatable random walk, or a recorded
/// tape (CSV of time, price, size) replayed step by step and looped. The
/// same random start value or tape gives the same path, so a run can be repeated.
struct PricePath {
    /// One step of the path: the traded price and the size traded.
    struct Step: Equatable {
        var price: Double
        var size: Double
    }

    private enum Source {
        case walk(volatility: Double)
        case tape([Step], next: Int)
    }

    private var source: Source
    private var random: ReproducibleRandom
    private(set) var price: Double

    /// A random walk from `start`; `volatility` is the standard deviation of
    /// one step as a fraction of the price (0.00005 is 0.005 %).
    init(start: Double, volatility: Double, randomStart: UInt64) {
        source = .walk(volatility: volatility)
        random = ReproducibleRandom(randomStart: randomStart)
        price = start
    }

    /// A replay of recorded steps.
    init(tape: [Step], randomStart: UInt64) {
        source = .tape(tape, next: 0)
        random = ReproducibleRandom(randomStart: randomStart)
        price = tape.first?.price ?? 0
    }

    /// The next step; a walk never goes below a tenth of a cent.
    mutating func advance() -> Step {
        switch source {
        case .walk(let volatility):
            // Box-Muller from two uniforms: a normal step, the same for the same start value.
            let u1 = max(random.uniform(0, 1), 1e-12)
            let u2 = random.uniform(0, 1)
            let normal = (-2 * Foundation.log(u1)).squareRoot() * cos(2 * Double.pi * u2)
            price = max(0.001, price * (1 + volatility * normal))
            return Step(price: price, size: (random.uniform(0.001, 0.5) * 1000).rounded() / 1000)
        case .tape(let steps, let next):
            guard !steps.isEmpty else { return Step(price: price, size: 0) }
            let step = steps[next % steps.count]
            source = .tape(steps, next: next + 1)
            price = step.price
            return step
        }
    }

    /// Moves the path to `price` (the control endpoint's crossing price);
    /// a walk continues from there.
    mutating func set(_ newPrice: Double) {
        price = newPrice
    }
}

/// A recorded tape: `time,price,size` a line, an optional header line,
/// `#` comments. Time is kept only for order; the replay steps once a tick.
enum Tape {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func load(_ path: String) throws -> [PricePath.Step] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Failure(description: "\(path): cannot read the tape; give a CSV file of time,price,size")
        }
        var steps: [PricePath.Step] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if index == 0, fields.count >= 2, Double(fields[1]) == nil { continue }  // header
            guard fields.count == 3, let price = Double(fields[1]), price > 0, let size = Double(fields[2]), size >= 0
            else {
                throw Failure(
                    description:
                        "\(path):\(index + 1): expected time,price,size with a positive price, got '\(line.prefix(80))'"
                )
            }
            steps.append(PricePath.Step(price: price, size: size))
        }
        guard !steps.isEmpty else { throw Failure(description: "\(path): the tape has no rows of time,price,size") }
        return steps
    }
}
