import Foundation
import DeskModel
import GRDB

/// The one writer of a Desk store: gathers changes into one transaction per tick, and answers each
/// caller only after that transaction committed.
///
/// A dedicated thread runs the loop, so SQLite's blocking calls never occupy the cooperative pool. A
/// tick takes everything queued (up to `maxBatch`) while the previous commit was running: an idle store
/// commits a lone change at once, a busy one batches by itself, with no timer adding latency.
///
/// Changes run in submission order. Fast path: a whole batch runs in one transaction with no savepoints.
/// If any change throws, that transaction is rolled back and the batch re-runs with one savepoint per
/// change, so only the failing change gets its error and the others still commit. A change may
/// therefore run twice: it must do nothing but database work, and keep its result only in what it
/// returns.
public final class GroupCommitWriter: Sendable {
    private let core: WriterCore

    init(pool: DatabasePool, maxBatch: Int) {
        core = WriterCore(pool: pool, maxBatch: max(1, maxBatch))
        let core = self.core
        let thread = Thread { core.run() }
        thread.name = "desk-store-writer"
        thread.start()
    }

    deinit { core.requestClose() }

    /// Runs `change` in the next group commit and returns its result once committed.
    ///
    /// Cancelling the calling task does not withdraw the change: once submitted it commits or fails.
    public func write<T: Sendable>(_ change: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit(change) { continuation.resume(with: $0) }
        }
    }

    /// Submits `change`; `completion` is called on the writer thread after the commit (or the failure).
    /// For serial loops that must not wait per change; keep `completion` short.
    public func submit<T: Sendable>(
        _ change: @escaping @Sendable (Database) throws -> T,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        core.enqueue(PendingChange(change: change, completion: completion))
    }

    /// Lets every submitted change commit, then stops the writer thread. Later submissions fail with
    /// `StoreError.closed`.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            core.requestClose { continuation.resume() }
        }
    }

    /// How many transactions and changes the writer has committed: for benchmarks and metrics.
    public var statistics: (transactions: Int, changes: Int) { core.statistics }

    /// Changes submitted and not yet taken into a transaction: the writer's queue length, for
    /// backpressure (intake refuses new work past a limit) and metrics.
    public var backlog: Int { core.backlog }

    /// Seconds from a change's submission to its commit, as a histogram for `/metrics`.
    public var commitLatency: LatencyHistogram { core.commitLatency }
}

/// A change with its result slot, type-erased for the writer's queue.
final class PendingChange: @unchecked Sendable {
    // Only the writer thread touches `outcome`, between `run` and `finish`.
    private let body: (Database) throws -> Void
    private let deliver: ((any Error)?) -> Void
    /// When it was submitted: its commit latency ends when it is committed.
    let submittedAt = ContinuousClock.now

    init<T: Sendable>(
        change: @escaping @Sendable (Database) throws -> T,
        completion: @escaping @Sendable (Result<T, any Error>) -> Void
    ) {
        nonisolated(unsafe) var outcome: T?
        body = { db in outcome = try change(db) }
        deliver = { error in
            if let error {
                completion(.failure(error))
            } else if let outcome {
                completion(.success(outcome))
            } else {
                completion(.failure(StoreError.corrupt("a change finished without a result")))
            }
        }
    }

    func run(_ db: Database) throws { try body(db) }
    func finish(_ error: (any Error)?) { deliver(error) }
}

/// The queue and loop behind `GroupCommitWriter`.
final class WriterCore: @unchecked Sendable {
    // Everything below `condition` is guarded by it.
    private let condition = NSCondition()
    private var queue: [PendingChange] = []
    private var closing = false
    private var closed = false
    private var closeWaiters: [@Sendable () -> Void] = []
    private var transactions = 0
    private var changes = 0

    let pool: DatabasePool
    let maxBatch: Int
    /// Commit latency of every change, with bucket edges from a group commit's fsync (1 ms) to a stall.
    let commitLatency = LatencyHistogram(buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5])

    init(pool: DatabasePool, maxBatch: Int) {
        self.pool = pool
        self.maxBatch = maxBatch
    }

    var backlog: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    var statistics: (transactions: Int, changes: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (transactions, changes)
    }

    func enqueue(_ change: PendingChange) {
        condition.lock()
        if closing {
            condition.unlock()
            change.finish(StoreError.closed)
            return
        }
        queue.append(change)
        condition.signal()
        condition.unlock()
    }

    func requestClose(_ waiter: (@Sendable () -> Void)? = nil) {
        condition.lock()
        if closed {
            condition.unlock()
            waiter?()
            return
        }
        if let waiter { closeWaiters.append(waiter) }
        closing = true
        condition.signal()
        condition.unlock()
    }

    func run() {
        while let batch = nextBatch() {
            commit(batch)
        }
        condition.lock()
        closed = true
        let waiters = closeWaiters
        closeWaiters = []
        condition.unlock()
        for waiter in waiters { waiter() }
    }

    /// Waits for work; nil once closing and drained.
    private func nextBatch() -> [PendingChange]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !closing { condition.wait() }
        if queue.isEmpty { return nil }
        if queue.count <= maxBatch {
            var batch: [PendingChange] = []
            swap(&batch, &queue)
            return batch
        }
        let batch = Array(queue.prefix(maxBatch))
        queue.removeFirst(maxBatch)
        return batch
    }

    private func commit(_ batch: [PendingChange]) {
        do {
            try pool.write { db in
                for change in batch { try change.run(db) }
            }
            record(batch.count)
            observe(batch)
            for change in batch { change.finish(nil) }
        } catch {
            commitIsolated(batch)
        }
    }

    /// The slow path: one savepoint per change, so a failing change fails alone.
    private func commitIsolated(_ batch: [PendingChange]) {
        var failures = [(any Error)?](repeating: nil, count: batch.count)
        do {
            try pool.write { db in
                for (index, change) in batch.enumerated() {
                    do {
                        try db.inSavepoint {
                            try change.run(db)
                            return .commit
                        }
                    } catch {
                        failures[index] = error
                    }
                }
            }
            record(batch.count)
            observe(batch)
            for (index, change) in batch.enumerated() { change.finish(failures[index]) }
        } catch {
            for change in batch { change.finish(error) }
        }
    }

    /// From each change's submission to its transaction's commit.
    private func observe(_ batch: [PendingChange]) {
        let now = ContinuousClock.now
        commitLatency.record(batch.map { change in
            let elapsed = now - change.submittedAt
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        })
    }

    private func record(_ count: Int) {
        condition.lock()
        transactions += 1
        changes += count
        condition.unlock()
    }
}
