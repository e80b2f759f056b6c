import DeskModel
import ZeroMQ

/// Publishes every ticket change on the PUB socket: topic frame = event kind, body = the event as JSON.
/// The web app's live pages read the same events from `feed`.
struct EventPublisher: Sendable {
    let socket: AsyncSocket
    var feed: LiveFeed?

    func publish(_ event: TicketEvent) {
        socket.post([Array(event.kind.rawValue.utf8), Array(Self.json(event).utf8)])
        feed?.append([event])
    }

    func publish(_ events: [TicketEvent]) {
        for event in events { socket.post([Array(event.kind.rawValue.utf8), Array(Self.json(event).utf8)]) }
        feed?.append(events)
    }

    /// `{"ticket":7,"at":…,"actor":"agent:ana","kind":"resolved","detail":{…}}`
    static func json(_ event: TicketEvent) -> String {
        "{\"ticket\":\(event.ticketID),\"at\":\(event.at),\"actor\":\(JSONText.string(event.actor)),"
            + "\"kind\":\"\(event.kind.rawValue)\",\"detail\":\(event.detail.isEmpty ? "{}" : event.detail)}"
    }
}
