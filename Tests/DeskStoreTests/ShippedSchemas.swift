import Foundation
import Testing

/// The store's migrations exactly as each version first shipped, copied verbatim from git history
/// (`git log -p --follow Sources/DeskStore/Migrations.swift`), so the upgrade tests can make the
/// databases those versions made. Never edit these: they are what is out there.
enum ShippedSchemas {
    /// `v1: tickets, history, agents, leases` as shipped in d3f02b9 (no `tickets.created_by`).
    static let v1 = """
        CREATE TABLE tickets (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            requester TEXT NOT NULL,
            priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),
            category TEXT NOT NULL DEFAULT '',
            channel TEXT NOT NULL DEFAULT 'api',
            tags TEXT NOT NULL DEFAULT '[]',
            status TEXT NOT NULL,
            tier INTEGER NOT NULL DEFAULT 1,
            skill TEXT NOT NULL DEFAULT '',
            assignee TEXT,
            lease_epoch INTEGER NOT NULL DEFAULT 0,
            idempotency_key TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            first_response_at INTEGER,
            resolved_at INTEGER
        );
        CREATE UNIQUE INDEX tickets_idempotency ON tickets(idempotency_key)
            WHERE idempotency_key IS NOT NULL;
        CREATE INDEX tickets_status ON tickets(status, id);
        CREATE INDEX tickets_assignee ON tickets(assignee, id) WHERE assignee IS NOT NULL;

        CREATE TABLE ticket_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ticket_id INTEGER NOT NULL REFERENCES tickets(id),
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);
        CREATE TRIGGER ticket_events_append_only_update BEFORE UPDATE ON ticket_events
        BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END;
        CREATE TRIGGER ticket_events_append_only_delete BEFORE DELETE ON ticket_events
        BEGIN SELECT RAISE(ABORT, 'ticket history is append-only'); END;

        CREATE TABLE agents (
            name TEXT PRIMARY KEY,
            skills TEXT NOT NULL DEFAULT '[]',
            tier INTEGER NOT NULL DEFAULT 1,
            capacity INTEGER NOT NULL DEFAULT 1,
            mode TEXT NOT NULL DEFAULT '',
            session TEXT NOT NULL DEFAULT '',
            last_sequence INTEGER NOT NULL DEFAULT 0,
            last_seen INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE leases (
            ticket_id INTEGER PRIMARY KEY REFERENCES tickets(id),
            agent TEXT NOT NULL,
            epoch INTEGER NOT NULL,
            granted_at INTEGER NOT NULL
        );
        CREATE INDEX leases_agent ON leases(agent);
        """

    /// v1 as edited in 80130f6: `created_by` added after `created_at`.
    static let v1WithCreatedBy = v1.replacingOccurrences(
        of: "created_at INTEGER NOT NULL,\n", with: "created_at INTEGER NOT NULL,\n    created_by TEXT NOT NULL DEFAULT 'api',\n")

    /// `v2: bot pools, outbox, macros` as shipped in 1545f15 (never edited).
    static let v2 = """
        ALTER TABLE tickets ADD COLUMN pool TEXT NOT NULL DEFAULT '';

        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ticket_id INTEGER NOT NULL REFERENCES tickets(id),
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            author TEXT NOT NULL,
            macro TEXT,
            created_at INTEGER NOT NULL,
            delivered_at INTEGER
        );
        CREATE INDEX outbox_pending ON outbox(id) WHERE delivered_at IS NULL;
        CREATE INDEX outbox_ticket ON outbox(ticket_id, id);

        CREATE TABLE macros (
            name TEXT PRIMARY KEY,
            description TEXT NOT NULL DEFAULT '',
            reply TEXT NOT NULL DEFAULT '',
            actions TEXT NOT NULL DEFAULT '{}',
            updated_at INTEGER NOT NULL
        );
        """

    /// `v3: SLA due times, webhook attempts` as shipped in 4103e44 (no `next_response_due`, no `settings`).
    static let v3 = """
        ALTER TABLE tickets ADD COLUMN sla_policy TEXT;
        ALTER TABLE tickets ADD COLUMN first_response_due INTEGER;
        ALTER TABLE tickets ADD COLUMN resolution_due INTEGER;

        CREATE TABLE webhook_attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            delivery TEXT NOT NULL,
            ticket_id INTEGER NOT NULL,
            url TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            at INTEGER NOT NULL,
            status INTEGER,
            error TEXT,
            payload TEXT NOT NULL
        );
        CREATE INDEX webhook_attempts_ticket ON webhook_attempts(ticket_id, id);
        """

    /// v3 as edited in 73f420f: `next_response_due` added.
    static let v3WithNextResponseDue = v3.replacingOccurrences(
        of: "ALTER TABLE tickets ADD COLUMN resolution_due INTEGER;",
        with: "ALTER TABLE tickets ADD COLUMN next_response_due INTEGER;\nALTER TABLE tickets ADD COLUMN resolution_due INTEGER;")

    /// The identifiers of v1–v3, as GRDB records them in `grdb_migrations`.
    static let identifiers = ["v1: tickets, history, agents, leases", "v2: bot pools, outbox, macros",
                              "v3: SLA due times, webhook attempts"]

    /// One shape of database out there: the SQL that made it, in order.
    struct Release: Sendable, CustomTestStringConvertible {
        let name: String
        let steps: [String]
        var testDescription: String { name }
    }

    /// Every shape v1–v3 left behind: as first shipped, and after each edit.
    static let releases = [
        Release(name: "v1-v3 as first shipped", steps: [v1, v2, v3]),
        Release(name: "v1 with created_by, v3 as first shipped", steps: [v1WithCreatedBy, v2, v3]),
        Release(name: "v1 with created_by, v3 with next_response_due", steps: [v1WithCreatedBy, v2, v3WithNextResponseDue]),
    ]
}
