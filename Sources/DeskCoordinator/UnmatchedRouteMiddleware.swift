import HTTPTypes
import Hummingbird
import Synchronization

/// The API's routes as registered: method, template (`/api/v1/tickets/{id}`) and who may call it, for
/// the answer to a request no route takes and for the access matrix (docs/SECURITY.md).
final class RouteTable: Sendable {
    struct Route: Sendable {
        let method: HTTPRequest.Method
        let template: String
        let segments: [Substring]
        let access: RouteAccess
    }

    private let routes = Mutex<[Route]>([])

    func record(_ method: HTTPRequest.Method, _ template: String, _ access: RouteAccess) {
        routes.withLock { $0.append(Route(method: method, template: template, segments: template.split(separator: "/"), access: access)) }
    }

    /// Every route, in the order registered.
    var all: [Route] { routes.withLock { $0 } }

    /// The methods some route takes for `path` (HEAD wherever GET), in a stable order; empty when no
    /// template matches the path at all.
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        let matching = routes.withLock { routes in
            routes.filter { route in
                route.segments.count == segments.count
                    && zip(route.segments, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
            }
        }
        // The most specific templates win, as in the router: `/tickets/batch` before `/tickets/{id}`.
        func parameters(_ segments: [Substring]) -> Int { segments.count { $0.hasPrefix("{") } }
        let fewest = matching.map { parameters($0.segments) }.min()
        var methods = Set(matching.filter { parameters($0.segments) == fewest }.map(\.method.rawValue))
        if methods.contains("GET") { methods.insert("HEAD") }
        return ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].filter(methods.contains)
    }
}

/// Turns Hummingbird's bare `404` for an unmatched request into a JSON error: `405` with `Allow` when
/// the path exists under other methods, `404` naming the method and path otherwise.
struct UnmatchedRouteMiddleware<Context: RequestContext>: RouterMiddleware {
    let table: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && context.endpointPath == "NotFound" {
            let path = request.uri.path
            let allowed = table.methods(for: path)
            let shown = String(path.prefix(200))
            guard !allowed.isEmpty else {
                throw APIError(.notFound, "no such endpoint: \(request.method.rawValue) \(shown)")
            }
            throw APIError(.methodNotAllowed, "\(request.method.rawValue) is not allowed on \(shown); allowed: "
                           + allowed.joined(separator: ", "), allow: allowed.joined(separator: ", "))
        }
    }
}

extension Router where Context == DeskRequestContext {
    /// Adds a route that admits only the callers `access` names, and records it in `table`.
    @discardableResult
    func on<Output: ResponseGenerator>(_ table: RouteTable, _ method: HTTPRequest.Method, _ path: String, _ access: RouteAccess,
                                       use handler: @escaping @Sendable (Request, Context) async throws -> Output) -> Self {
        table.record(method, path, access)
        return on(RouterPath(path), method: method) { request, context in
            try access.check(context.principal)
            return try await handler(request, context)
        }
    }
}
