import Foundation
import Hummingbird
import NIOCore

/// An HTML form's body (`application/x-www-form-urlencoded`), read as strictly as JSON bodies are: a
/// field the endpoint does not take, a field given twice or a broken percent-escape is a `400` naming it.
enum FormBody {
    /// Whether the request says its body is a form.
    static func isForm(_ request: Request) -> Bool {
        request.headers[.contentType].map { $0.lowercased().hasPrefix("application/x-www-form-urlencoded") } ?? false
    }

    /// The fields of a form body; `allowed` are the names the endpoint takes.
    static func fields(_ buffer: ByteBuffer, allowed: Set<String>) throws -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else {
                throw APIError(.badRequest, "the form has a broken percent-escape in '\(pair.prefix(40))'")
            }
            guard allowed.contains(name) else {
                throw APIError(.badRequest, "unknown field '\(name.prefix(64))'", field: String(name.prefix(64)))
            }
            guard fields[name] == nil else { throw APIError(.badRequest, "field '\(name)' is given twice", field: name) }
            guard !value.contains("\u{0}") else { throw APIError(.badRequest, "field '\(name)' contains a NUL character (U+0000)", field: name) }
            fields[name] = value
        }
        return fields
    }

    /// `+` is a space, `%XX` a byte of UTF-8.
    static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
