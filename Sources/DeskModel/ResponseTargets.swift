/// First-response targets per priority, used to order each queue by due time.
public struct ResponseTargets: Sendable, Equatable {
    /// Milliseconds from creation to the first response, indexed by priority.
    public var firstResponse: [Priority: Millis]

    public init(firstResponse: [Priority: Millis]) { self.firstResponse = firstResponse }

    /// The defaults: P1 15 min, P2 1 h, P3 4 h, P4 8 h.
    public static let standard = ResponseTargets(firstResponse: [
        .p1: 15 * 60_000, .p2: 60 * 60_000, .p3: 4 * 60 * 60_000, .p4: 8 * 60 * 60_000,
    ])

    /// When a ticket of `priority` created at `createdAt` is due its first response.
    public func due(_ priority: Priority, createdAt: Millis) -> Millis {
        createdAt + (firstResponse[priority] ?? 4 * 60 * 60_000)
    }
}
