import DeskModel
import Foundation
import GRDB

/// Desk's durable store: one SQLite file in WAL mode, read through a `DatabasePool`, written only
/// through the group-commit `writer`.
public final class TicketStore: Sendable {
    /// Concurrent readers (API queries, recovery). Never write through it: writes go to `writer`.
    public let pool: DatabasePool
    /// The single write path: batches changes into one transaction per tick.
    public let writer: GroupCommitWriter

    /// Opens (creating when missing) the store at `path`, migrates it, and starts its writer.
    public init(path: String, durability: Durability = .full, maxBatch: Int = 4096) throws {
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        try Migrations.migrator.migrate(pool)
        self.pool = pool
        self.writer = GroupCommitWriter(pool: pool, maxBatch: maxBatch)
    }

    /// Opens the store in `directory` as `desk.sqlite`, creating the directory when missing.
    public convenience init(directory: String, durability: Durability = .full) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try self.init(path: (directory as NSString).appendingPathComponent("desk.sqlite"), durability: durability)
    }

    /// Finishes every submitted change, then stops the writer.
    public func close() async {
        await writer.close()
    }
}

extension TicketStore {
    /// Opens the store in `directory`, runs `body` with it, and closes it (every change committed) whether
    /// `body` returns or throws: how the CLI's `--data` commands and bootstraps use a store briefly.
    public static func with<T: Sendable>(directory: String, _ body: (TicketStore) async throws -> T) async throws -> T {
        let store = try TicketStore(directory: directory)
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}
