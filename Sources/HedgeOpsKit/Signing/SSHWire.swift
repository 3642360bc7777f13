import Foundation

/// SSH wire encoding (RFC 4251): `string` is a uint32 big-endian length then
/// the bytes. Shared by the key file, the public key blob and SSHSIG.
struct SSHWriter {
    private(set) var data = Data()

    mutating func raw(_ bytes: Data) { data.append(bytes) }
    mutating func raw(_ text: String) { data.append(Data(text.utf8)) }

    mutating func uint32(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { data.append(contentsOf: $0) }
    }

    mutating func string(_ bytes: Data) {
        uint32(UInt32(bytes.count))
        data.append(bytes)
    }

    mutating func string(_ text: String) { string(Data(text.utf8)) }
}

struct SSHReader {
    private let data: Data
    private var offset: Int

    init(_ data: Data) {
        self.data = data
        offset = data.startIndex
    }

    var atEnd: Bool { offset >= data.endIndex }

    mutating func raw(_ count: Int) throws(SigningError) -> Data {
        guard count >= 0, offset + count <= data.endIndex else { throw SigningError("truncated data") }
        defer { offset += count }
        return data.subdata(in: offset..<(offset + count))
    }

    mutating func uint32() throws(SigningError) -> UInt32 {
        try raw(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func string() throws(SigningError) -> Data { try raw(Int(try uint32())) }

    mutating func text() throws(SigningError) -> String { String(decoding: try string(), as: UTF8.self) }

    /// A string read as OpenSSH's `sshbuf_get_cstring`: a NUL only as its last byte (dropped), nil otherwise.
    mutating func cstring() throws(SigningError) -> String? {
        var bytes = try string()
        if let nul = bytes.firstIndex(of: 0) {
            guard nul == bytes.index(before: bytes.endIndex) else { return nil }
            bytes.removeLast()
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bytes not read yet.
    var remaining: Int { data.endIndex - offset }
}

/// A signing or verification problem, in words the operator can act on.
public struct SigningError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// PEM-like armour with base64 wrapped at 70 columns, as OpenSSH writes it.
enum Armour {
    static func wrap(_ data: Data, label: String) -> String {
        let base64 = data.base64EncodedString()
        var lines: [String] = []
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 70, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<end]))
            index = end
        }
        return "-----BEGIN \(label)-----\n" + lines.joined(separator: "\n") + "\n-----END \(label)-----\n"
    }

    static func unwrap(_ text: String, label: String) throws(SigningError) -> Data {
        let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
        guard let start = text.range(of: begin), let stop = text.range(of: end, range: start.upperBound..<text.endIndex)
        else { throw SigningError("not an armoured \(label)") }
        let body = text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: String(body)) else {
            throw SigningError("the \(label) is not valid base64")
        }
        return data
    }
}
