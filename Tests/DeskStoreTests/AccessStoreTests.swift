import DeskModel
import Foundation
import GRDB
import Testing
@testable import DeskStore

/// People, tokens, agent keys and the audit log as stored: secrets never are.
@Suite("Access in the store")
struct AccessStoreTests {
    @Test("a secret's stored form is the lowercase hex SHA-256 (the same as stored before, so old tokens still match)")
    func hashIsHexSHA256() {
        #expect(AccessSecret.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(AccessSecret.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("a token's secret is shown once and stored only as its hash; its owner is found by the hash")
    func tokensStoreOnlyTheirHash() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        let (record, secret) = try await store.writer.write { db in
            let admin = try db.createUser(name: "root", email: "root@example.com", role: .admin, at: 1_000)
            return try db.createToken(userID: admin.id, name: "ops", scopes: nil, expiresAt: nil, at: 1_000)
        }
        #expect(secret.hasPrefix(record.prefix + "_"))
        #expect(AccessSecret.prefix(of: secret) == record.prefix)
        let rows = try store.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_tokens") }
        #expect(rows.count == 1)
        for column in rows[0].columnNames {
            let value = rows[0][column].map { "\($0)" } ?? ""
            #expect(!value.contains(String(secret.suffix(43))), "column \(column) holds the secret")
        }
        let found = try await store.pool.read { db in try db.token(hash: AccessSecret.hash(secret)) }
        #expect(found?.1.name == "root")
        #expect(found?.0.isUsable(at: 2_000) == true)
        let wrong = try await store.pool.read { db in try db.token(hash: AccessSecret.hash(secret + "x")) }
        #expect(wrong == nil)
    }

    @Test("every new token has the shape its prefix is read from, also when its secret holds '_' or '-'")
    func tokenShape() {
        var sawUnderscore = false
        for _ in 0..<500 {
            let (token, prefix, hash) = AccessSecret.newToken()
            sawUnderscore = sawUnderscore || token.dropFirst(14).contains("_")
            #expect(AccessSecret.prefix(of: token) == prefix, "\(token)")
            #expect(hash.count == 64)
        }
        #expect(sawUnderscore, "500 random secrets without one '_' (1 in 10^2700)")
        for bad in ["", "desk_", "desk_1234567_" + String(repeating: "a", count: 44), "desk_1234567G_" + String(repeating: "a", count: 43),
                    "desk_12345678_" + String(repeating: "a", count: 42), "desk_12345678_" + String(repeating: "a", count: 42) + "=",
                    "Desk_12345678_" + String(repeating: "a", count: 43)] {
            #expect(AccessSecret.prefix(of: bad) == nil, "\(bad)")
        }
    }

    @Test("a revoked or expired token is not usable; revoking twice says so")
    func revocationAndExpiry() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        let (first, second) = try await store.writer.write { db in
            let lead = try db.createUser(name: "lee", email: nil, role: .lead, at: 1_000)
            let first = try db.createToken(userID: lead.id, name: "a", scopes: [.ticketsRead], expiresAt: 5_000, at: 1_000).record
            let second = try db.createToken(userID: lead.id, name: "b", scopes: nil, expiresAt: nil, at: 1_000).record
            return (first, second)
        }
        #expect(first.scopes == [.ticketsRead])
        #expect(first.isUsable(at: 4_999))
        #expect(!first.isUsable(at: 5_000))
        #expect(try await store.writer.write { db in try db.revokeToken(id: second.id, at: 2_000) })
        #expect(try await store.writer.write { db in try db.revokeToken(id: second.id, at: 2_001) } == false)
        let revoked = try await store.pool.read { db in try db.token(id: second.id) }
        #expect(revoked?.isUsable(at: 2_000) == false)
    }

    @Test("agent keys of a disabled account or revoked are not active")
    func agentKeys() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        try await store.writer.write { db in
            let alice = try db.createUser(name: "alice", email: nil, role: .agent, skills: ["billing"], at: 1_000)
            var bob = try db.createUser(name: "bob", email: nil, role: .agent, at: 1_000)
            try db.registerAgentKey(String(repeating: "a", count: 40), userID: alice.id, name: "laptop", at: 1_000)
            try db.registerAgentKey(String(repeating: "b", count: 40), userID: bob.id, name: "", at: 1_000)
            try db.registerAgentKey(String(repeating: "c", count: 40), userID: alice.id, name: "old", at: 1_000)
            _ = try db.revokeAgentKey(String(repeating: "c", count: 40), at: 2_000)
            bob.disabledAt = 2_000
            try db.updateUser(bob, at: 2_000)
        }
        let active = try await store.pool.read { db in try db.activeAgentKeys() }
        #expect(active == [String(repeating: "a", count: 40): "alice"])
    }

    @Test("the audit log keeps entries in order and never a password hash in a user's summary")
    func auditLog() async throws {
        let dir = try TemporaryDirectory()
        let store = try TicketStore(path: dir.file("desk.sqlite"))
        let user = try await store.writer.write { db in
            let user = try db.createUser(name: "ann", email: "ann@example.com", role: .agent, passwordHash: "$2b$12$secrethash", at: 1_000)
            try db.audit(actor: "root", action: "user.create", target: "user ann", after: user.auditSummary, at: 1_000)
            try db.audit(actor: "root", action: "user.disable", target: "user ann", before: user.auditSummary, at: 2_000)
            return user
        }
        #expect(!user.auditSummary.contains("secrethash"))
        let entries = try await store.pool.read { db in try db.auditEntries() }
        #expect(entries.map(\.action) == ["user.create", "user.disable"])
        #expect(try await store.pool.read { db in try db.auditEntries(after: entries[0].id) }.map(\.action) == ["user.disable"])
    }
}
