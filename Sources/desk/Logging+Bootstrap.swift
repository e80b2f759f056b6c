import Foundation
import Logging

/// Logging for the executable: to standard error, at the level asked for. Libraries only take a Logger.
enum LogSetup {
    nonisolated(unsafe) private static var done = false

    static func logger(_ label: String, level: String) -> Logger {
        if !done {
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
            done = true
        }
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }
}

/// Prints a line to standard output at once (tests and `desk cluster up` read these lines).
func announce(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
}
