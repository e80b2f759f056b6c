import Hummingbird

/// Records every API request in `HTTPRequestMetrics` under its route template, method and status class.
///
/// Add it before any route: Hummingbird applies a router's middleware only to routes added after it. The
/// router has matched the route (and stored its template in the context) before the middleware runs. A
/// response's time includes writing its body; an error is counted under the status it becomes.
struct RouteMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: HTTPRequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let method = request.method.rawValue
        do {
            var response = try await next(request, context)
            let status = response.status.code
            let route = Self.template(context.endpointPath)
            let body = response.body
            response.body = ResponseBody(contentLength: body.contentLength) { [metrics] writer in
                defer { metrics.record(route: route, method: method, status: status, seconds: Self.seconds(since: start)) }
                try await body.write(writer)
            }
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.record(route: Self.template(context.endpointPath), method: method, status: status,
                           seconds: Self.seconds(since: start))
            throw error
        }
    }

    /// The router's template, or nil when no route matched (Hummingbird names that `NotFound`).
    static func template(_ endpointPath: String?) -> String? {
        guard let endpointPath, endpointPath != "NotFound" else { return nil }
        return endpointPath
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
