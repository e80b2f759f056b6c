import DeskProtocol
import Foundation
import ZeroMQ

/// A hand-driven protocol peer on a real DEALER socket: for zombie agents and bad peers.
final class RawPeer {
    let context: Context
    let socket: Socket

    /// `curve`: the peer's key pair and the coordinator's public key, for a CURVE agent port.
    init(endpoint: String, curve: (keys: CurveKeyPair, server: String)? = nil) throws {
        context = try Context()
        socket = try Socket(context, .dealer)
        try socket.set(.receiveTimeout, 5000)
        if let curve { try socket.setCurveClient(serverKey: curve.server, keys: curve.keys) }
        try socket.connect(endpoint)
    }

    func send(_ message: WireMessage) throws { try socket.send(FrameCodec.encode(message)) }
    func sendRaw(_ frames: [[UInt8]]) throws { try socket.send(frames) }

    /// The next message, skipping heartbeats; nil after 5 s of silence.
    func receive() throws -> WireMessage? {
        while let frames = try socket.receive() {
            let message = try FrameCodec.decode(frames)
            if case .heartbeat = message { continue }
            return message
        }
        return nil
    }

    func hello(_ name: String, skills: [String] = [], capacity: UInt32 = 1, session: String = "raw",
               leases: [WireLeaseRef] = []) throws -> WireWelcome? {
        var hello = WireHello()
        hello.agent = name
        hello.skills = skills
        hello.capacity = capacity
        hello.tier = 1
        hello.mode = "raw"
        hello.session = session
        hello.leases = leases
        try send(.hello(hello))
        while let message = try receive() {
            if case .welcome(let welcome) = message { return welcome }
        }
        return nil
    }

    func close() { socket.close() }
}
