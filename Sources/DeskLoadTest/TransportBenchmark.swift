import Foundation
import ZeroMQ

/// Round-trip latency through Desk's ZeroMQ binding, in the same DEALER → ROUTER echo topology as
/// `loadtest/bench/pingpong.c`, so the two can be compared directly.
public enum TransportBenchmark {
    /// Runs the three variants and returns a line each.
    ///
    /// - `swift-socket`: the synchronous `Socket` wrapper on both sides (what the binding itself costs).
    /// - `swift-async client`: an `AsyncSocket` DEALER driven from a task, a `Socket` echo thread: the
    ///   path Desk's agents use (one thread hop each way).
    /// - `swift-async both`: `AsyncSocket` on both sides, echoing from a task: the coordinator's path.
    public static func run(roundTrips: Int, size: Int) async throws -> [String] {
        [
            "swift-socket round trip (\(size) B): \(try socketPingPong(roundTrips, size))",
            "swift-async client round trip (\(size) B): \(try await asyncClientPingPong(roundTrips, size, asyncServer: false))",
            "swift-async both round trip (\(size) B): \(try await asyncClientPingPong(roundTrips, size, asyncServer: true))",
        ]
    }

    static func startEcho(_ context: Context) throws -> (Socket, String, Thread) {
        let router = try Socket(context, .router)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.get(.lastEndpoint)
        let thread = Thread {
            while let message = try? router.receive() {
                _ = try? router.send(message)
            }
        }
        thread.start()
        return (router, endpoint, thread)
    }

    static func socketPingPong(_ n: Int, _ size: Int) throws -> LatencySummary {
        let context = try Context()
        let (router, endpoint, _) = try startEcho(context)
        let dealer = try Socket(context, .dealer)
        try dealer.connect(endpoint)
        let payload = [UInt8](repeating: 120, count: size)
        var samples: [Double] = []
        samples.reserveCapacity(n)
        for i in 0..<(n + n / 10) {
            let start = nowMicroseconds()
            try dealer.send([payload])
            _ = try dealer.receive()
            if i >= n / 10 { samples.append(nowMicroseconds() - start) }
        }
        dealer.close()
        withExtendedLifetime(router) {}
        return LatencySummary(microseconds: samples)
    }

    static func asyncClientPingPong(_ n: Int, _ size: Int, asyncServer: Bool) async throws -> LatencySummary {
        let context = try Context()
        var echoSocket: Socket?
        var server: AsyncSocket?
        var serverTask: Task<Void, Never>?
        let endpoint: String
        if asyncServer {
            let router = try AsyncSocket(context, .router, name: "bench-router") { try $0.bind("tcp://127.0.0.1:*") }
            endpoint = router.lastEndpoint ?? ""
            serverTask = Task {
                for await message in router.messages { router.post(message) }
            }
            server = router
        } else {
            let (router, bound, _) = try startEcho(context)
            echoSocket = router
            endpoint = bound
        }
        let dealer = try AsyncSocket(context, .dealer, name: "bench-dealer") { try $0.connect(endpoint) }
        let payload = [UInt8](repeating: 120, count: size)
        var replies = dealer.messages.makeAsyncIterator()
        var samples: [Double] = []
        samples.reserveCapacity(n)
        for i in 0..<(n + n / 10) {
            let start = nowMicroseconds()
            dealer.post([payload])
            _ = await replies.next()
            if i >= n / 10 { samples.append(nowMicroseconds() - start) }
        }
        await dealer.close()
        await server?.close()
        serverTask?.cancel()
        withExtendedLifetime(echoSocket) {}
        return LatencySummary(microseconds: samples)
    }
}
