import DeskModel
import Foundation
import GRDB
import Testing
@testable import DeskStore

/// Sessions, sign-in links and the outbox's mail of no ticket as stored, and the v10 migration that
/// made room for that mail.
@Suite("Sessions, sign-in links and the v10 outbox")
struct SessionStoreTests {
    static let v9 = "v9: people, API tokens, sessions, sign-in links, agent keys, audit log"

    @Test("v10 keeps every outbox row (id, ticket, body, delivery) as a reply, and ids go on after the last one")
    func outboxRowsSurviveV10() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("desk.sqlite")
        // A store as v9 left it, with a delivered and a pending reply.
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: Self.v9)
        try await queue.write { db in
            #expect(try !String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('outbox')").contains("kind"), "v9's outbox")
            try db.execute(sql: """
                INSERT INTO tickets (id, subject, body, requester, priority, status, created_at, updated_at)
                VALUES (1, 'Printer', 'It beeps.', 'old@example.com', 2, 'waiting_on_customer', 1000, 1000);
                INSERT INTO outbox (id, ticket_id, recipient, subject, body, author, macro, created_at, delivered_at)
                VALUES (4, 1, 'old@example.com', 'Re: Printer [#1]', 'Unplug it.', 'agent:a', 'm', 2000, 2500),
                       (7, 1, 'old@example.com', 'Re: Printer [#1]', 'Did it help?', 'agent:a', NULL, 3000, NULL);
                """)
        }
        try queue.close()

        let store = try TicketStore(path: path)
        let rows = try await store.pool.read { try $0.outbox(pending: false, ticket: nil, after: 0, limit: 10) }
        #expect(rows.map(\.id) == [4, 7])
        #expect(rows.allSatisfy { $0.kind == .reply && $0.ticketID == 1 && $0.recipient == "old@example.com" })
        #expect(rows.map(\.body) == ["Unplug it.", "Did it help?"] && rows.map(\.macro) == ["m", nil])
        #expect(rows.map(\.deliveredAt) == [2500, nil] && rows.map(\.createdAt) == [2000, 3000])
        #expect(try await store.pool.read { try $0.outbox(pending: true, ticket: 1, after: 0, limit: 10) }.map(\.id) == [7])
        let indexes = try await store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' ORDER BY name")
        }
        #expect(indexes == ["outbox_pending", "outbox_ticket"])

        // Mail of no ticket goes in after the last id; a reply still needs its ticket, and a link mail has none.
        let mail = try await store.writer.write { db in
            try db.queueMail(kind: .signInLink, recipient: "old@example.com", subject: "Your sign-in link", body: "link", author: "sign-in link", at: 4000)
        }
        #expect(mail == 8)
        let stored = try await store.pool.read { try $0.outbox(pending: true, ticket: nil, after: 7, limit: 10) }
        #expect(stored.first?.kind == .signInLink && stored.first?.ticketID == nil)
        await #expect(throws: (any Error).self) {
            try await store.writer.write { db in
                try db.execute(sql: "INSERT INTO outbox (recipient, subject, body, author, created_at) VALUES ('a@b.co', 's', 'b', 'x', 1)")
            }
        }
        // Delivered, a link mail's body is dropped.
        #expect(try await store.writer.write { try $0.markDelivered(mail, at: 5000) })
        #expect(try await store.pool.read { try $0.outbox(pending: false, ticket: nil, after: 7, limit: 10) }.first?.body == OutboxKind.deliveredLinkBody)
        await store.close()
    }

    @Test("a session and a link are stored as hashes; a link is used once, and not after it expires")
    func sessionsAndLinks() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        let (session, link, expired) = try await store.writer.write { db in
            let user = try db.createUser(name: "ann", email: "ann@example.com", role: .customer, at: 1000)
            let session = try db.createSession(userID: user.id, address: "10.0.0.1", expiresAt: 9000, at: 1000)
            let link = try db.createSignInLink(userID: user.id, expiresAt: 5000, at: 1000)
            let expired = try db.createSignInLink(userID: user.id, expiresAt: 1500, at: 1000)
            return (session, link, expired)
        }
        #expect(session.secret.count == 43 && session.record.hash == AccessSecret.hash(session.secret))
        #expect(session.record.csrf.count == 43 && session.record.csrf != session.secret)
        let found = try await store.pool.read { try $0.session(hash: AccessSecret.hash(session.secret)) }
        #expect(found?.1.name == "ann" && found?.0.lastSeenAt == 1000 && found?.0.endedAt == nil)
        #expect(try await store.writer.write { try $0.endSession(hash: session.record.hash, at: 2000) })
        #expect(try await store.writer.write { try $0.endSession(hash: session.record.hash, at: 3000) } == false)

        let hash = AccessSecret.hash(link)
        #expect(try await store.pool.read { try $0.signInLinkState(hash: hash, at: 2000) } == .valid(userID: 1))
        #expect(try await store.writer.write { try $0.useSignInLink(hash: hash, at: 2000) } == .valid(userID: 1))
        #expect(try await store.writer.write { try $0.useSignInLink(hash: hash, at: 2001) } == .alreadyUsed)
        #expect(try await store.writer.write { try $0.useSignInLink(hash: AccessSecret.hash(expired), at: 2000) } == .expired)
        #expect(try await store.writer.write { try $0.useSignInLink(hash: AccessSecret.hash("nothing"), at: 2000) } == .unknown)
        let columns = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sessions UNION ALL SELECT hash, user_id, '', '', created_at, expires_at, 0, used_at FROM sign_in_links")
                .flatMap { $0.databaseValues.map(\.description) }.joined(separator: " ")
        }
        for secret in [session.secret, link, expired] { #expect(!columns.contains(secret)) }
        await store.close()
    }
}
