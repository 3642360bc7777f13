import Foundation
import Testing

@testable import HedgeOpsKit

/// Bad input never crashes or hangs the loader: seeded mutations of the
/// shipped checklists (byte flips, deleted and repeated lines, swapped
/// types, huge numbers, deep nesting, invalid UTF-8, alias bombs) each load
/// or fail with diagnostics that point into the file, in well under a second.
struct ChecklistMutationTests {
    /// 10,000 across the two shipped checklists; `HEDGEOPS_MUTATIONS` changes it.
    static let count = ProcessInfo.processInfo.environment["HEDGEOPS_MUTATIONS"].flatMap(Int.init) ?? 10_000

    enum Mutation: CaseIterable {
        case flipByte, deleteLine, repeatLine, swapType, hugeNumber, deepNesting, invalidUTF8, aliasBomb, truncate
        case controlCharacter, tabIndent
    }

    struct Mutator {
        var random: ReproducibleRandom
        let base: [UInt8]

        mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        mutating func index(_ count: Int) -> Int { count == 0 ? 0 : Int(random.next() % UInt64(count)) }

        mutating func mutate(_ kind: Mutation) -> [UInt8] {
            var bytes = base
            var lines = String(decoding: base, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .map(String.init)
            func joined() -> [UInt8] { Array(lines.joined(separator: "\n").utf8) }
            switch kind {
            case .flipByte:
                for _ in 0...index(4) {
                    let at = index(bytes.count)
                    bytes[at] ^= UInt8(truncatingIfNeeded: 1 << index(8))
                }
                return bytes
            case .deleteLine:
                for _ in 0...index(3) where !lines.isEmpty { lines.remove(at: index(lines.count)) }
                return joined()
            case .repeatLine:
                let at = index(lines.count)
                lines.insert(lines[at], at: at)
                return joined()
            case .swapType:
                // A scalar value becomes a list, a mapping, a boolean, null or a string.
                let candidates = lines.indices.filter { lines[$0].contains(": ") }
                guard !candidates.isEmpty else { return joined() }
                let at = pick(candidates)
                let key = lines[at].prefix { $0 != ":" }
                lines[at] = key + ": " + pick(["[1, 2]", "{a: b}", "true", "~", "\"text\"", "-1", "[]", "{}"])
                return joined()
            case .hugeNumber:
                let candidates = lines.indices.filter { lines[$0].contains(where: \.isNumber) }
                guard !candidates.isEmpty else { return joined() }
                let at = pick(candidates)
                let key = lines[at].prefix { $0 != ":" }
                lines[at] =
                    key + ": "
                    + pick(["1e400", "-1e400", "99999999999999999999999999", ".nan", ".inf", "0x7fffffffffffffff"])
                return joined()
            case .deepNesting:
                let depth = pick([100, 1_000, 10_000, 100_000])
                let at = index(lines.count)
                let key = lines[at].prefix { $0 != ":" }
                lines[at] = key + ": " + String(repeating: pick(["[", "{a: "]), count: depth)
                return joined()
            case .invalidUTF8:
                let at = index(bytes.count)
                bytes.insert(
                    contentsOf: pick([[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]]), at: at)
                return bytes
            case .aliasBomb:
                var bomb = ["a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]"]
                for level in 1...9 {
                    let previous = Character(UnicodeScalar(UInt8(96 + level)))
                    let name = Character(UnicodeScalar(UInt8(97 + level)))
                    bomb.append(
                        "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]")
                }
                lines.insert(contentsOf: bomb, at: pick([0, lines.count]))
                return joined()
            case .truncate:
                return Array(bytes.prefix(index(bytes.count)))
            case .controlCharacter:
                bytes.insert(pick([0x00, 0x07, 0x1B, 0x7F, 0x0C]), at: index(bytes.count))
                return bytes
            case .tabIndent:
                let at = index(lines.count)
                lines[at] = "\t" + lines[at]
                return joined()
            }
        }
    }

    @Test(arguments: ["load-test-8h.yaml", "demo.yaml"])
    func seededMutationsLoadOrFailAtAPlaceInTheFile(_ name: String) throws {
        let path = Fixture.repositoryRoot.appendingPathComponent("checklists/" + name).path
        let base = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        var mutator = Mutator(random: ReproducibleRandom(randomStart: name == "demo.yaml" ? 2 : 1), base: base)
        var loaded = 0, refused = 0, slowest = 0.0
        for round in 0..<(Self.count / 2) {
            let kind = Mutation.allCases[round % Mutation.allCases.count]
            let bytes = mutator.mutate(kind)
            let lineCount = bytes.count { $0 == UInt8(ascii: "\n") } + 1
            let started = Date()
            do {
                _ = try ChecklistLoader.parse(data: Data(bytes), file: "mutated.yaml")
                loaded += 1
            } catch {
                refused += 1
                #expect(!error.diagnostics.isEmpty)
                for diagnostic in error.diagnostics {
                    let placed =
                        diagnostic.file == "mutated.yaml" && diagnostic.line >= 1 && diagnostic.line <= lineCount
                        && diagnostic.column >= 1
                    if !placed {
                        Issue.record(
                            "\(kind) round \(round): \(diagnostic) is not a place in the file (\(lineCount) lines)")
                    }
                }
            }
            let elapsed = Date().timeIntervalSince(started)
            slowest = max(slowest, elapsed)
            if elapsed > 1 { Issue.record("\(kind) round \(round) took \(elapsed) s") }
        }
        print("\(name): \(Self.count / 2) mutations, \(loaded) loaded, \(refused) refused, slowest \(slowest) s")
        #expect(refused > loaded)
    }
}
