import DeskModel
import DeskStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The built-in knowledge bot (`desk coordinator --knowledge-bot`): a new ticket still waiting for a person
/// is answered with the articles strong enough to answer it (the same search and threshold as the portal's
/// suggestions) and waits for the customer's confirmation. The customer confirms (resolved: `bot_solved`,
/// a deflection after intake) or says it did not help (their words go on the ticket, which goes back to
/// the queue for people, the bot's answer with its articles in the conversation: `bot_continued`).
///
/// It never slows intake: a new ticket is offered to a bounded queue (1,000; when full the ticket is left to
/// people and `desk_knowledge_bot_skipped_total` counts it), and the search (the query's embedding, tens of
/// milliseconds) runs in this service, one ticket at a time. A ticket an agent took meanwhile is theirs: the
/// loop answers only a ticket still queued, and never one a rules bot's pool claimed.
final class KnowledgeBot: Service, Sendable {
    /// Who the answer is from, in the history and the outbox.
    static let actor = "knowledge-bot"

    struct Offer: Sendable {
        var id: TicketID
        var subject: String
        var body: String
    }

    private let offers: AsyncStream<Offer>
    private let offered: AsyncStream<Offer>.Continuation
    private let search: @Sendable (String, String) async throws -> [KnowledgeHit]
    private let inputs: AsyncStream<CoordinatorInput>.Continuation
    private let links: LinkBase
    private let metrics: CoordinatorMetrics
    private let logger: Logger

    init(search: @escaping @Sendable (String, String) async throws -> [KnowledgeHit], inputs: AsyncStream<CoordinatorInput>.Continuation,
         links: LinkBase, metrics: CoordinatorMetrics, logger: Logger, capacity: Int = 1_000) {
        (offers, offered) = AsyncStream.makeStream(of: Offer.self, bufferingPolicy: .bufferingOldest(capacity))
        self.search = search
        self.inputs = inputs
        self.links = links
        self.metrics = metrics
        self.logger = logger
    }

    /// A new ticket (from intake): answered soon if the knowledge base can; left to people when the queue is full.
    func offer(_ ticket: Ticket) {
        // The search reads the first 4,000 characters; the queue keeps no more (1,000 bodies of up to 100 KB otherwise).
        if case .dropped = offered.yield(Offer(id: ticket.id, subject: ticket.subject, body: String(ticket.body.prefix(4_000)))) {
            metrics.kbBotSkipped.increment()
        }
    }

    func run() async throws {
        for await offer in offers.cancelOnGracefulShutdown() {
            do {
                let hits = try await search(offer.subject, offer.body)
                guard !hits.isEmpty else { continue }
                let body = Self.answer(hits, base: links.current)
                let answered = await withCheckedContinuation { continuation in
                    let input = CoordinatorInput.knowledgeAnswer(offer.id, body: body, articles: hits.map(\.article.id)) { continuation.resume(returning: $0) }
                    if case .terminated = inputs.yield(input) { continuation.resume(returning: false) }
                }
                if answered { metrics.kbBotAnswered.increment() }
            } catch {
                logger.warning("knowledge bot: no answer for a new ticket", metadata: ["ticket": "\(offer.id)", "error": "\(error)"])
            }
        }
    }

    /// The reply: the articles with their links, and what the customer can do next.
    static func answer(_ hits: [KnowledgeHit], base: String) -> String {
        var text = hits.count == 1 ? "This article may answer your request:\n\n" : "These articles may answer your request:\n\n"
        for (index, hit) in hits.enumerated() {
            text += "\(index + 1). \(hit.article.title): \(base)/help/articles/\(hit.article.id)\n"
        }
        return text + "\nIf it is solved, please confirm it on your request's page. If not, say so there (or reply) "
            + "and a person will take it from here."
    }
}
