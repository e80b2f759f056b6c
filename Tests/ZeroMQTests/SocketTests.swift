import Foundation
import Synchronization
import Testing
@testable import ZeroMQ

@Suite("Socket: real libzmq sockets over tcp loopback and inproc")
struct SocketTests {
    let context: Context
    init() throws { context = try Context() }

    func boundRouter(_ endpoint: String = "tcp://127.0.0.1:*") throws -> (Socket, String) {
        let router = try Socket(context, .router)
        try router.bind(endpoint)
        return (router, try router.get(.lastEndpoint))
    }

    @Test("multipart messages round-trip intact over tcp and inproc", arguments: ["tcp", "inproc"])
    func multipartRoundTrip(transport: String) throws {
        let (router, endpoint) = try boundRouter(transport == "tcp" ? "tcp://127.0.0.1:*" : "inproc://rt")
        let dealer = try Socket(context, .dealer)
        try dealer.connect(endpoint)
        let frames: [Frame] = [Array("DESK".utf8), [], [0, 1, 2, 255], Array(repeating: 7, count: 100_000)]
        try dealer.send(frames)
        let received = try #require(try router.receive())
        #expect(received.count == frames.count + 1, "ROUTER prepends the peer's routing id")
        #expect(Array(received.dropFirst()) == frames)
        try router.send([received[0], [42], []])
        #expect(try dealer.receive() == [[42], []])
    }

    @Test("a ROUTER addresses each DEALER by its routing id, and each gets only its own replies")
    func routerDealerAddressing() throws {
        let (router, endpoint) = try boundRouter()
        var dealers: [Socket] = []
        for name in ["alice", "bob", "carol"] {
            let dealer = try Socket(context, .dealer)
            try dealer.set(.routingID, Array(name.utf8))
            try dealer.connect(endpoint)
            try dealer.send([Array("hello from \(name)".utf8)])
            dealers.append(dealer)
        }
        var seen: [String: String] = [:]
        for _ in 0..<3 {
            let message = try #require(try router.receive())
            seen[String(decoding: message[0], as: UTF8.self)] = String(decoding: message[1], as: UTF8.self)
        }
        #expect(seen == ["alice": "hello from alice", "bob": "hello from bob", "carol": "hello from carol"])
        for name in ["carol", "alice", "bob"] {
            try router.send([Array(name.utf8), Array("for \(name)".utf8)])
        }
        for (dealer, name) in zip(dealers, ["alice", "bob", "carol"]) {
            #expect(try dealer.receive() == [Array("for \(name)".utf8)])
            #expect(try dealer.receive(wait: false) == nil, "no other peer's reply leaked to \(name)")
        }
    }

    @Test("poll returns 0 when nothing arrives within the timeout, and reports a message when one does")
    func pollTimeout() throws {
        let (router, endpoint) = try boundRouter()
        var poller = Poller()
        let index = try poller.add(router, events: .readable)
        let start = ContinuousClock.now
        #expect(try poller.poll(timeoutMilliseconds: 50) == 0)
        #expect(ContinuousClock.now - start >= .milliseconds(45))
        #expect(poller.events(at: index).isEmpty)

        let dealer = try Socket(context, .dealer)
        try dealer.connect(endpoint)
        try dealer.send([[1]])
        #expect(try poller.poll(timeoutMilliseconds: 5_000) == 1)
        #expect(poller.events(at: index).contains(.readable))
    }

    @Test("ROUTER_MANDATORY turns a send to an unknown peer into EHOSTUNREACH")
    func routerMandatoryUnreachable() throws {
        let (router, _) = try boundRouter()
        try router.set(.routerMandatory, true)
        #expect(throws: ZMQError.self, "write-only in libzmq") { try router.get(.routerMandatory) }
        do {
            try router.send([Array("nobody".utf8), [1]])
            Issue.record("send to an unknown peer succeeded")
        } catch let error as ZMQError {
            #expect(error.isHostUnreachable)
            #expect(error.message.lowercased().contains("host"))
        }
        // Without the option the same send is silently dropped.
        let (quiet, _) = try boundRouter()
        #expect(try quiet.send([Array("nobody".utf8), [1]]))
    }

    @Test("close returns at once with messages queued for a peer that never comes")
    func closeDoesNotHang() throws {
        let context = self.context
        try withDeadline(seconds: 10) {
            let dealer = try Socket(context, .dealer)
            try dealer.connect("tcp://127.0.0.1:1")  // nothing listens there
            for _ in 0..<100 { _ = try dealer.send([Array(repeating: 1, count: 1000)], wait: false) }
            try dealer.set(.linger, 200)
            dealer.close()
        }
        // A context whose sockets are all closed terminates at once too.
        try withDeadline(seconds: 10) {
            let other = try Context()
            let socket = try Socket(other, .push)
            try socket.connect("tcp://127.0.0.1:1")
            _ = try socket.send([[1, 2, 3]], wait: false)
            socket.close()
        }
    }

    @Test("options: one generic API sets and reads values, and refuses bad ones with errno")
    func options() throws {
        let socket = try Socket(context, .dealer)
        try socket.set(.sendHighWaterMark, 1234)
        #expect(try socket.get(.sendHighWaterMark) == 1234)
        try socket.set(.maxMessageSize, 4 << 20)
        #expect(try socket.get(.maxMessageSize) == 4 << 20)
        try socket.set(.routingID, Array("agent-7".utf8))
        #expect(try socket.get(.routingID) == Array("agent-7".utf8))
        #expect(try socket.get(.linger) == 0, "sockets start with linger 0")
        do {
            try socket.set(.routingID, [])
            Issue.record("an empty routing id was accepted")
        } catch let error as ZMQError {
            #expect(error.code == EINVAL)
            #expect(error.operation.contains("routingID"))
        }
        socket.close()
        #expect(throws: ZMQError.self) { try socket.get(.linger) }
    }

    @Test("CURVE: an encrypted DEALER/ROUTER pair talks; a client with the wrong server key does not")
    func curveHandshake() throws {
        try #require(Context.has("curve"))
        let server = try CurveKeyPair.generate(), client = try CurveKeyPair.generate()
        #expect(server.publicKey.count == 40)
        let router = try Socket(context, .router)
        try router.set(.curveServer, true)
        try router.set(.curveSecretKey, server.secretKey)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.get(.lastEndpoint)

        let dealer = try Socket(context, .dealer)
        try dealer.set(.curveServerKey, server.publicKey)
        try dealer.set(.curvePublicKey, client.publicKey)
        try dealer.set(.curveSecretKey, client.secretKey)
        try dealer.connect(endpoint)
        try dealer.send([Array("secret".utf8)])
        #expect(try router.receive()?.last == Array("secret".utf8))

        let impostor = try Socket(context, .dealer)
        try impostor.set(.curveServerKey, client.publicKey)  // wrong key
        try impostor.set(.curvePublicKey, client.publicKey)
        try impostor.set(.curveSecretKey, client.secretKey)
        try impostor.connect(endpoint)
        _ = try impostor.send([Array("intruder".utf8)], wait: false)
        var poller = Poller()
        try poller.add(router, events: .readable)
        #expect(try poller.poll(timeoutMilliseconds: 300) == 0, "the handshake fails, nothing is delivered")
    }

    @Test("ZAP: a registered CURVE key gets in and its user id is on every message; an unknown key never delivers")
    func zapAuthenticatesCurveClients() throws {
        try #require(Context.has("curve"))
        let context = try Context()
        let server = try CurveKeyPair.generate(), known = try CurveKeyPair.generate(), unknown = try CurveKeyPair.generate()
        let asked = Mutex<[String]>([])
        let zap = try ZAPHandler(context: context) { request in
            asked.withLock { $0.append(request.clientKey ?? "none") }
            return request.clientKey == known.publicKey ? .allow(userID: "alice") : .deny(reason: "unknown key")
        }
        defer { zap.stop() }
        let router = try Socket(context, .router)
        try router.set(.curveServer, true)
        try router.set(.curveSecretKey, server.secretKey)
        try router.set(.zapDomain, "desk-agents")
        try router.set(.routerMandatory, true)
        router.prependedProperty = "User-Id"
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.get(.lastEndpoint)
        func client(_ keys: CurveKeyPair) throws -> Socket {
            let dealer = try Socket(context, .dealer)
            try dealer.set(.curveServerKey, server.publicKey)
            try dealer.set(.curvePublicKey, keys.publicKey)
            try dealer.set(.curveSecretKey, keys.secretKey)
            try dealer.connect(endpoint)
            return dealer
        }
        let stranger = try client(unknown)
        _ = try stranger.send([Array("let me in".utf8)], wait: false)
        let alice = try client(known)
        try alice.send([Array("hello".utf8)])
        // Polled first, as the coordinator's socket thread does: libzmq then prefetches the message and its
        // routing-id part carries no metadata; the property must still be found.
        var ready = Poller()
        try ready.add(router, events: .readable)
        #expect(try ready.poll(timeoutMilliseconds: 5000) == 1)
        let message = try #require(try router.receive(wait: false))
        #expect(message.first == Array("alice".utf8), "the ZAP user id comes first: \(message)")
        #expect(message.last == Array("hello".utf8))
        var poller = Poller()
        try poller.add(router, events: .readable)
        #expect(try poller.poll(timeoutMilliseconds: 300) == 0, "the unknown key's message never arrives")
        #expect(asked.withLock { $0.contains(unknown.publicKey) && $0.contains(known.publicKey) }, "both were asked about")
        router.close(); alice.close(); stranger.close()
    }

    @Test("Z85 round-trips 32-byte keys and refuses text that is not Z85")
    func z85() throws {
        let keys = try CurveKeyPair.generate()
        let bytes = try #require(Z85.decode(keys.publicKey))
        #expect(bytes.count == 32 && Z85.encode(bytes) == keys.publicKey)
        #expect(CurveKeyPair.isKey(keys.publicKey) && !CurveKeyPair.isKey("short") && !CurveKeyPair.isKey(String(repeating: " ", count: 40)))
    }
}
