/// One webhook notification to deliver: a JSON body POSTed to a URL about a ticket, with the number of
/// attempts already made (stored, so a delivery resumed after a restart keeps counting from there).
public struct WebhookDelivery: Sendable, Equatable {
    /// Unique per delivery (a UUID), sent to the receiver so it can recognise a repeat.
    public let id: String
    public let ticket: TicketID
    public let url: String
    /// The JSON body. Never logged: it may quote the customer.
    public let payload: String
    /// Attempts made so far (0 before the first).
    public var attempts: Int
    public let createdAt: Millis

    /// A delivery as stored or about to be.
    public init(id: String, ticket: TicketID, url: String, payload: String, attempts: Int = 0, createdAt: Millis) {
        self.id = id
        self.ticket = ticket
        self.url = url
        self.payload = payload
        self.attempts = attempts
        self.createdAt = createdAt
    }
}
