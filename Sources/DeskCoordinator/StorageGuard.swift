import AsyncAlgorithms
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// Keeps intake off a full disk: a service reads the data directory's free space twice a second, and
/// while it is below `reserveBytes` intake answers `507` (the store would soon refuse writes) instead of
/// accepting tickets it may not be able to commit. Reads, agents' sessions and their reports go on, on
/// the reserve; when space returns, intake resumes by itself.
///
/// A write that still fails on a full disk stops the coordinator as any refused change does (restart =
/// replay, nothing acknowledged lost); the restarted coordinator then finds the disk below the reserve
/// and keeps intake closed, instead of accepting a ticket and dying again.
final class StorageGuard: Sendable {
    let directory: String
    let reserveBytes: Int64
    private let free = Atomic<Int64>(.max)
    private let refusing = Atomic<Bool>(false)

    init(directory: String, reserveBytes: Int64) {
        self.directory = directory
        self.reserveBytes = reserveBytes
    }

    /// Whether intake must refuse: the disk's free space is below the reserve.
    var isLow: Bool { refusing.load(ordering: .relaxed) }
    /// The free bytes last read (`Int64.max` before the first reading, or when they cannot be read).
    var freeBytes: Int64 { free.load(ordering: .relaxed) }

    /// Reads the free space now; returns whether the disk crossed the reserve either way.
    @discardableResult
    func check() -> (low: Bool, changed: Bool) {
        var stats = statvfs()
        guard statvfs(directory, &stats) == 0 else { return (isLow, false) }
        let bytes = Int64(stats.f_bavail) * Int64(stats.f_frsize)
        free.store(bytes, ordering: .relaxed)
        let low = bytes < reserveBytes
        let before = refusing.exchange(low, ordering: .relaxed)
        return (low, before != low)
    }

    /// The refusal intake answers with while the disk is low.
    var refusal: APIError {
        APIError(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), "the store's disk has \(freeBytes / 1_048_576) MiB free, below the "
                 + "\(reserveBytes / 1_048_576) MiB reserve: intake is paused until space returns", retryAfter: 5)
    }
}

/// Reads the free space twice a second and logs each crossing of the reserve.
struct StorageGuardService: Service {
    let storage: StorageGuard
    let logger: Logger

    func run() async throws {
        for await _ in AsyncTimerSequence(interval: .milliseconds(500), clock: .continuous).cancelOnGracefulShutdown() {
            let (low, changed) = storage.check()
            guard changed else { continue }
            if low {
                logger.error("disk space below the reserve: intake answers 507 until space returns",
                             metadata: ["free_mib": "\(storage.freeBytes / 1_048_576)", "reserve_mib": "\(storage.reserveBytes / 1_048_576)",
                                        "directory": "\(storage.directory)"])
            } else {
                logger.notice("disk space back above the reserve: intake resumed", metadata: ["free_mib": "\(storage.freeBytes / 1_048_576)"])
            }
        }
    }
}
