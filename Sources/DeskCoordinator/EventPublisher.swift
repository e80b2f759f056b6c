import DeskModel
import ZeroMQ

/// Publishes every ticket change on the PUB socket: topic frame = event kind, body = the event as JSON.
struct EventPublisher: Sendable {
    let socket: AsyncSocket

    func publish(_ event: TicketEvent) {
        socket.post([Array(event.kind.rawValue.utf8), Array(Self.json(event).utf8)])
    }

    func publish(_ events: [TicketEvent]) {
        for event in events { publish(event) }
    }

    /// `{"ticket":7,"at":…,"actor":"agent:ana","kind":"resolved","detail":{…}}`
    static func json(_ event: TicketEvent) -> String {
        "{\"ticket\":\(event.ticketID),\"at\":\(event.at),\"actor\":\(JSONText.string(event.actor)),"
            + "\"kind\":\"\(event.kind.rawValue)\",\"detail\":\(event.detail.isEmpty ? "{}" : event.detail)}"
    }
}
