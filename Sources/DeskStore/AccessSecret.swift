import Crypto
import Foundation

/// Long random secrets (API tokens, session ids, sign-in links) and their stored form: only the SHA-256
/// of a secret is ever written; the secret itself is shown once and then exists only with its holder.
public enum AccessSecret {
    /// A new API token, `desk_` + 8 hex characters (the prefix, stored and shown) + `_` + 43 characters of
    /// base64url (256 random bits).
    public static func newToken() -> (token: String, prefix: String, hash: String) {
        let prefix = "desk_" + hex(randomBytes(4))
        let token = prefix + "_" + base64URL(randomBytes(32))
        return (token, prefix, hash(token))
    }

    /// A random secret of 256 bits in base64url (session ids, CSRF tokens, sign-in links).
    public static func random() -> String { base64URL(randomBytes(32)) }

    /// The stored form of a secret: lowercase hex SHA-256.
    /// Every API request with a token computes it: hex by table, not `String(format:)`, which cost about
    /// a fifth of single-ticket intake's throughput on Linux (docs/BENCHMARKS.md).
    public static func hash(_ secret: String) -> String {
        hex(SHA256.hash(data: Array(secret.utf8)))
    }

    /// Lowercase hex of `bytes`.
    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in bytes {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The visible prefix of a presented token (`desk_1a2b3c4d`), or nil when it does not have the shape
    /// of one: used to name a token in errors and logs without its secret part.
    public static func prefix(of token: String) -> String? {
        // The secret part is base64url, which has '_' of its own: split by position, not by '_'.
        let bytes = Array(token.utf8)
        guard bytes.count == 5 + 8 + 1 + 43, token.hasPrefix("desk_"), bytes[13] == UInt8(ascii: "_"),
              bytes[5..<13].allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }),
              bytes[14...].allSatisfy({ Self.isBase64URL($0) }) else { return nil }
        return String(decoding: bytes[0..<13], as: UTF8.self)
    }

    static func isBase64URL(_ byte: UInt8) -> Bool {
        (65...90).contains(byte) || (97...122).contains(byte) || (48...57).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
