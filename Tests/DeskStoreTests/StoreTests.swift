import DeskModel
import Foundation
import GRDB
import Testing
@testable import DeskStore

/// A fresh directory under the system temporary folder, removed when the test ends.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("desk-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

func sampleTicket(_ n: Int, key: String? = nil) -> NewTicket {
    NewTicket(subject: "Printer \(n) jammed", body: "It beeps.", requester: "user\(n)@example.com",
              priority: .p2, category: "hardware", tags: ["printer"], idempotencyKey: key)
}

@Suite("TicketStore on a real SQLite file")
struct StoreTests {
    @Test("migrating an empty file creates the schema in WAL mode")
    func migrationFromEmpty() throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        let (tables, mode, synchronous) = try store.pool.read { db in
            (try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY name"),
             try String.fetchOne(db, sql: "PRAGMA journal_mode"),
             try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(tables == ["agent_keys", "agents", "api_tokens", "audit_log", "kb_answer_embed_queue", "kb_answer_vectors", "kb_answers", "kb_answers_fts", "kb_answers_fts_config",
                           "kb_answers_fts_data", "kb_answers_fts_docsize", "kb_answers_fts_idx", "kb_article_counts", "kb_article_versions", "kb_articles",
                           "kb_counts", "kb_embed_queue", "kb_events", "kb_fts", "kb_fts_config", "kb_fts_data", "kb_fts_docsize", "kb_fts_idx",
                           "kb_vectors", "leases", "macros", "outbox", "report_refusals", "sessions",
                           "settings", "sign_in_links", "ticket_events", "tickets", "users", "webhook_attempts", "webhook_deliveries"])
        #expect(mode == "wal")
        #expect(synchronous == 2, "FULL by default")
        // Opening again finds the migration done and changes nothing.
        _ = try TicketStore(path: dir.file("desk.sqlite"))
    }

    @Test("a ticket and its created event are stored; an idempotency key returns the same ticket")
    func insertAndIdempotency() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        let first = try await store.writer.write { try $0.insertTicket(sampleTicket(1, key: "k-1"), at: 1000, actor: "api") }
        let again = try await store.writer.write { try $0.insertTicket(sampleTicket(2, key: "k-1"), at: 2000, actor: "api") }
        #expect(first.created && !again.created)
        #expect(again.ticket.id == first.ticket.id)
        #expect(again.ticket.subject == "Printer 1 jammed")
        let (count, events, stored) = try await store.pool.read { db in
            (try db.ticketCount(), try db.history(of: first.ticket.id), try db.ticket(first.ticket.id))
        }
        #expect(count == 1)
        #expect(events.map(\.kind) == [.created])
        #expect(events.first?.actor == "api")
        #expect(events.first?.at == 1000)
        #expect(stored == first.ticket)
        await store.close()
    }

    @Test("history is append-only: SQLite refuses updates and deletes of events")
    func appendOnlyHistory() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        _ = try await store.writer.write { db in
            _ = try db.insertTicket(sampleTicket(1), at: 1, actor: "api")
            try db.appendEvent(TicketEvent(ticketID: 1, at: 2, actor: "agent:ana", kind: .noted))
        }
        await #expect(throws: DatabaseError.self) {
            try await store.writer.write { try $0.execute(sql: "UPDATE ticket_events SET actor = 'x'") }
        }
        await #expect(throws: DatabaseError.self) {
            try await store.writer.write { try $0.execute(sql: "DELETE FROM ticket_events") }
        }
        #expect(try await store.pool.read { try $0.history(of: 1).map(\.actor) } == ["api", "agent:ana"])
        await store.close()
    }

    @Test("group commit batches concurrent writers into few transactions and answers each after commit")
    func groupCommit() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        let writers = 64, each = 50
        let ids = try await withThrowingTaskGroup(of: [TicketID].self) { group in
            for w in 0..<writers {
                group.addTask {
                    var ids: [TicketID] = []
                    for n in 0..<each {
                        let result = try await store.writer.write { try $0.insertTicket(sampleTicket(w * 1000 + n), at: 1, actor: "api") }
                        ids.append(result.ticket.id)
                    }
                    return ids
                }
            }
            return try await group.reduce(into: [TicketID]()) { $0 += $1 }
        }
        #expect(Set(ids).count == writers * each)
        let stats = store.writer.statistics
        #expect(stats.changes == writers * each)
        #expect(stats.transactions < stats.changes, "concurrent changes share transactions")
        #expect(try await store.pool.read { try $0.ticketCount() } == writers * each)
        await store.close()
    }

    @Test("a failing change fails alone; the rest of its batch commits")
    func failureIsolation() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<40 {
                group.addTask {
                    do {
                        _ = try await store.writer.write { db in
                            if n == 17 { try db.execute(sql: "INSERT INTO no_such_table VALUES (1)") }
                            return try db.insertTicket(sampleTicket(n), at: 1, actor: "api")
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { !$0 }.count == 1)
        #expect(try await store.pool.read { try $0.ticketCount() } == 39)
        await store.close()
    }

    @Test("after close, a write fails with a clear 'closed' error")
    func writeAfterClose() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        await store.close()
        do {
            _ = try await store.writer.write { try $0.ticketCount() }
            Issue.record("write after close succeeded")
        } catch let error as StoreError {
            #expect(error.isClosed)
        }
    }
}
