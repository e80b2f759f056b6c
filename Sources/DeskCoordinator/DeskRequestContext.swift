import DeskModel
import HTTPTypes
import Hummingbird
import NIOCore

/// A request's context in the API: who is asking (set by `AccessMiddleware`) and from where.
struct DeskRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The caller, once a credential was verified; nil for an anonymous request.
    var principal: Principal?
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

    var description: String {
        switch self {
        case .anyone: "anyone"
        case .signedIn: "signed in"
        case .publicOr(let permission): "public or \(permission.rawValue)"
        case .requires(let permission): permission.rawValue
        }
    }

    /// Refuses a caller the route does not admit: `401` without a credential, `403` naming the missing
    /// permission with one.
    func check(_ principal: Principal?) throws {
        let permission: Permission
        switch self {
        case .anyone: return
        case .signedIn:
            guard principal != nil else { throw APIError(.unauthorized, "this endpoint needs a credential: send 'Authorization: Bearer <token>'",
                                                         authenticate: true) }
            return
        case .publicOr(let needed):
            guard principal != nil else { return }
            permission = needed
        case .requires(let needed):
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
struct AccessMiddleware: RouterMiddleware {
    typealias Context = DeskRequestContext
    let access: AccessControl

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        var context = context
        context.principal = try await access.principal(authorization: header, address: context.address)
        return try await next(request, context)
    }
}
