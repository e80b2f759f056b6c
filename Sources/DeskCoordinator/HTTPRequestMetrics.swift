import Synchronization

/// Request counts and latency histograms of the HTTP API per route template, method and status class,
/// rendered at `/metrics` as `desk_http_requests_total` and `desk_http_request_duration_seconds`.
///
/// Labels come from bounded sets: `route` is a registered template such as `/api/v1/tickets/{id}` (never a
/// raw path) or `unmatched`, `method` one of the methods the API uses or `OTHER`, `status` a class
/// (`2xx` … `5xx`). One mutex guards the series; a request takes it once.
public final class HTTPRequestMetrics: Sendable {
    /// Histogram bucket upper bounds, in seconds: from 1 ms (a read) to 10 s (a large batch under load).
    static let buckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Methods kept as labels; any other is counted as `OTHER`.
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    struct Key: Hashable, Comparable {
        let route: String, method: String, status: String
        static func < (a: Key, b: Key) -> Bool { (a.route, a.method, a.status) < (b.route, b.method, b.status) }
    }

    struct Series {
        var bucketCounts = [Int](repeating: 0, count: HTTPRequestMetrics.buckets.count)
        var count = 0
        var sum = 0.0
    }

    private let series = Mutex<[Key: Series]>([:])

    /// No requests yet.
    public init() {}

    /// Counts one finished request. `route` is the matched template (nil when no route matched).
    func record(route: String?, method: String, status: Int, seconds: Double) {
        let key = Key(route: route ?? "unmatched", method: Self.methods.contains(method) ? method : "OTHER",
                      status: "\(min(max(status / 100, 1), 5))xx")
        series.withLock { all in
            var entry = all[key] ?? Series()
            entry.count += 1
            entry.sum += seconds
            if let bucket = Self.buckets.firstIndex(where: { seconds <= $0 }) { entry.bucketCounts[bucket] += 1 }
            all[key] = entry
        }
    }

    /// Prometheus text exposition format 0.0.4; cumulative buckets, `+Inf` equal to the count.
    func render() -> String {
        let snapshot = series.withLock { $0 }.sorted { $0.key < $1.key }
        var out = "# HELP desk_http_requests_total HTTP requests answered, by route template, method and status class.\n"
        out += "# TYPE desk_http_requests_total counter\n"
        for (key, entry) in snapshot {
            out += "desk_http_requests_total{\(Self.labels(key))} \(entry.count)\n"
        }
        out += "# HELP desk_http_request_duration_seconds Time to answer an HTTP request, by route template, method and status class.\n"
        out += "# TYPE desk_http_request_duration_seconds histogram\n"
        for (key, entry) in snapshot {
            let labels = Self.labels(key)
            var cumulative = 0
            for (bound, count) in zip(Self.buckets, entry.bucketCounts) {
                cumulative += count
                out += "desk_http_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n"
            }
            out += "desk_http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(entry.count)\n"
            out += "desk_http_request_duration_seconds_sum{\(labels)} \(entry.sum)\n"
            out += "desk_http_request_duration_seconds_count{\(labels)} \(entry.count)\n"
        }
        return out
    }

    /// Route templates are the API's own literals (path characters and `{}`), so nothing needs escaping.
    private static func labels(_ key: Key) -> String {
        "method=\"\(key.method)\",route=\"\(key.route)\",status=\"\(key.status)\""
    }
}
