import Foundation

/// Base64 as OpenSSH decodes it (`b64_pton`): whitespace skipped anywhere,
/// `=` padding only where it belongs, the unused bits after the last byte
/// zero. Foundation's decoder differs on each of these, and a signature or
/// key one tool accepts must be one the other accepts.
enum SSHBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8: UInt8] = Dictionary(
        uniqueKeysWithValues: alphabet.enumerated().map { ($1, UInt8($0)) })

    /// C's `isspace` in the C locale.
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0d).contains(byte) }

    /// The decoded bytes, or nil where OpenSSH would fail. Stops at a NUL, as a C string does.
    static func decode<Bytes: Collection<UInt8>>(_ text: Bytes) -> Data? {
        let source = Array(text.prefix { $0 != 0 })
        if source.isEmpty { return Data() }
        let size = source.count
        var target = [UInt8](repeating: 0, count: size)
        var state = 0, index = 0, position = 0
        var sawPad = false
        while position < source.count {
            let byte = source[position]
            position += 1
            if isSpace(byte) { continue }
            if byte == UInt8(ascii: "=") {
                sawPad = true
                break
            }
            guard let value = values[byte] else { return nil }
            switch state {
            case 0:
                guard index < size else { return nil }
                target[index] = value << 2
                state = 1
            case 1:
                guard index + 1 < size else { return nil }
                target[index] |= value >> 4
                target[index + 1] = (value & 0x0f) << 4
                index += 1
                state = 2
            case 2:
                guard index + 1 < size else { return nil }
                target[index] |= value >> 2
                target[index + 1] = (value & 0x03) << 6
                index += 1
                state = 3
            default:
                guard index < size else { return nil }
                target[index] |= value
                index += 1
                state = 0
            }
        }
        if sawPad {
            switch state {
            case 0, 1:
                return nil
            case 2:
                // One byte of data: a second `=` must follow, whitespace allowed between.
                while position < source.count && isSpace(source[position]) { position += 1 }
                guard position < source.count, source[position] == UInt8(ascii: "=") else { return nil }
                position += 1
                fallthrough
            default:
                while position < source.count {
                    if !isSpace(source[position]) { return nil }
                    position += 1
                }
                // Bits past the last byte must be zero, or they would carry hidden data.
                if index < size && target[index] != 0 { return nil }
            }
        } else if state != 0 {
            return nil
        }
        return Data(target[0..<index])
    }
}
