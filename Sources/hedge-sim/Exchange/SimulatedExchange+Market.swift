import Foundation
import HedgeOpsKit

/// Bitunix's kline intervals, as channel names (`market_kline_1min`) and
/// REST parameters (`1m`), in minutes.
struct KlineInterval {
    let minutes: Int

    private static let channels: [String: Int] = [
        "1min": 1, "3min": 3, "5min": 5, "15min": 15, "30min": 30, "60min": 60, "2h": 120, "4h": 240, "6h": 360,
        "8h": 480, "12h": 720, "1day": 1440, "3day": 4320, "1week": 10080, "1month": 43200,
    ]
    private static let parameters: [String: Int] = [
        "1m": 1, "3m": 3, "5m": 5, "15m": 15, "30m": 30, "1h": 60, "2h": 120, "4h": 240, "6h": 360, "8h": 480,
        "12h": 720, "1d": 1440, "3d": 4320, "1w": 10080, "1M": 43200,
    ]

    /// `market_kline_1min` or `mark_kline_1min`.
    init?(channel: String) {
        let prefix = ["market_kline_", "mark_kline_"].first { channel.hasPrefix($0) }
        guard let prefix, let minutes = Self.channels[String(channel.dropFirst(prefix.count))] else { return nil }
        self.minutes = minutes
    }

    init?(parameter: String) {
        guard let minutes = Self.parameters[parameter] else { return nil }
        self.minutes = minutes
    }

    /// The one-minute klines gathered into this interval, oldest first.
    func candles(_ minuteKlines: [SymbolMarket.Kline]) -> [SymbolMarket.Kline] {
        let span = Int64(minutes) * 60_000
        var out: [SymbolMarket.Kline] = []
        for kline in minuteKlines {
            let start = kline.start - kline.start % span
            if var last = out.last, last.start == start {
                last.high = max(last.high, kline.high)
                last.low = min(last.low, kline.low)
                last.close = kline.close
                last.baseVolume += kline.baseVolume
                last.quoteVolume += kline.quoteVolume
                out[out.count - 1] = last
            } else {
                var first = kline
                first.start = start
                out.append(first)
            }
        }
        return out
    }
}

extension SimulatedExchange {
    /// This tick's public pushes, for every subscription. Called with the lock held.
    func publicMessages(now: Int64) -> [(any PushTarget, String)] {
        var out: [(any PushTarget, String)] = []
        var cache: [Connection.Subscription: String] = [:]
        for connection in connections.values where connection.kind == .public {
            for subscription in connection.subscriptions {
                if cache[subscription] == nil {
                    cache[subscription] = publicMessage(subscription, now: now)?.serialized ?? ""
                }
                if let text = cache[subscription], !text.isEmpty { out.append((connection.target, text)) }
            }
        }
        return out
    }

    private func publicMessage(_ subscription: Connection.Subscription, now: Int64) -> JSONValue? {
        let channel = subscription.channel
        if channel == "tickers" {
            return [
                "ch": "tickers", "ts": .int(Int(now)), "data": .array(markets.keys.sorted().compactMap(tickersItem)),
            ]
        }
        guard let symbol = subscription.symbol, var market = markets[symbol] else { return nil }
        let data: JSONValue
        switch channel {
        case "ticker":
            data = [
                "o": .string(market.price(market.open)), "h": .string(market.price(market.high)),
                "l": .string(market.price(market.low)), "la": .string(market.price(market.last)),
                "b": .string(market.quantity(market.baseVolume)), "q": .string(Amount.text(market.quoteVolume, 2)),
                "r": .string(Amount.text(market.change, 2)),
            ]
        case "trade":
            guard let trade = market.trades.last else { return nil }
            data = [
                [
                    "t": .string(Self.isoTime(trade.time)), "p": .string(market.price(trade.price)),
                    "v": .string(market.quantity(trade.size)), "s": .string(trade.buy ? "buy" : "sell"),
                ]
            ]
        case "price":
            data = [
                "ip": .string(market.price(market.last)), "mp": .string(market.price(market.last)), "fr": "0.0001",
                "ft": .string(Self.isoTime(now)), "nft": .string(Self.isoTime(now + 8 * 3_600_000)),
            ]
        case let name where name.hasPrefix("depth_book"):
            let levels = ["depth_book1": 1, "depth_book5": 5, "depth_book15": 15][name] ?? 50
            let book = market.depth(levels: levels)
            markets[symbol] = market
            data = ["b": .array(book.bids.map(Self.pair)), "a": .array(book.asks.map(Self.pair))]
        default:
            guard let interval = KlineInterval(channel: channel), let candle = interval.candles(market.klines).last
            else { return nil }
            data = [
                "o": .string(market.price(candle.open)), "c": .string(market.price(candle.close)),
                "h": .string(market.price(candle.high)), "l": .string(market.price(candle.low)),
                "b": .string(market.quantity(candle.baseVolume)), "q": .string(Amount.text(candle.quoteVolume, 2)),
            ]
        }
        return ["ch": .string(channel), "symbol": .string(symbol), "ts": .int(Int(now)), "data": data]
    }

    private func tickersItem(_ symbol: String) -> JSONValue? {
        guard let market = markets[symbol] else { return nil }
        return [
            "s": .string(symbol), "o": .string(market.price(market.open)), "h": .string(market.price(market.high)),
            "l": .string(market.price(market.low)), "la": .string(market.price(market.last)),
            "b": .string(market.quantity(market.baseVolume)), "q": .string(Amount.text(market.quoteVolume, 2)),
            "r": .string(Amount.text(market.change, 2)), "bd": .string(market.price(market.bestBid)),
            "ak": .string(market.price(market.bestAsk)), "bv": "1.0000", "av": "1.0000",
        ]
    }

    static func pair(_ level: [String]) -> JSONValue { .array(level.map { .string($0) }) }

    static func isoTime(_ ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
