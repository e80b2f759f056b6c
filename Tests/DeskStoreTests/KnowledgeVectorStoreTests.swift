import DeskModel
@testable import DeskStore
import Foundation
import GRDB
import Testing

/// The embedding queue, the stored vectors and the knowledge base's counts on a real SQLite file.
@Suite("knowledge vectors and counts") struct KnowledgeVectorStoreTests {
    @Test("a new or edited article is queued at its version; a vector for an older version leaves the newer one queued")
    func queueFollowsVersions() async throws {
        let (store, directory) = try KnowledgeSearchTests.store()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let article = try await store.writer.write { db in
            try db.saveArticle(KnowledgeArticle(file: "a.md", title: "VPN drops", body: "Update the client."), at: 1).article
        }
        var pending = try await store.pool.read { db in try db.pendingEmbeddings(limit: 10) }
        #expect(pending == [PendingEmbedding(articleID: article.id, version: 1, text: "VPN drops\n\nUpdate the client.")])
        // Edited while version 1 is being embedded: version 2 is queued, and the late vector of 1 keeps it queued.
        _ = try await store.writer.write { db in
            try db.saveArticle(KnowledgeArticle(file: "a.md", title: "VPN drops", body: "Update the client to 5.2."), at: 2)
        }
        try await store.writer.write { db in try db.saveEmbeddings([(article.id, 1, [0.6, 0.8])], model: "m") }
        pending = try await store.pool.read { db in try db.pendingEmbeddings(limit: 10) }
        #expect(pending.map(\.version) == [2])
        try await store.writer.write { db in try db.saveEmbeddings([(article.id, 2, [0.8, 0.6])], model: "m") }
        let (backlog, vectors) = try await store.pool.read { db in
            (try db.embeddingBacklog(), try db.articleVectors(model: "m", after: 0, limit: 10))
        }
        #expect(backlog == 0)
        #expect(vectors.count == 1 && vectors[0].vector == [0.8, 0.6], "the stored floats read back exactly")
        // A status change alone does not re-embed; another model re-queues everything.
        _ = try await store.writer.write { db in
            try db.saveArticle(KnowledgeArticle(file: "a.md", title: "VPN drops", body: "Update the client to 5.2.", status: "archived"), at: 3)
        }
        #expect(try await store.pool.read { db in try db.embeddingBacklog() } == 0)
        #expect(try await store.writer.write { db in try db.requeueEmbeddings(notOf: "other") } == 1)
        await store.close()
    }

    @Test("events count per day and kind and per article; unknown articles count nothing")
    func counts() async throws {
        let (store, directory) = try KnowledgeSearchTests.store()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let day: Millis = 20_000 * 86_400_000
        let id = try await store.writer.write { db in
            let article = try db.saveArticle(KnowledgeArticle(title: "VPN", body: "Update."), at: 1).article
            try db.recordKnowledgeEvent("suggested", draft: "d-1", at: day)
            try db.recordKnowledgeEvent("solved", draft: "d-1", articleID: article.id, at: day + 5)
            try db.recordKnowledgeEvent("suggested", draft: "d-2", at: day + 86_400_000)
            try db.recordKnowledgeEvent("opened", draft: "d-2", articleID: article.id, at: day + 86_400_000)
            try db.recordKnowledgeEvent("not_helpful", articleID: 999, at: day)
            return article.id
        }
        let (first, both, article, steps) = try await store.pool.read { db in
            (try db.knowledgeCounts(fromDay: 20_000, toDay: 20_000), try db.knowledgeCounts(fromDay: 20_000, toDay: 20_001),
             try db.articleCounts(id), try db.knowledgeEvents(draft: "d-1"))
        }
        #expect(first == ["suggested": 1, "solved": 1, "not_helpful": 1])
        #expect(both["suggested"] == 2 && both["opened"] == 1)
        #expect(article == ArticleCounts(views: 1, solved: 1))
        #expect(steps.map(\.kind) == ["suggested", "solved"])
        await store.close()
    }
}
