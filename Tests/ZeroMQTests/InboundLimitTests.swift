import Foundation
import Synchronization
import Testing
@testable import ZeroMQ

@Suite("AsyncSocket: bounded inbound delivery and a thread that dies loudly")
struct InboundLimitTests {
    /// Counts deliveries and the most delivered-but-not-consumed messages seen at once.
    final class Tally: Sendable {
        let delivered = Atomic<Int>(0)
        let consumed = Atomic<Int>(0)
        let peak = Atomic<Int>(0)
        func deliver() {
            let now = delivered.add(1, ordering: .sequentiallyConsistent).newValue - consumed.load(ordering: .sequentiallyConsistent)
            var seen = peak.load(ordering: .relaxed)
            while now > seen {
                let (exchanged, original) = peak.compareExchange(expected: seen, desired: now, ordering: .relaxed)
                if exchanged { break }
                seen = original
            }
        }
    }

    @Test("with an inbound limit the socket thread never holds more delivered, unconsumed messages than the limit")
    func inboundLimitBoundsDelivery() async throws {
        let context = try Context()
        let tally = Tally()
        let (stream, continuation) = AsyncStream<[Frame]>.makeStream()
        let router = try AsyncSocket(context, .router, name: "bounded", inboundLimit: 10,
                                     deliver: { tally.deliver(); continuation.yield($0) }) { try $0.bind("inproc://bounded") }
        let dealer = try AsyncSocket(context, .dealer, name: "sender") { try $0.connect("inproc://bounded") }
        for n in 0..<500 { dealer.post([Array("m\(n)".utf8)]) }
        var received = 0
        for await _ in stream {
            received += 1
            tally.consumed.add(1, ordering: .sequentiallyConsistent)
            router.consumed()
            if received == 500 { break }
        }
        #expect(received == 500, "every message arrives once consumed")
        #expect(tally.peak.load(ordering: .relaxed) <= 10)
        #expect(router.outstanding == 0)
        await dealer.close()
        await router.close()
    }

    @Test("a socket thread that dies on a socket error tells its owner once")
    func deadThreadReports() async throws {
        let context = try Context()
        let failures = Atomic<Int>(0)
        let router = try AsyncSocket(context, .router, name: "doomed", onFailure: { _ in failures.add(1, ordering: .relaxed) },
                                     deliver: { _ in }) { try $0.bind("inproc://doomed") }
        context.shutdown()
        let deadline = Date().addingTimeInterval(5)
        while failures.load(ordering: .relaxed) == 0 && Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(failures.load(ordering: .relaxed) == 1)
        await router.close()
    }
}
