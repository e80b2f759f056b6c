import Foundation
import Testing
@testable import ZeroMQ

@Suite("AsyncSocket: one socket thread shared by many tasks")
struct AsyncSocketTests {
    @Test("many concurrent tasks send through one socket thread with no lost or corrupted message")
    func concurrentSenders() async throws {
        let context = try Context()
        let router = try AsyncSocket(context, .router, name: "router") { try $0.bind("tcp://127.0.0.1:*") }
        let endpoint = try await endpointOf(router, context: context)
        let dealer = try AsyncSocket(context, .dealer, name: "dealer") { socket in
            try socket.set(.sendHighWaterMark, 100)  // small, so the queue-until-writable path runs
            try socket.connect(endpoint)
        }
        let tasks = 16, perTask = 1_000
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for n in 0..<perTask {
                        let payload = Array("\(task):\(n):".utf8) + Array(repeating: UInt8(truncatingIfNeeded: n), count: n % 64)
                        if n % 2 == 0 {
                            try await dealer.send([[UInt8(task)], payload])
                        } else {
                            dealer.post([[UInt8(task)], payload])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        var seen = Set<String>()
        var corrupt = 0
        for await message in router.messages {
            guard message.count == 3 else { corrupt += 1; continue }
            let text = String(decoding: message[2], as: UTF8.self)
            let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, let task = Int(parts[0]), let n = Int(parts[1]), message[1] == [UInt8(task)]
            else { corrupt += 1; continue }
            let expectedTail = Array(repeating: UInt8(truncatingIfNeeded: n), count: n % 64)
            if Array(message[2].suffix(n % 64)) != expectedTail { corrupt += 1 }
            seen.insert("\(task):\(n)")
            if seen.count + corrupt == tasks * perTask { break }
        }
        #expect(corrupt == 0)
        #expect(seen.count == tasks * perTask)
        await dealer.close()
        await router.close()
    }

    @Test("a round trip through two async sockets, and the stream finishes on close")
    func roundTripAndFinish() async throws {
        let context = try Context()
        let router = try AsyncSocket(context, .router, name: "router") { try $0.bind("inproc://async-rt") }
        let dealer = try AsyncSocket(context, .dealer, name: "dealer") { try $0.connect("inproc://async-rt") }
        try await dealer.send([Array("ping".utf8)])
        var iterator = router.messages.makeAsyncIterator()
        let request = try #require(await iterator.next())
        try await router.send([request[0], Array("pong".utf8)])
        var dealerIterator = dealer.messages.makeAsyncIterator()
        #expect(await dealerIterator.next() == [Array("pong".utf8)])
        await router.close()
        #expect(await iterator.next() == nil, "messages finishes when the socket closes")
        await dealer.close()
        await dealer.close()  // idempotent
    }

    @Test("sends pending for an absent peer fail with SocketClosedError on close, which does not hang")
    func closeWithPendingSends() async throws {
        let context = try Context()
        let dealer = try AsyncSocket(context, .dealer, name: "lonely") { socket in
            try socket.set(.immediate, true)  // no completed connection: sends would block
            try socket.connect("tcp://127.0.0.1:1")
        }
        let pending = Task {
            do {
                try await dealer.send([[1]])
                return "sent"
            } catch is SocketClosedError {
                return "closed"
            } catch {
                return "other: \(error)"
            }
        }
        for _ in 0..<50 { dealer.post([Array(repeating: 9, count: 1000)]) }
        await dealer.close()
        #expect(await pending.value == "closed")
        await #expect(throws: SocketClosedError.self) { try await dealer.send([[2]]) }
    }

    @Test("a ROUTER_MANDATORY send to an unknown peer throws from send and reaches onSendFailure from post")
    func mandatoryFailuresSurface() async throws {
        let context = try Context()
        let failures = FailureLog()
        let router = try AsyncSocket(
            context, .router, name: "router", onSendFailure: { frames, error in failures.add(frames, error) }
        ) { socket in
            try socket.set(.routerMandatory, true)
            try socket.bind("tcp://127.0.0.1:*")
        }
        await #expect(throws: ZMQError.self) { try await router.send([Array("ghost".utf8), [1]]) }
        router.post([Array("ghost".utf8), [2]])
        // Sends run in order: once this one has failed, the post before it has been tried too.
        await #expect(throws: ZMQError.self) { try await router.send([Array("ghost".utf8), [3]]) }
        await router.close()
        #expect(failures.count == 1)
    }

    func endpointOf(_ socket: AsyncSocket, context: Context) async throws -> String {
        try #require(socket.lastEndpoint)
    }
}

final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [([Frame], any Error)] = []
    func add(_ frames: [Frame], _ error: any Error) { lock.withLock { entries.append((frames, error)) } }
    var count: Int { lock.withLock { entries.count } }
}

@Suite("AsyncSocket direct delivery")
struct AsyncSocketDeliveryTests {
    @Test("with deliver, every inbound message reaches the handler in order and messages finishes at once")
    func deliverHandler() async throws {
        let context = try Context()
        let (stream, continuation) = AsyncStream<[Frame]>.makeStream()
        let router = try AsyncSocket(context, .router, name: "router", deliver: { continuation.yield($0) }) {
            try $0.bind("inproc://deliver")
        }
        var unused = router.messages.makeAsyncIterator()
        #expect(await unused.next() == nil)
        let dealer = try AsyncSocket(context, .dealer, name: "dealer") { try $0.connect("inproc://deliver") }
        for n in 0..<100 { dealer.post([[UInt8(n)]]) }
        var received: [UInt8] = []
        for await message in stream {
            received.append(message[1][0])
            if received.count == 100 { break }
        }
        #expect(received == (0..<100).map(UInt8.init))
        await dealer.close()
        await router.close()
    }
}
