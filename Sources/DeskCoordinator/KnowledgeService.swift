import AsyncAlgorithms
import DeskEmbedding
import DeskModel
import DeskStore
import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The knowledge base's semantic side: the embedding model, the in-memory vector index of the articles,
/// and the background service that keeps the stored vectors current.
///
/// Embedding a document costs tens of milliseconds, so it never runs on intake, dispatch or a request: the
/// service embeds the queued articles (`kb_embed_queue`, filled by triggers when an article's title or
/// body changes) in batches on its own thread, with OpenBLAS limited to one thread, so that it takes at
/// most one of the machine's cores. Until an article's vector is stored it is found by keyword; the backlog
/// is `desk_knowledge_embedding_backlog` in `/metrics`.
///
/// The model is loaded when the first article needs it (a coordinator without articles never reads its
/// 90 MB). Without the model (not installed, `DESK_MODEL_DIR` pointing nowhere, or `knowledge_model: off`)
/// the service stays idle and search is keyword-only, and the API says so (`ranking`).
final class KnowledgeService: Service, Sendable {
    enum State: Sendable, Equatable {
        /// Not loaded yet (no article so far), or loading.
        case waiting
        /// Embedding and answering queries.
        case ready
        /// No model: keyword search only. The reason is logged once.
        case unavailable(String)
    }

    let store: TicketStore
    let logger: Logger
    /// The model's directory, or nil when semantic search is off.
    let modelDirectory: URL?
    let index = VectorIndex(dimensions: 384)
    private let embedder = Mutex<Embedder?>(nil)
    private let state = Mutex(State.waiting)
    private let backlog = Atomic<Int>(0)
    private let answerBacklog = Atomic<Int>(0)
    private let embedded = Atomic<Int>(0)
    private let wakeUp: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>
    /// Articles per batch (one forward pass of at most `Embedder.tokensPerPass` tokens each).
    static let batchSize = 16
    /// The background thread's queue: one batch at a time.
    private static let background = DispatchQueue(label: "desk.knowledge.embedding", qos: .utility)

    init(store: TicketStore, modelDirectory: URL?, logger: Logger) {
        self.store = store
        self.modelDirectory = modelDirectory
        self.logger = logger
        (wakes, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        if modelDirectory == nil { state.withLock { $0 = .unavailable("semantic search is off (knowledge_model: off)") } }
    }

    var current: State { state.withLock { $0 } }
    /// Articles waiting for their vector, as last counted.
    var backlogCount: Int { backlog.load(ordering: .relaxed) }
    /// Past answers waiting for their question's vector, as last counted.
    var answerBacklogCount: Int { answerBacklog.load(ordering: .relaxed) }
    /// The loaded model, when ready (the knowledge-gaps list embeds nothing itself: it reads stored vectors).
    var isReady: Bool { current == .ready }
    /// Vectors computed since the start.
    var embeddedCount: Int { embedded.load(ordering: .relaxed) }

    /// An article changed: embed it soon.
    func wake() { wakeUp.yield() }

    /// Whether a search can rank by meaning now: the model is loaded and some article has its vector.
    var semanticReady: Bool { current == .ready && index.count > 0 }

    /// The `k` articles nearest to the text by meaning, with their cosine similarity: the query embedded and
    /// the index scanned off the cooperative pool. Nil when the model is not ready or no article has a vector.
    func nearest(to text: String, k: Int) async -> [(id: Int64, cosine: Double)]? {
        guard semanticReady, let model = embedder.withLock({ $0 }) else { return nil }
        let index = self.index
        return await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                let vector = model.embed(String(text.prefix(4000)))
                continuation.resume(returning: index.nearest(to: vector, k: k).map { ($0.id, Double($0.score)) })
            }
        }
    }

    /// Runs until the coordinator's graceful shutdown (a service that returned earlier would stop the
    /// coordinator): idle when there is no model.
    func run() async throws {
        guard let modelDirectory else { return try await idleUntilShutdown() }
        let ticker = AsyncTimerSequence(interval: .seconds(1), clock: .continuous)
        // Ticks and wake-ups, merged: a wake-up (an article saved here) starts work at once, the tick picks
        // up anything else (articles saved by another process on the same database, a retry after an error).
        let signals = merge(wakes, ticker.map { _ in () }).cancelOnGracefulShutdown()
        var loaded = false
        for await _ in signals {
            do {
                let (waiting, answersWaiting) = try await store.pool.read { db in (try db.embeddingBacklog(), try db.answerEmbeddingBacklog()) }
                backlog.store(waiting, ordering: .relaxed)
                answerBacklog.store(answersWaiting, ordering: .relaxed)
                if !loaded {
                    let stored = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM kb_vectors") ?? 0 }
                    guard waiting > 0 || answersWaiting > 0 || stored > 0 else { continue }
                    guard try await load(modelDirectory) else { return try await idleUntilShutdown() }
                    loaded = true
                }
                try await drain()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("knowledge base embedding failed; retrying", metadata: ["error": "\(error)"])
            }
        }
    }

    private func idleUntilShutdown() async throws {
        try? await gracefulShutdown()
    }

    /// Loads the model and the stored vectors; false (and keyword search only) when the model is missing or damaged.
    private func load(_ directory: URL) async throws -> Bool {
        let model: Embedder
        do {
            model = try await Self.onBackground { try Embedder(directory: directory) }
        } catch let error as EmbeddingError {
            let reason = error.isModelNotInstalled
                ? "the embedding model is not installed (ops/scripts/install-model.sh puts it in \(directory.lastPathComponent)); knowledge search is keyword-only"
                : "the embedding model cannot be loaded (\(error)); knowledge search is keyword-only"
            state.withLock { $0 = .unavailable(reason) }
            logger.notice("\(reason)")
            return false
        }
        // One BLAS thread per product: a batch in the background takes one core, never both.
        MatrixThreads.limit(to: 1)
        let modelName = Embedder.modelName
        let requeued = try await store.writer.write { db in try db.requeueEmbeddings(notOf: modelName) }
        var cursor: Int64 = 0
        while true {
            let after = cursor
            let page = try await store.pool.read { db in try db.articleVectors(model: modelName, after: after, limit: 2_000) }
            index.upsert(page)
            guard let last = page.last, page.count == 2_000 else { break }
            cursor = last.id
        }
        embedder.withLock { $0 = model }
        state.withLock { $0 = .ready }
        logger.info("knowledge base: semantic search ready", metadata: ["vectors": "\(index.count)", "requeued": "\(requeued)"])
        return true
    }

    /// How far back past answers get a vector for the knowledge-gaps list.
    static let answerWindowMillis: Millis = 30 * 86_400_000

    /// Embeds queued articles until none is left, then queued past answers' questions (newest first), one
    /// batch at a time, going back to articles whenever one is queued.
    private func drain() async throws {
        guard let model = embedder.withLock({ $0 }) else { return }
        while true {
            try Task.checkCancellation()
            let batch = try await store.pool.read { db in try db.pendingEmbeddings(limit: Self.batchSize) }
            guard !batch.isEmpty else {
                backlog.store(0, ordering: .relaxed)
                let since = currentMillis() - Self.answerWindowMillis
                let answers = try await store.writer.write { db in try db.pendingAnswerEmbeddings(since: since, limit: Self.batchSize) }
                guard !answers.isEmpty else {
                    answerBacklog.store(0, ordering: .relaxed)
                    return
                }
                let vectors = try await Self.onBackground { model.embed(batch: answers.map(\.question)) }
                let items = zip(answers, vectors).map { (ticketID: $0.ticketID, vector: $1) }
                let modelName = Embedder.modelName
                try await store.writer.write { db in try db.saveAnswerEmbeddings(items, model: modelName) }
                let waiting = try await store.pool.read { db in try db.answerEmbeddingBacklog() }
                answerBacklog.store(waiting, ordering: .relaxed)
                continue
            }
            let vectors = try await Self.onBackground { model.embed(batch: batch.map(\.text)) }
            let items = zip(batch, vectors).map { (articleID: $0.articleID, version: $0.version, vector: $1) }
            let modelName = Embedder.modelName
            try await store.writer.write { db in try db.saveEmbeddings(items, model: modelName) }
            index.upsert(items.map { ($0.articleID, $0.vector) })
            embedded.add(items.count, ordering: .relaxed)
            let waiting = try await store.pool.read { db in try db.embeddingBacklog() }
            backlog.store(waiting, ordering: .relaxed)
        }
    }

    private static func onBackground<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            background.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
