import DeskModel
import Foundation
import ZeroMQ

/// Follows the coordinator's event stream (ZeroMQ PUB) for `customer_replied` events and hands each one's
/// ticket id to `heard`, on the socket's own thread.
///
/// The staff console uses it to say when a customer answers on one of its tickets: the agent protocol
/// carries no such message, and the event stream already publishes every ticket change. The SUB socket
/// reconnects by itself; an answer published while it was not connected is not announced (the ticket's
/// history still has it).
public final class CustomerReplyWatch: Sendable {
    let socket: AsyncSocket
    let context: Context

    public init(endpoint: String, heard: @escaping @Sendable (TicketID) -> Void) throws {
        context = try Context()
        let topic = Array(TicketEventKind.customerReplied.rawValue.utf8)
        socket = try AsyncSocket(context, .sub, name: "customer-replies", deliver: { frames in
            guard frames.count == 2, let id = Self.ticket(in: frames[1]) else { return }
            heard(id)
        }) { socket in
            try socket.set(.subscribe, topic)
            try socket.set(.linger, 0)
            try socket.connect(endpoint)
        }
    }

    /// The `ticket` field of an event's JSON body.
    static func ticket(in body: [UInt8]) -> TicketID? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else { return nil }
        return (object["ticket"] as? NSNumber)?.int64Value
    }

    public func close() async { await socket.close() }
}
