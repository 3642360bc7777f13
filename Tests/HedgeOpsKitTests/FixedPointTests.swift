import Foundation
import Testing

@testable import HedgeOpsKit

/// The run's own number formatting against printf's, which it replaces on
/// the sampling and checkpoint paths.
@Suite struct FixedPointTests {
    @Test func everyValueReadsAsPrintfWritesIt() {
        var random = SystemRandomNumberGenerator()
        var values: [Double] = [
            0, -0.0, 0.05, -0.05, 0.049, 1, -1, 99.95, 1e15, -1e-9, 123_456.789, .infinity, -.infinity, .nan, -.nan,
        ]
        for _ in 0..<500 {
            values.append(Double.random(in: -1e6...1e6, using: &random))
            values.append(Double.random(in: -2...2, using: &random))
        }
        for value in values {
            for places in 0...4 {
                #expect(fixedPoint(value, places: places) == String(format: "%.\(places)f", value))
                var bytes: [UInt8] = [0x2C]
                appendFixedPoint(value, places: places, to: &bytes)
                #expect(bytes == [0x2C] + Array(String(format: "%.\(places)f", value).utf8), "\(value) \(places)")
                #expect(fixedPoint(value, places: places, sign: true) == String(format: "%+.\(places)f", value))
                for width in [5, 7, 12] {
                    #expect(
                        fixedPoint(value, places: places, width: width) == String(format: "%\(width).\(places)f", value)
                    )
                    #expect(
                        fixedPoint(value, places: places, sign: true, width: width)
                            == String(format: "%+\(width).\(places)f", value))
                }
            }
        }
    }

    /// Halves, near-halves and the edges of the arithmetic path, where
    /// only the exact binary value decides the last digit (printf's rule).
    @Test func halvesAndEdgesReadAsPrintfWritesThem() {
        var random = ReproducibleRandom(randomStart: 1130)
        var values: [Double] = [0.125, 0.375, 2.5, 1.005, 1.015, 0.045, 999_999.995, 1e9, 999_999_999.5, 4.35, 8.675]
        for _ in 0..<3000 {
            let places = Int(random.next() % 5)
            let scale = [1.0, 10, 100, 1000, 10000][places]
            let units = Double(random.next() % 2_000_000_000)
            let half = (units + 0.5) / scale
            values += [half, half.nextUp, half.nextDown, units / scale, -half, (units / scale) * 1e-3]
        }
        for value in values {
            for places in 0...4 {
                let printf = String(format: "%.\(places)f", value)
                var bytes: [UInt8] = []
                appendFixedPoint(value, places: places, to: &bytes)
                #expect(String(decoding: bytes, as: UTF8.self) == printf, "\(value) \(places)")
                #expect(fixedPoint(value, places: places) == printf, "\(value) \(places)")
            }
        }
    }

    @Test func integersArePaddedWithZerosAsPrintfDoes() {
        for value in [0, 5, 59, 123, 12_345, -7, -123, Int(Int32.max)] {
            for width in [0, 2, 4, 6] {
                #expect(zeroPadded(value, width: width) == String(format: "%0\(width)d", value), "\(value) \(width)")
            }
        }
    }
}
