import Foundation

extension AllowedSigners {
    /// The options field of an allowed_signers line, read as OpenSSH's
    /// `sshsigopt_parse` reads it: names case-insensitive, values in double
    /// quotes (`\"` inside), no option twice, anything else makes the line
    /// invalid.
    struct Options: Equatable, Sendable {
        /// The key certifies signers; it does not sign files itself.
        var certAuthority = false
        /// Pattern list of the namespaces the key may sign for; nil for any.
        var namespaces: String?
        /// Seconds since the epoch.
        var validAfter: Int64?
        var validBefore: Int64?

        static func parse(_ text: [UInt8], timeZone: TimeZone) -> Result<Options, SigningError> {
            var options = Options()
            var index = 0
            func has(_ prefix: String) -> Bool {
                let bytes = Array(prefix.utf8)
                guard index + bytes.count <= text.count else { return false }
                return zip(text[index..<(index + bytes.count)], bytes).allSatisfy { lower($0) == lower($1) }
            }
            /// `name=` (case-insensitive), then the quoted value.
            func value(_ name: String) -> Result<[UInt8], SigningError>? {
                guard has(name + "=") else { return nil }
                index += name.utf8.count + 1
                guard index < text.count, text[index] == UInt8(ascii: "\"") else {
                    return .failure(SigningError("\(name): missing start quote"))
                }
                index += 1
                var result: [UInt8] = []
                while index < text.count && text[index] != UInt8(ascii: "\"") {
                    if text[index] == UInt8(ascii: "\\") && index + 1 < text.count
                        && text[index + 1] == UInt8(ascii: "\"")
                    {
                        index += 1
                    }
                    result.append(text[index])
                    index += 1
                }
                guard index < text.count else { return .failure(SigningError("\(name): missing end quote")) }
                index += 1
                return .success(result)
            }
            func time(_ name: String, _ raw: [UInt8]) -> Result<Int64, SigningError> {
                guard let seconds = AbsoluteTime.parse(raw, timeZone: timeZone), seconds != 0 else {
                    return .failure(
                        SigningError(
                            "invalid \"\(name)\" time \"\(String(decoding: raw, as: UTF8.self))\" "
                                + "(YYYYMMDD[HHMM[SS]], Z or UTC for UTC)"))
                }
                return .success(seconds)
            }
            while index < text.count && !AllowedSigners.isBlank(text[index]) {
                if has("cert-authority") {
                    options.certAuthority = true
                    index += "cert-authority".utf8.count
                } else if let namespaces = value("namespaces") {
                    guard options.namespaces == nil else {
                        return .failure(SigningError("multiple \"namespaces\" clauses"))
                    }
                    switch namespaces {
                    case .success(let raw): options.namespaces = String(decoding: raw, as: UTF8.self)
                    case .failure(let error): return .failure(error)
                    }
                } else if let after = value("valid-after") {
                    guard options.validAfter == nil else {
                        return .failure(SigningError("multiple \"valid-after\" clauses"))
                    }
                    switch after.flatMap({ time("valid-after", $0) }) {
                    case .success(let seconds): options.validAfter = seconds
                    case .failure(let error): return .failure(error)
                    }
                } else if let before = value("valid-before") {
                    guard options.validBefore == nil else {
                        return .failure(SigningError("multiple \"valid-before\" clauses"))
                    }
                    switch before.flatMap({ time("valid-before", $0) }) {
                    case .success(let seconds): options.validBefore = seconds
                    case .failure(let error): return .failure(error)
                    }
                }
                if index >= text.count || AllowedSigners.isBlank(text[index]) { break }
                guard text[index] == UInt8(ascii: ",") else {
                    let rest = String(decoding: text[index...].prefix { $0 != UInt8(ascii: ",") }, as: UTF8.self)
                    return .failure(
                        SigningError(
                            "unknown key option \"\(rest)\" (ssh-keygen knows cert-authority, namespaces=, "
                                + "valid-after=, valid-before=)"))
                }
                index += 1
                if index >= text.count { return .failure(SigningError("unexpected end-of-options")) }
            }
            if let after = options.validAfter, let before = options.validBefore, before <= after {
                return .failure(SigningError("\"valid-before\" time is before \"valid-after\""))
            }
            return .success(options)
        }

        private static func lower(_ byte: UInt8) -> UInt8 {
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
        }
    }
}
