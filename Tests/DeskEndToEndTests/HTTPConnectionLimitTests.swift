import Foundation
import Testing

/// The coordinator's HTTP server must not keep connections forever: idle ones and ones stalled in the
/// middle of a request head are closed within their timeouts, and past the connection limit new ones are
/// refused with a clean `503` instead of piling up until the process runs out of descriptors.
@Suite("HTTP connection timeouts and limit on a real coordinator", .serialized)
struct HTTPConnectionLimitTests {
    static let healthz = "GET /healthz HTTP/1.1\r\nHost: desk\r\nConnection: close\r\n\r\n"

    /// The value of an unlabelled sample in Prometheus text.
    static func value(of metric: String, in text: String) -> Int? {
        text.split(separator: "\n").first { $0.hasPrefix(metric + " ") }.flatMap { Int($0.split(separator: " ")[1]) }
    }

    @Test("half-sent request heads are closed after the header timeout, idle connections after the idle timeout")
    func idleAndHalfSentConnectionsAreClosed() async throws {
        let cluster = try await TestCluster(coordinatorArguments: ["--http-idle-timeout", "6", "--http-header-timeout", "1"])
        defer { cluster.shutdown() }
        let idle = try (0..<5).map { _ in try RawHTTPConnection(cluster.http) }
        let halfSent = try (0..<5).map { _ in try RawHTTPConnection(cluster.http) }
        for connection in halfSent { try connection.send("GET /healthz HTTP/1.1\r\nHost: desk\r\nX-Slow: ") }
        let start = ContinuousClock.now

        // The half-sent ones go first, well before the idle timeout could have closed them…
        try await eventually(5, "half-sent connections closed by the header timeout") { halfSent.allSatisfy { $0.isClosedByServer() } }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(halfSent.allSatisfy { $0.text.isEmpty }, "nothing was answered to a request that never arrived")
        // …while the idle ones, which never sent a byte, are still open, and are closed by the idle timeout.
        #expect(idle.allSatisfy { !$0.isClosedByServer() })
        try await eventually(15, "idle connections closed by the idle timeout") { idle.allSatisfy { $0.isClosedByServer() } }

        // A well-behaved client is still served, and the timeouts were counted.
        let answer = try await RawHTTPConnection(cluster.http).exchange(Self.healthz)
        #expect(answer.hasPrefix("HTTP/1.1 200"))
        let metrics = try await RawHTTPConnection(cluster.http).exchange("GET /metrics HTTP/1.1\r\nHost: desk\r\nConnection: close\r\n\r\n")
        #expect(Self.value(of: "desk_http_header_timeouts_total", in: metrics) == 5)
    }

    @Test("past the connection limit new connections get 503 with Connection: close; /healthz answers again once they close")
    func connectionsPastTheLimitAreRefused() async throws {
        let limit = 8
        let cluster = try await TestCluster(coordinatorArguments: [
            "--http-max-connections", "\(limit)", "--http-idle-timeout", "5", "--http-header-timeout", "1",
        ])
        defer { cluster.shutdown() }
        // More idle connections than the limit: `limit` are admitted and held, the rest are refused.
        let idle = try (0..<(limit + 4)).map { _ in try RawHTTPConnection(cluster.http) }
        try await eventually(10, "the connections past the limit refused") { idle.filter { $0.isClosedByServer() }.count == 4 }
        for refused in idle where refused.isClosedByServer() {
            #expect(refused.text.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        }

        // While they are held, a new client is refused cleanly: a 503 with a JSON body, then the close.
        let answer = try await RawHTTPConnection(cluster.http).exchange(Self.healthz)
        #expect(answer.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), "\(answer)")
        #expect(answer.contains("Connection: close\r\n"))
        #expect(answer.contains("Content-Type: application/json\r\n"))
        let body = try #require(answer.components(separatedBy: "\r\n\r\n").last)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect((json["error"] as? String)?.contains("connections") == true)

        // Once the held connections time out, the API answers again.
        try await eventually(15, "the held connections closed by the idle timeout") { idle.allSatisfy { $0.isClosedByServer() } }
        var health = ""
        try await eventually(10, "/healthz answering 200 again") {
            health = (try? await RawHTTPConnection(cluster.http).exchange(Self.healthz)) ?? ""
            return health.hasPrefix("HTTP/1.1 200")
        }
        let metrics = try await RawHTTPConnection(cluster.http).exchange("GET /metrics HTTP/1.1\r\nHost: desk\r\nConnection: close\r\n\r\n")
        #expect((Self.value(of: "desk_http_connections_refused_total", in: metrics) ?? 0) >= 5)
    }
}
