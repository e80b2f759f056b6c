import DeskModel
import DeskStore
import Foundation

/// Group-commit throughput: tickets inserted (row + history event) by many concurrent callers, each
/// answered after its commit.
public enum StoreBenchmark {
    /// Inserts `count` tickets from `writers` concurrent tasks into a fresh store in `directory`.
    public static func run(count: Int, writers: Int, durability: Durability, directory: String) async throws -> String {
        let path = (directory as NSString).appendingPathComponent("bench-\(durability.rawValue).sqlite")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try TicketStore(path: path, durability: durability)
        let perWriter = count / writers
        let body = String(repeating: "b", count: 400)  // a 400-byte body, built once
        let start = nowMicroseconds()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    for n in 0..<perWriter {
                        let new = NewTicket(
                            subject: "Cannot log in \(w)-\(n)", body: body,
                            requester: "user\(n)@example.com", priority: .p3, category: "account")
                        _ = try await store.writer.write { try $0.insertTicket(new, at: 1, actor: "bench") }
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = (nowMicroseconds() - start) / 1e6
        let stats = store.writer.statistics
        await store.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let rate = Int(Double(perWriter * writers) / seconds)
        return "store group commit, awaited (\(durability.rawValue), \(writers) tasks): \(rate) tickets/s, "
            + "\(perWriter * writers) tickets in \(stats.transactions) transactions "
            + "(\(stats.changes / max(1, stats.transactions)) per commit)"
    }

    /// The coordinator's path: one loop submits changes with completion callbacks (no task or
    /// continuation per change), keeping at most `window` uncommitted.
    public static func runSubmitted(count: Int, window: Int, durability: Durability, directory: String) async throws -> String {
        let path = (directory as NSString).appendingPathComponent("bench-sub-\(durability.rawValue).sqlite")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try TicketStore(path: path, durability: durability)
        let body = String(repeating: "b", count: 400)
        let start = nowMicroseconds()
        // The producer is a plain thread, as the coordinator's loop would be: it blocks on the window.
        let failures = await withCheckedContinuation { (done: CheckedContinuation<Int, Never>) in
            Thread {
                done.resume(returning: submitLoop(store: store, count: count, window: window, body: body))
            }.start()
        }
        let seconds = (nowMicroseconds() - start) / 1e6
        let stats = store.writer.statistics
        await store.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        return "store group commit, submitted (\(durability.rawValue), window \(window)): "
            + "\(Int(Double(count) / seconds)) tickets/s, \(count) tickets in \(stats.transactions) transactions, "
            + "\(failures) failed"
    }

    private static func submitLoop(store: TicketStore, count: Int, window: Int, body: String) -> Int {
        let inFlight = NSCondition()
        nonisolated(unsafe) var outstanding = 0
        nonisolated(unsafe) var failures = 0
        for n in 0..<count {
            inFlight.lock()
            while outstanding >= window { inFlight.wait() }
            outstanding += 1
            inFlight.unlock()
            let new = NewTicket(subject: "Cannot log in \(n)", body: body, requester: "user\(n)@example.com",
                                priority: .p3, category: "account")
            store.writer.submit({ try $0.insertTicket(new, at: 1, actor: "bench") }) { result in
                inFlight.lock()
                outstanding -= 1
                if case .failure = result { failures += 1 }
                inFlight.signal()
                inFlight.unlock()
            }
        }
        inFlight.lock()
        while outstanding > 0 { inFlight.wait() }
        inFlight.unlock()
        return failures
    }
}
