import Logging
import Synchronization

/// A log handler that keeps every message with its level, for tests that check what was logged.
final class LogRecords: LogHandler, Sendable {
    let records = Mutex<[(Logger.Level, String)]>([])

    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    subscript(metadataKey _: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        records.withLock { $0.append((event.level, "\(event.message)")) }
    }

    /// The messages at `level` or above, in order.
    func messages(atLeast level: Logger.Level) -> [String] {
        records.withLock { $0.filter { $0.0 >= level }.map(\.1) }
    }
}
