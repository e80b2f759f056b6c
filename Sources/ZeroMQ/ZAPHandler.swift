import CZeroMQ
import Foundation
import Synchronization

/// A ZeroMQ authentication handler (ZAP, RFC 27) for one context: libzmq asks it about every new
/// connection of a socket with a security mechanism (CURVE here) before any message passes, and the
/// handler's user id is then on each message of that connection (metadata `User-Id`).
///
/// It runs on a thread of its own, answering each request with `authenticate`, which must be quick
/// (an indexed lookup) and must not throw. Bind it before the sockets it guards.
public final class ZAPHandler: Sendable {
    /// One connection asking in.
    public struct Request: Sendable {
        /// The socket's ZAP domain.
        public let domain: String
        /// The peer's address (IP).
        public let address: String
        /// `NULL`, `PLAIN` or `CURVE`.
        public let mechanism: String
        /// With CURVE: the client's long-term public key in Z85.
        public let clientKey: String?
    }

    public enum Verdict: Sendable, Equatable {
        /// Let it in, as `userID` (what `User-Id` reads on its messages).
        case allow(userID: String)
        /// Refuse the handshake; `reason` goes to the peer's ZAP status text.
        case deny(reason: String)
    }

    /// Shared with the handler's thread.
    private final class State: Sendable {
        let stopping = Atomic<Bool>(false)
        let done = DispatchSemaphore(value: 0)
    }
    private let state = State()

    /// Binds the context's ZAP endpoint and starts answering.
    public init(context: Context, authenticate: @escaping @Sendable (Request) -> Verdict) throws {
        let socket = try Socket(context, .rep)
        do {
            try socket.set(.receiveTimeout, 200)  // to notice `stop`
            try socket.bind("inproc://zeromq.zap.01")
        } catch {
            socket.close()
            throw error
        }
        let state = self.state
        let thread = Thread {
            defer { socket.close(); state.done.signal() }
            while !state.stopping.load(ordering: .acquiring) {
                guard let frames = try? socket.receive() else { continue }
                _ = try? socket.send(Self.answer(frames, authenticate))
            }
        }
        thread.name = "zmq-zap"
        thread.start()
    }

    /// The reply frames to one request (`version, request id, status code, status text, user id, metadata`).
    static func answer(_ frames: [Frame], _ authenticate: (Request) -> Verdict) -> [Frame] {
        func text(_ frame: Frame) -> String { String(decoding: frame, as: UTF8.self) }
        guard frames.count >= 6, text(frames[0]) == "1.0" else {
            return [Array("1.0".utf8), frames.count > 1 ? frames[1] : [], Array("500".utf8), Array("malformed ZAP request".utf8), [], []]
        }
        let mechanism = text(frames[5])
        let key = mechanism == "CURVE" && frames.count >= 7 && frames[6].count == 32 ? Z85.encode(frames[6]) : nil
        let request = Request(domain: text(frames[2]), address: text(frames[3]), mechanism: mechanism, clientKey: key)
        switch authenticate(request) {
        case .allow(let userID):
            return [Array("1.0".utf8), frames[1], Array("200".utf8), Array("OK".utf8), Array(userID.utf8), []]
        case .deny(let reason):
            return [Array("1.0".utf8), frames[1], Array("400".utf8), Array(reason.prefix(200).utf8), [], []]
        }
    }

    /// Stops answering and closes the handler's socket (within 200 ms). Idempotent.
    public func stop() {
        guard !state.stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        state.done.wait()
    }
}
