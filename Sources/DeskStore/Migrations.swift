import GRDB

/// The store's schema history.
///
/// Migrations are append-only from now on: a registered migration is never edited, reordered or removed
/// once it has shipped, because databases it already ran on will never run it again. A schema change is a
/// new migration at the end. `MigrationHistoryTests` freezes the identifiers shipped so far and upgrades a
/// database made by the migrations exactly as they first shipped.
///
/// v1 and v3 were edited after they shipped (v1 gained `tickets.created_by`; v3 gained
/// `tickets.next_response_due` and the `settings` table), so databases exist in both shapes; v4 brings the
/// older shape up to the newer one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: tickets, history, agents, leases") { db in
            try db.execute(sql: """
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
                    created_by TEXT NOT NULL DEFAULT 'api',
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
                """)
        }
        migrator.registerMigration("v2: bot pools, outbox, macros") { db in
            try db.execute(sql: """
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
                """)
        }
        migrator.registerMigration("v3: SLA due times, webhook attempts") { db in
            try db.execute(sql: """
                ALTER TABLE tickets ADD COLUMN sla_policy TEXT;
                ALTER TABLE tickets ADD COLUMN first_response_due INTEGER;
                ALTER TABLE tickets ADD COLUMN next_response_due INTEGER;
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

                CREATE TABLE settings (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v4: what v1 and v3 gained after they shipped") { db in
            try addColumnsEditedIntoShippedMigrations(db)
        }
        migrator.registerMigration("v5: refused reports") { db in
            // A refused report's number and refusal, so a retry gets the same ERROR across restarts.
            try db.execute(sql: """
                CREATE TABLE report_refusals (
                    agent TEXT NOT NULL,
                    session TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    code INTEGER NOT NULL,
                    message TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    PRIMARY KEY (agent, seq)
                );
                """)
        }
        migrator.registerMigration("v6: webhook deliveries") { db in
            // Each webhook delivery, stored as pending before its first attempt and marked delivered, failed
            // or dropped, so a delivery still retrying when the coordinator stops is resumed at the next start.
            // Its attempts stay in `webhook_attempts` (whose `delivery` is this table's `id`).
            try db.execute(sql: """
                CREATE TABLE webhook_deliveries (
                    id TEXT PRIMARY KEY,
                    ticket_id INTEGER NOT NULL,
                    url TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'dropped')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(created_at, id) WHERE state = 'pending';
                CREATE INDEX webhook_deliveries_ticket ON webhook_deliveries(ticket_id, created_at);
                """)
        }
        migrator.registerMigration("v7: each ticket's priority and skill as created") { db in
            // The history's `created` record shows these, so a later change of priority or skill does
            // not rewrite the past. Older rows keep NULL: what they were created with is not known.
            try db.execute(sql: """
                ALTER TABLE tickets ADD COLUMN created_priority INTEGER;
                ALTER TABLE tickets ADD COLUMN created_skill TEXT;
                """)
        }
        migrator.registerMigration("v8: ticket list by requester") { db in
            // The list's `requester=` reads through this (a customer's own tickets, later the portal's);
            // `category`, `tier`, `tag` and `q` are tested row by row in a bounded scan (see `TicketSearch`).
            // One more index entry per intake: a category index as well cost batch intake about 10%
            // (docs/BENCHMARKS.md, 2026-12-02) for a filter whose values are few and common.
            try db.execute(sql: "CREATE INDEX tickets_requester ON tickets(requester, id)")
        }
        migrator.registerMigration("v9: people, API tokens, sessions, sign-in links, agent keys, audit log") { db in
            // Secrets are stored only as SHA-256 hashes (tokens, session ids, sign-in links) or bcrypt
            // (passwords); what is shown of a token later is its prefix. See docs/SECURITY.md.
            try db.execute(sql: """
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    email TEXT COLLATE NOCASE,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'lead', 'agent', 'customer')),
                    skills TEXT NOT NULL DEFAULT '[]',
                    tier INTEGER NOT NULL DEFAULT 1,
                    password_hash TEXT,
                    email_verified_at INTEGER,
                    disabled_at INTEGER,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX users_email ON users(email) WHERE email IS NOT NULL;
                CREATE TABLE api_tokens (
                    id INTEGER PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    name TEXT NOT NULL,
                    prefix TEXT NOT NULL UNIQUE,
                    hash TEXT NOT NULL UNIQUE,
                    scopes TEXT,
                    expires_at INTEGER,
                    last_used_at INTEGER,
                    revoked_at INTEGER,
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX api_tokens_user ON api_tokens(user_id);
                CREATE TABLE sessions (
                    hash TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    csrf TEXT NOT NULL,
                    address TEXT NOT NULL DEFAULT '',
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    last_seen_at INTEGER NOT NULL,
                    ended_at INTEGER
                );
                CREATE INDEX sessions_user ON sessions(user_id);
                CREATE TABLE sign_in_links (
                    hash TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    used_at INTEGER
                );
                CREATE TABLE agent_keys (
                    public_key TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    name TEXT NOT NULL DEFAULT '',
                    created_at INTEGER NOT NULL,
                    revoked_at INTEGER
                );
                CREATE INDEX agent_keys_user ON agent_keys(user_id);
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    before TEXT,
                    after TEXT
                );
                """)
        }
        migrator.registerMigration("v10: outbox carries mail of no ticket (sign-in links)") { db in
            // SQLite cannot drop NOT NULL from a column: the table is rebuilt with the same rows, ids and
            // indexes. `kind` says what a message is; only a reply has (and must have) a ticket.
            try db.execute(sql: """
                CREATE TABLE outbox_v10 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL DEFAULT 'reply' CHECK (kind IN ('reply', 'sign_in_link')),
                    ticket_id INTEGER REFERENCES tickets(id),
                    recipient TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    body TEXT NOT NULL,
                    author TEXT NOT NULL,
                    macro TEXT,
                    created_at INTEGER NOT NULL,
                    delivered_at INTEGER,
                    CHECK ((kind = 'reply') = (ticket_id IS NOT NULL))
                );
                INSERT INTO outbox_v10 (id, kind, ticket_id, recipient, subject, body, author, macro, created_at, delivered_at)
                    SELECT id, 'reply', ticket_id, recipient, subject, body, author, macro, created_at, delivered_at FROM outbox;
                DELETE FROM sqlite_sequence WHERE name = 'outbox_v10';
                INSERT INTO sqlite_sequence (name, seq)
                    SELECT 'outbox_v10', MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0),
                                             COALESCE((SELECT MAX(id) FROM outbox_v10), 0));
                DROP TABLE outbox;
                ALTER TABLE outbox_v10 RENAME TO outbox;
                CREATE INDEX outbox_pending ON outbox(id) WHERE delivered_at IS NULL;
                CREATE INDEX outbox_ticket ON outbox(ticket_id, id);
                """)
        }
        migrator.registerMigration("v11: ticket types and their fields") { db in
            try db.execute(sql: """
                ALTER TABLE tickets ADD COLUMN type TEXT NOT NULL DEFAULT '';
                ALTER TABLE tickets ADD COLUMN fields TEXT NOT NULL DEFAULT '{}';
                """)
        }
        migrator.registerMigration("v12: knowledge base articles, their versions and full-text index") { db in
            try db.execute(sql: """
                CREATE TABLE kb_articles (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    file TEXT UNIQUE,
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    category TEXT NOT NULL DEFAULT '',
                    tags TEXT NOT NULL DEFAULT '[]',
                    audience TEXT NOT NULL DEFAULT 'public' CHECK (audience IN ('public', 'internal')),
                    status TEXT NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published', 'archived')),
                    author TEXT NOT NULL DEFAULT '',
                    version INTEGER NOT NULL DEFAULT 1,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX kb_articles_category ON kb_articles(category, id);
                CREATE TABLE kb_article_versions (
                    article_id INTEGER NOT NULL REFERENCES kb_articles(id),
                    version INTEGER NOT NULL,
                    title TEXT NOT NULL,
                    body TEXT NOT NULL,
                    author TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    PRIMARY KEY (article_id, version)
                );
                CREATE VIRTUAL TABLE kb_fts USING fts5(title, body, content='kb_articles', content_rowid='id',
                                                       tokenize='porter unicode61 remove_diacritics 2');
                CREATE TRIGGER kb_articles_ai AFTER INSERT ON kb_articles BEGIN
                    INSERT INTO kb_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
                END;
                CREATE TRIGGER kb_articles_ad AFTER DELETE ON kb_articles BEGIN
                    INSERT INTO kb_fts(kb_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
                END;
                CREATE TRIGGER kb_articles_au AFTER UPDATE ON kb_articles BEGIN
                    INSERT INTO kb_fts(kb_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
                    INSERT INTO kb_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
                END;
                """)
        }
        migrator.registerMigration("v13: knowledge base vectors, embedding queue, usefulness and deflection counts") { db in
            // kb_embed_queue: the articles whose text changed since their vector was computed (version = the
            // article's version then); the embedding service deletes a row only for the version it embedded.
            // kb_counts: per day and kind (suggested, solved, continued, opened, helpful, not_helpful, bot_*),
            // so rates over a window read a few rows, never the events. kb_article_counts: per article.
            try db.execute(sql: """
                CREATE TABLE kb_vectors (
                    article_id INTEGER PRIMARY KEY REFERENCES kb_articles(id) ON DELETE CASCADE,
                    version INTEGER NOT NULL,
                    model TEXT NOT NULL,
                    vector BLOB NOT NULL
                );
                CREATE TABLE kb_embed_queue (
                    article_id INTEGER PRIMARY KEY,
                    version INTEGER NOT NULL
                );
                INSERT INTO kb_embed_queue (article_id, version) SELECT id, version FROM kb_articles;
                CREATE TRIGGER kb_articles_embed_ai AFTER INSERT ON kb_articles BEGIN
                    INSERT OR REPLACE INTO kb_embed_queue (article_id, version) VALUES (new.id, new.version);
                END;
                CREATE TRIGGER kb_articles_embed_au AFTER UPDATE OF title, body ON kb_articles
                WHEN new.title IS NOT old.title OR new.body IS NOT old.body BEGIN
                    INSERT OR REPLACE INTO kb_embed_queue (article_id, version) VALUES (new.id, new.version);
                END;
                CREATE TABLE kb_events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    draft TEXT NOT NULL DEFAULT '',
                    article_id INTEGER,
                    ticket_id INTEGER,
                    channel TEXT NOT NULL DEFAULT '',
                    actor TEXT NOT NULL DEFAULT '',
                    at INTEGER NOT NULL
                );
                CREATE INDEX kb_events_draft ON kb_events(draft) WHERE draft <> '';
                CREATE INDEX kb_events_ticket ON kb_events(ticket_id) WHERE ticket_id IS NOT NULL;
                CREATE TABLE kb_counts (
                    day INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    n INTEGER NOT NULL,
                    PRIMARY KEY (day, kind)
                ) WITHOUT ROWID;
                CREATE TABLE kb_article_counts (
                    article_id INTEGER PRIMARY KEY REFERENCES kb_articles(id) ON DELETE CASCADE,
                    views INTEGER NOT NULL DEFAULT 0,
                    suggested INTEGER NOT NULL DEFAULT 0,
                    solved INTEGER NOT NULL DEFAULT 0,
                    helpful INTEGER NOT NULL DEFAULT 0,
                    not_helpful INTEGER NOT NULL DEFAULT 0,
                    linked_tickets INTEGER NOT NULL DEFAULT 0
                );
                """)
        }
        migrator.registerMigration("v14: knowledge base: past answers of resolved tickets") { db in
            // One row per resolved ticket that had a public reply: its question (subject and description),
            // its public answers (never internal notes), kept by triggers on the ticket's status, and an
            // FTS5 index over both. A reopened ticket leaves it until it is resolved again. Answers resolved
            // from now on are queued for a vector of their question (knowledge gaps); older ones are not
            // (the backfill empties the queue: gaps look at recent work).
            let answerOf = """
                COALESCE((SELECT group_concat(json_extract(detail, '$.body'), char(10) || char(10)) FROM ticket_events
                          WHERE ticket_id = t.id AND kind = 'replied'), '')
                """
            let lastReplier = "COALESCE((SELECT actor FROM ticket_events WHERE ticket_id = t.id AND kind = 'replied' ORDER BY id DESC LIMIT 1), '')"
            let hasReply = "EXISTS (SELECT 1 FROM ticket_events WHERE ticket_id = t.id AND kind = 'replied')"
            try db.execute(sql: """
                CREATE TABLE kb_answers (
                    ticket_id INTEGER PRIMARY KEY,
                    question TEXT NOT NULL,
                    answer TEXT NOT NULL,
                    requester TEXT NOT NULL,
                    answered_by TEXT NOT NULL DEFAULT '',
                    category TEXT NOT NULL DEFAULT '',
                    resolved_at INTEGER NOT NULL
                );
                CREATE INDEX kb_answers_resolved ON kb_answers(resolved_at);
                CREATE VIRTUAL TABLE kb_answers_fts USING fts5(question, answer, content='kb_answers', content_rowid='ticket_id',
                                                               tokenize='porter unicode61 remove_diacritics 2');
                CREATE TRIGGER kb_answers_ai AFTER INSERT ON kb_answers BEGIN
                    INSERT INTO kb_answers_fts(rowid, question, answer) VALUES (new.ticket_id, new.question, new.answer);
                END;
                CREATE TRIGGER kb_answers_ad AFTER DELETE ON kb_answers BEGIN
                    INSERT INTO kb_answers_fts(kb_answers_fts, rowid, question, answer) VALUES ('delete', old.ticket_id, old.question, old.answer);
                    DELETE FROM kb_answer_embed_queue WHERE ticket_id = old.ticket_id;
                    DELETE FROM kb_answer_vectors WHERE ticket_id = old.ticket_id;
                END;
                CREATE TABLE kb_answer_vectors (
                    ticket_id INTEGER PRIMARY KEY,
                    model TEXT NOT NULL,
                    vector BLOB NOT NULL
                );
                CREATE TABLE kb_answer_embed_queue (ticket_id INTEGER PRIMARY KEY);
                CREATE TRIGGER kb_answers_embed AFTER INSERT ON kb_answers BEGIN
                    INSERT OR IGNORE INTO kb_answer_embed_queue (ticket_id) VALUES (new.ticket_id);
                END;
                CREATE TRIGGER tickets_resolved_answer AFTER UPDATE OF status ON tickets
                WHEN new.status = 'resolved' AND old.status <> 'resolved' BEGIN
                    DELETE FROM kb_answers WHERE ticket_id = new.id;
                    INSERT INTO kb_answers (ticket_id, question, answer, requester, answered_by, category, resolved_at)
                    SELECT t.id, t.subject || char(10) || t.body, \(answerOf), t.requester, \(lastReplier), t.category,
                           COALESCE(t.resolved_at, t.updated_at)
                    FROM tickets t WHERE t.id = new.id AND \(hasReply);
                END;
                CREATE TRIGGER tickets_reopened_answer AFTER UPDATE OF status ON tickets
                WHEN old.status = 'resolved' AND new.status NOT IN ('resolved', 'closed', 'archived') BEGIN
                    DELETE FROM kb_answers WHERE ticket_id = new.id;
                END;
                INSERT INTO kb_answers (ticket_id, question, answer, requester, answered_by, category, resolved_at)
                SELECT t.id, t.subject || char(10) || t.body, \(answerOf), t.requester, \(lastReplier), t.category,
                       COALESCE(t.resolved_at, t.updated_at)
                FROM tickets t WHERE t.status IN ('resolved', 'closed', 'archived') AND \(hasReply);
                DELETE FROM kb_answer_embed_queue;
                """)
        }
        return migrator
    }

    /// Adds, only where missing, the column and table that v1 and v3 gained after they shipped. A database
    /// made by the edited versions already has them and is left as it is.
    ///
    /// A database from before `created_by` stored each ticket's creation as a `created` row in
    /// `ticket_events`; its creator is copied onto the ticket (`history(of:)` then shows that stored
    /// event instead of making one from the row). Columns added here come last in `PRAGMA table_info`;
    /// Desk reads columns by name, never by position in `SELECT *`.
    static func addColumnsEditedIntoShippedMigrations(_ db: Database) throws {
        let ticketColumns = Set(try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info('tickets')"))
        if !ticketColumns.contains("created_by") {
            try db.execute(sql: """
                ALTER TABLE tickets ADD COLUMN created_by TEXT NOT NULL DEFAULT 'api';
                UPDATE tickets SET created_by = (
                    SELECT actor FROM ticket_events e WHERE e.ticket_id = tickets.id AND e.kind = 'created' ORDER BY e.id LIMIT 1)
                WHERE EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = tickets.id AND e.kind = 'created');
                """)
        }
        if !ticketColumns.contains("next_response_due") {
            try db.execute(sql: "ALTER TABLE tickets ADD COLUMN next_response_due INTEGER")
        }
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                updated_at INTEGER NOT NULL
            );
            """)
    }
}
