import Foundation
import HedgeOpsKit

/// One symbol's market: the price path, the day's figures, one-minute
/// klines, recent trades and an order book synthesized around the price.
struct SymbolMarket {
    struct Kline {
        var start: Int64
        var open, high, low, close, baseVolume, quoteVolume: Double
    }

    struct Trade {
        var time: Int64
        var price, size: Double
        var buy: Bool
    }

    let symbol: String
    let priceDecimals: Int
    let quantityDecimals = 4
    private(set) var path: PricePath
    private(set) var open, high, low, baseVolume, quoteVolume: Double
    private(set) var klines: [Kline] = []
    private(set) var trades: [Trade] = []
    private var random: ReproducibleRandom

    init(symbol: String, path: PricePath, randomStart: UInt64) {
        self.symbol = symbol
        self.path = path
        priceDecimals = path.price >= 1000 ? 1 : path.price >= 10 ? 2 : 4
        open = path.price
        high = path.price
        low = path.price
        baseVolume = 0
        quoteVolume = 0
        random = ReproducibleRandom(randomStart: randomStart)
    }

    var last: Double { path.price }
    /// Half the spread: one price step, at least 0.005 % of the price.
    var halfSpread: Double { max(tickSize, last * 0.00005) }
    var tickSize: Double { pow(10, -Double(priceDecimals)) }
    var bestBid: Double { rounded(last - halfSpread) }
    var bestAsk: Double { rounded(last + halfSpread) }

    func rounded(_ price: Double) -> Double {
        (price / tickSize).rounded() * tickSize
    }

    /// One tick of the path at `now` (ms): a trade, the kline it falls in.
    mutating func advance(now: Int64) {
        let before = last
        let step = path.advance()
        record(price: step.price, size: step.size, buy: step.price >= before, now: now)
    }

    /// The control endpoint's price: traded at once, so resting orders see it.
    mutating func set(price: Double, now: Int64) {
        let before = last
        path.set(price)
        record(price: price, size: 0.001, buy: price >= before, now: now)
    }

    private mutating func record(price: Double, size: Double, buy: Bool, now: Int64) {
        high = max(high, price)
        low = min(low, price)
        baseVolume += size
        quoteVolume += size * price
        trades.append(Trade(time: now, price: price, size: size, buy: buy))
        if trades.count > 200 { trades.removeFirst(trades.count - 200) }
        let minute = now - now % 60_000
        if var current = klines.last, current.start == minute {
            current.high = max(current.high, price)
            current.low = min(current.low, price)
            current.close = price
            current.baseVolume += size
            current.quoteVolume += size * price
            klines[klines.count - 1] = current
        } else {
            klines.append(
                Kline(
                    start: minute, open: price, high: price, low: price, close: price, baseVolume: size,
                    quoteVolume: size * price))
            if klines.count > 1440 { klines.removeFirst(klines.count - 1440) }
        }
    }

    /// `levels` price levels a side, one tick apart from the best prices,
    /// sizes drawn from the repeatable random numbers.
    mutating func depth(levels: Int) -> (bids: [[String]], asks: [[String]]) {
        var bids: [[String]] = [], asks: [[String]] = []
        for level in 0..<max(1, min(levels, 200)) {
            let offset = Double(level) * tickSize
            bids.append([price(bestBid - offset), quantity(random.uniform(0.01, 3))])
            asks.append([price(bestAsk + offset), quantity(random.uniform(0.01, 3))])
        }
        return (bids, asks)
    }

    func price(_ value: Double) -> String { Amount.text(value, priceDecimals) }
    func quantity(_ value: Double) -> String { Amount.text(value, quantityDecimals) }

    /// Change over the session as a percentage, as Bitunix's `r`.
    var change: Double { open > 0 ? (last - open) / open * 100 : 0 }
}
