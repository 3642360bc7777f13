/// A PEP 440 version (epoch, release, pre, post, dev; local labels ignored),
/// enough to judge the specifiers of a requirements file without Python.
struct PythonVersion: Comparable, CustomStringConvertible {
    var epoch = 0
    var release: [Int] = []
    /// (0 a, 1 b, 2 rc, number); nil for a final release.
    var pre: (Int, Int)?
    var post: Int?
    var dev: Int?
    let description: String

    init?(_ text: String) {
        description = text
        var s = Substring(text.lowercased().trimmingCharacters(in: .whitespaces))
        if s.hasPrefix("v") { s = s.dropFirst() }
        if let plus = s.firstIndex(of: "+") { s = s[..<plus] }
        if let bang = s.firstIndex(of: "!") {
            guard let e = Int(s[..<bang]) else { return nil }
            epoch = e
            s = s[s.index(after: bang)...]
        }
        // Release: digits and dots.
        var releaseEnd = s.startIndex
        while releaseEnd < s.endIndex, s[releaseEnd].isNumber || s[releaseEnd] == "." {
            releaseEnd = s.index(after: releaseEnd)
        }
        var releaseText = s[..<releaseEnd]
        while releaseText.hasSuffix(".") { releaseText = releaseText.dropLast() }
        release = releaseText.split(separator: ".").compactMap { Int($0) }
        guard !release.isEmpty else { return nil }
        var rest = s[releaseEnd...]
        func number(after prefixes: [String]) -> Int?? {
            let trimmed = rest.drop { $0 == "." || $0 == "-" || $0 == "_" }
            for prefix in prefixes where trimmed.hasPrefix(prefix) {
                var tail = trimmed.dropFirst(prefix.count).drop { $0 == "." || $0 == "-" || $0 == "_" }
                let digits = tail.prefix { $0.isNumber }
                tail = tail.dropFirst(digits.count)
                rest = tail
                return .some(Int(digits) ?? 0)
            }
            return .none
        }
        for (rank, names) in [(0, ["alpha", "a"]), (1, ["beta", "b"]), (2, ["rc", "c", "preview", "pre"])] {
            if case .some(let n) = number(after: names) { pre = (rank, n ?? 0); break }
        }
        if case .some(let n) = number(after: ["post", "rev", "r"]) { post = n ?? 0 }
        if case .some(let n) = number(after: ["dev"]) { dev = n ?? 0 }
        guard rest.isEmpty else { return nil }
    }

    /// Sort key per PEP 440: dev releases sort before pre-releases of the same release.
    private var key: [Double] {
        var release = self.release
        while release.count > 1 && release.last == 0 { release.removeLast() }
        var k = [Double(epoch)] + release.map(Double.init) + [-1]
        if let pre {
            k += [Double(pre.0), Double(pre.1)]
        } else if post == nil, dev != nil {
            k += [-1, 0]
        } else {
            k += [9, 0]
        }
        k += [post.map(Double.init) ?? -1]
        k += [dev.map(Double.init) ?? Double.infinity]
        return k
    }

    static func == (a: PythonVersion, b: PythonVersion) -> Bool { a.key == b.key }

    static func < (a: PythonVersion, b: PythonVersion) -> Bool {
        a.key.lexicographicallyPrecedes(b.key)
    }

    /// Whether `self` satisfies one specifier clause such as `>=3.9` or `==1.2.*`.
    func satisfies(_ op: String, _ target: String) -> Bool? {
        if op == "===" { return description == target }
        if target.hasSuffix(".*") {
            guard op == "==" || op == "!=", let prefix = PythonVersion(String(target.dropLast(2))) else { return nil }
            let matches =
                epoch == prefix.epoch && release.count >= prefix.release.count
                && Array(release.prefix(prefix.release.count)) == prefix.release
            return op == "==" ? matches : !matches
        }
        guard let other = PythonVersion(target) else { return nil }
        // Pre-releases are allowed here: an installed pre-release is what is installed.
        switch op {
        case "==": return self == other
        case "!=": return self != other
        case ">=": return self >= other
        case "<=": return self <= other
        case ">": return self > other
        case "<": return self < other
        case "~=":
            guard other.release.count >= 2 else { return nil }
            let prefix = Array(other.release.dropLast())
            return self >= other && Array(release.prefix(prefix.count)) == prefix
        default: return nil
        }
    }
}
