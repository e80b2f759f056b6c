import DeskModel
import Foundation
import GRDB
import Testing
@testable import DeskStore

/// The schema of one SQLite file, in a form two files can be compared by: every `sqlite_master` entry
/// (with the SQL of indexes and triggers), and each table's columns by name.
///
/// Table SQL is left out and columns are compared by name, not position: `ALTER TABLE … ADD COLUMN`
/// appends, so an upgraded table lists a column later than a fresh one does. Desk reads columns by name.
struct SchemaShape: Equatable, CustomStringConvertible {
    struct Column: Equatable, Comparable, CustomStringConvertible {
        let name: String, type: String, notNull: Bool, defaultValue: String?, primaryKey: Int
        static func < (a: Column, b: Column) -> Bool { a.name < b.name }
        var description: String { "\(name) \(type)\(notNull ? " NOT NULL" : "") default=\(defaultValue ?? "-") pk=\(primaryKey)" }
    }

    var entries: [String] = []
    var columns: [String: [Column]] = [:]
    var migrations: [String] = []

    init(_ db: Database) throws {
        for row in try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name") {
            let type: String = row["type"], name: String = row["name"], table: String = row["tbl_name"]
            let sql: String? = row["sql"]
            entries.append("\(type) \(name) on \(table)" + (type == "table" ? "" : ": \(sql ?? "-")"))
            guard type == "table" else { continue }
            columns[name] = try Row.fetchAll(db, sql: "SELECT * FROM pragma_table_info(?)", arguments: [name]).map {
                Column(name: $0["name"], type: $0["type"], notNull: $0["notnull"] as Int != 0,
                       defaultValue: $0["dflt_value"], primaryKey: $0["pk"])
            }.sorted()
        }
        migrations = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
    }

    var description: String {
        (entries + columns.keys.sorted().map { "\($0): \(columns[$0] ?? [])" } + migrations).joined(separator: "\n")
    }
}

@Suite("Migration history: append-only, and every shipped database upgrades to today's schema")
struct MigrationHistoryTests {
    /// Every migration identifier that has shipped, in order. Append the new one here when you add a
    /// migration; never change or remove one.
    static let shipped = [
        "v1: tickets, history, agents, leases",
        "v2: bot pools, outbox, macros",
        "v3: SLA due times, webhook attempts",
        "v4: what v1 and v3 gained after they shipped",
        "v5: refused reports",
        "v6: webhook deliveries",
        "v7: each ticket's priority and skill as created",
        "v8: ticket list by requester",
        "v9: people, API tokens, sessions, sign-in links, agent keys, audit log",
        "v10: outbox carries mail of no ticket (sign-in links)",
        "v11: ticket types and their fields",
        "v12: knowledge base articles, their versions and full-text index",
        "v13: knowledge base vectors, embedding queue, usefulness and deflection counts",
        "v14: knowledge base: past answers of resolved tickets",
    ]

    @Test("the list of migrations only grows: the shipped identifiers are its prefix, in order")
    func identifiersOnlyGrow() {
        let registered = Migrations.migrator.migrations
        #expect(Array(registered.prefix(Self.shipped.count)) == Self.shipped)
        #expect(registered.count >= Self.shipped.count)
    }

    /// Makes the database a release left behind: its SQL, and its migrations recorded as applied.
    static func makeDatabase(_ release: ShippedSchemas.Release, at path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            for step in release.steps { try db.execute(sql: step) }
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            for identifier in ShippedSchemas.identifiers {
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [identifier])
            }
            // A ticket as the first release wrote it: the row, and its creation as a stored event.
            try db.execute(sql: """
                INSERT INTO tickets (id, subject, body, requester, priority, status, created_at, updated_at)
                VALUES (1, 'Old printer', 'It beeps.', 'old@example.com', 2, 'pending_assignment', 1000, 1000);
                INSERT INTO ticket_events (ticket_id, at, actor, kind, detail)
                VALUES (1, 1000, 'mail-intake', 'created', '{"priority":"P2"}');
                """)
        }
        try queue.close()
    }

    @Test("a database made by v1-v3 as they shipped (and after each edit) upgrades to a fresh store's schema",
          arguments: ShippedSchemas.releases)
    func shippedDatabaseUpgrades(_ release: ShippedSchemas.Release) async throws {
        let dir = try TemporaryDirectory()
        let fresh = try TicketStore(path: dir.file("fresh.sqlite"))
        let expected = try await fresh.pool.read { try SchemaShape($0) }
        await fresh.close()

        try Self.makeDatabase(release, at: dir.file("old.sqlite"))
        let upgraded = try TicketStore(path: dir.file("old.sqlite"))
        let shape = try await upgraded.pool.read { try SchemaShape($0) }
        #expect(shape == expected, "upgraded:\n\(shape)\n\nfresh:\n\(expected)")

        // The old ticket reads back with its creator, shown once; a new one goes in and reads back.
        let (old, oldHistory) = try await upgraded.pool.read { (try $0.ticket(1), try $0.history(of: 1)) }
        #expect(old?.subject == "Old printer")
        #expect(oldHistory.filter { $0.kind == .created }.count == 1)
        #expect(oldHistory.first?.actor == "mail-intake")
        let created = try await upgraded.writer.write { try $0.insertTicket(sampleTicket(2), at: 2000, actor: "api") }
        let (stored, history) = try await upgraded.pool.read {
            (try $0.ticket(created.ticket.id), try $0.history(of: created.ticket.id))
        }
        #expect(stored == created.ticket)
        #expect(history.map(\.kind) == [.created])
        #expect(try await upgraded.pool.read { try $0.setting("sla_policies") } == nil, "the settings table exists")
        await upgraded.close()
    }

    @Test("opening a current database again leaves its schema as it was")
    func currentDatabaseIsLeftAlone() async throws {
        let dir = try TemporaryDirectory()
        let first = try TicketStore(path: dir.file("desk.sqlite"))
        let before = try await first.pool.read { try SchemaShape($0) }
        await first.close()
        let again = try TicketStore(path: dir.file("desk.sqlite"))
        let after = try await again.pool.read { try SchemaShape($0) }
        #expect(after == before)
        await again.close()
    }
}
