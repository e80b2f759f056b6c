import DeskModel
import Foundation
import Hummingbird

/// An API failure as the client sees it: a status and `{"error": …, "field": …}`.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let message: String
    public let field: String?
    /// Seconds for a `Retry-After` header (overload refusals).
    public let retryAfter: Int?
    /// The methods a path takes (for `405`'s `Allow` header).
    public let allow: String?
    /// A `401`: answers with `WWW-Authenticate: Bearer`.
    public let authenticate: Bool

    public init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil, retryAfter: Int? = nil, allow: String? = nil,
                authenticate: Bool = false) {
        self.status = status
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
        self.allow = allow
        self.authenticate = authenticate
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let field = self.field.map { ",\"field\":" + JSONText.string($0) } ?? ""
        var response = TicketJSON.response("{\"error\":\(JSONText.string(message))\(field)}", status: status)
        if let retryAfter { response.headers[.retryAfter] = "\(retryAfter)" }
        if let allow { response.headers[.allow] = allow }
        if authenticate { response.headers[.wwwAuthenticate] = "Bearer realm=\"desk\"" }
        return response
    }

    /// A decoding failure described by the JSON path it happened at.
    /// `prefix` path components are left out of the field name (for an item inside a batch).
    static func describing(_ error: any Error, droppingPrefix prefix: Int = 0) -> APIError {
        if let unknown = error as? UnknownFieldError {
            let field = unknown.dropping(prefix).field
            return APIError(.badRequest, "unknown field '\(field)'", field: field)
        }
        guard let decoding = error as? DecodingError else {
            return APIError(.badRequest, "invalid JSON: \(error)")
        }
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.dropFirst(prefix).map { $0.intValue.map(String.init) ?? $0.stringValue }
                .joined(separator: ".")
        }
        switch decoding {
        case .typeMismatch(_, let context) where path(context).isEmpty:
            return APIError(.badRequest, "invalid JSON: the body must be a JSON object")
        case .typeMismatch(let type, let context):
            return APIError(.badRequest, "field '\(path(context))' has the wrong type: expected \(type)", field: path(context))
        case .valueNotFound(_, let context):
            return APIError(.badRequest, "field '\(path(context))' must not be null", field: path(context))
        case .keyNotFound(let key, _):
            return APIError(.badRequest, "field '\(key.stringValue)' is required", field: key.stringValue)
        case .dataCorrupted(let context):
            let field = path(context)
            return APIError(.badRequest, field.isEmpty ? "invalid JSON: the body is not a JSON object"
                            : "field '\(field)': \(context.debugDescription)", field: field.isEmpty ? nil : field)
        @unknown default:
            return APIError(.badRequest, "invalid JSON")
        }
    }
}
