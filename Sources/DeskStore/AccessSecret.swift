import Crypto
import Foundation

/// Long random secrets (API tokens, session ids, sign-in links) and their stored form: only the SHA-256
/// of a secret is ever written; the secret itself is shown once and then exists only with its holder.
public enum AccessSecret {
    /// A new API token, `desk_` + 8 hex characters (the prefix, stored and shown) + `_` + 43 characters of
    /// base64url (256 random bits).
    public static func newToken() -> (token: String, prefix: String, hash: String) {
        let prefix = "desk_" + randomBytes(4).map { String(format: "%02x", $0) }.joined()
        let token = prefix + "_" + base64URL(randomBytes(32))
        return (token, prefix, hash(token))
    }

    /// A random secret of 256 bits in base64url (session ids, CSRF tokens, sign-in links).
    public static func random() -> String { base64URL(randomBytes(32)) }

    /// The stored form of a secret: lowercase hex SHA-256.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The visible prefix of a presented token (`desk_1a2b3c4d`), or nil when it does not have the shape
    /// of one: used to name a token in errors and logs without its secret part.
    public static func prefix(of token: String) -> String? {
        let parts = token.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "desk", parts[1].count == 8, parts[1].allSatisfy(\.isHexDigit),
              parts[2].count == 43 else { return nil }
        return "desk_" + parts[1]
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
