import DeskModel
import DeskStore
import HTTPTypes
import Hummingbird
import NIOCore

/// A request's context in the API: who is asking (set by `AccessMiddleware`) and from where.
struct DeskRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The caller, once a credential was verified; nil for an anonymous request.
    var principal: Principal?
    /// The session, when the credential was a session cookie (sign-out ends it; `/api/v1/me` shows its
    /// CSRF token).
    var session: SessionRecord?
    /// The client's address (IP only), for throttles and rate limits; "local" when the transport has none.
    let address: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        address = source.channel.remoteAddress?.ipAddress ?? "local"
    }
}

/// What a route asks of its caller. Every route names one; `RouteTable` keeps them, docs/SECURITY.md prints
/// them, and `AccessMatrixTests` checks each route against every role.
enum RouteAccess: Sendable, Equatable, CustomStringConvertible {
    /// Anyone, with or without a credential (health, metrics).
    case anyone
    /// Any valid credential, whatever its permissions (who am I).
    case signedIn
    /// Anyone without a credential (rate-limited by the handler); a credential must hold the permission.
    case publicOr(Permission)
    /// A credential holding the permission.
    case requires(Permission)
    /// A web page for holders of the permission: without a credential a redirect to sign-in, without the
    /// permission a `403` page naming it (`HTTPAPI.onPage`).
    case page(Permission)

    var description: String {
        switch self {
        case .anyone: "anyone"
        case .signedIn: "signed in"
        case .publicOr(let permission): "public or \(permission.rawValue)"
        case .requires(let permission): permission.rawValue
        case .page(let permission): "page: \(permission.rawValue)"
        }
    }

    /// Refuses a caller the route does not admit: `401` without a credential, `403` naming the missing
    /// permission with one.
    func check(_ principal: Principal?) throws {
        let permission: Permission
        switch self {
        case .anyone: return
        case .signedIn:
            guard principal != nil else { throw APIError(.unauthorized, "this endpoint needs a credential: send 'Authorization: Bearer <token>' or sign in",
                                                         authenticate: true) }
            return
        case .publicOr(let needed):
            guard principal != nil else { return }
            permission = needed
        case .requires(let needed), .page(let needed):
            permission = needed
        }
        guard let principal else {
            throw APIError(.unauthorized, "this endpoint needs permission '\(permission.rawValue)': send 'Authorization: Bearer <token>'",
                           authenticate: true)
        }
        guard principal.holds(permission) else {
            let why = principal.role.permissions.contains(permission)
                ? "\(principal.credential) is limited to " + principal.permissions.map(\.rawValue).sorted().joined(separator: ", ")
                : "role \(principal.role.rawValue) does not have it"
            throw APIError(.forbidden, "permission '\(permission.rawValue)' is needed: \(why)", field: nil)
        }
    }
}

/// Verifies the caller's credential, when one is sent, before any route runs: a bad one is `401` even
/// on a public route (the client meant to be someone). Without one the request goes on anonymously and
/// each route's `RouteAccess` decides.
///
/// The credential is a bearer token (`Authorization`) or, without one, the session cookie. A request made
/// with the cookie that changes state (POST, PUT, PATCH, DELETE) must carry the session's CSRF token in
/// `X-CSRF-Token` or, in a form, a `csrf` field: a cookie is sent by the browser whoever made the page.
/// A refused cookie's `401` clears it. The sign-in endpoints (`/auth/sign-in`, `/auth/link…`) do not read
/// the cookie: a stale one must not stand in the way of signing in again.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = DeskRequestContext
    let access: AccessControl
    let sessions: SessionAccess

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            context.principal = try await access.principal(authorization: header, address: context.address)
            return try await next(request, context)
        }
        guard let secret = SessionCookie.value(in: request.headers), Self.readsCookie(request.uri.path) else {
            return try await next(request, context)
        }
        var request = request
        do {
            let session = try await sessions.session(secret: secret, address: context.address)
            if Self.changesState(request.method) {
                try await Self.checkCSRF(&request, expected: session.record.csrf)
            }
            context.principal = session.principal
            context.session = session.record
        } catch let error as APIError where error.status == .unauthorized {
            // A web page with a cookie that is no longer good: the page as for anyone (it sends them to
            // sign-in), and the cookie cleared.
            if Self.isPage(request.uri.path) {
                var response = try await next(request, context)
                response.headers[.setCookie] = sessions.clearingCookie
                return response
            }
            var response = try error.response(from: request, context: context)
            response.headers[.setCookie] = sessions.clearingCookie
            return response
        }
        return try await next(request, context)
    }

    static func readsCookie(_ path: String) -> Bool {
        !(path == "/auth/sign-in" || path == "/auth/link" || path.hasPrefix("/auth/link/") || path.hasPrefix("/sign-in"))
    }

    /// The web app's pages that read the session (`HTTPAPI+Web.swift`); not the API, health or metrics.
    static func isPage(_ path: String) -> Bool {
        path == "/" || path == "/portal" || path.hasPrefix("/portal/") || path == "/work" || path.hasPrefix("/work/") || path == "/lead"
            || path.hasPrefix("/static/") || path == "/admin" || path.hasPrefix("/admin/") || path == "/help" || path.hasPrefix("/help/")
    }

    static func changesState(_ method: HTTPRequest.Method) -> Bool {
        [.post, .put, .patch, .delete].contains(method)
    }

    /// `403` unless the request carries `expected` in `X-CSRF-Token` or in a form's `csrf` field (the form
    /// is read here and handed on whole to the route).
    static func checkCSRF(_ request: inout Request, expected: String) async throws {
        var sent = request.headers[.xCSRFToken]
        if sent == nil, FormBody.isForm(request) {
            let buffer: ByteBuffer
            do {
                buffer = try await request.collectBody(upTo: HTTPAPI.maxRequestBytes)  // a macro's reply, an SLA document
            } catch {
                throw APIError(.contentTooLarge, "a form body is over \(HTTPAPI.maxRequestBytes) bytes")
            }
            sent = Self.formField("csrf", in: buffer)
        }
        guard let sent, SessionCookie.same(sent, expected) else {
            throw APIError(.forbidden, "CSRF token missing or wrong: a request made with the session cookie that changes something "
                           + "must send the session's CSRF token (the 'csrf' of the sign-in answer or of GET /api/v1/me) "
                           + "in an X-CSRF-Token header or a 'csrf' form field")
        }
    }

    /// One field of a form body, leniently (the route reads the form strictly).
    static func formField(_ name: String, in buffer: ByteBuffer) -> String? {
        for pair in String(buffer: buffer).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, FormBody.decode(parts[0]) == name { return FormBody.decode(parts[1]) }
        }
        return nil
    }
}
