import Foundation
import Logging

/// Starts child processes, restarts the ones that die (exponential backoff, reset after a minute up),
/// and stops them all: SIGTERM, then SIGKILL after a grace period.
///
/// Used by `desk cluster up` and the load-test harness. Exits are reported through `exits`, which the
/// owner reads in its own loop; nothing here runs in the background on its own.
public final class ProcessSupervisor: @unchecked Sendable {
    /// One supervised program.
    public struct Program: Sendable {
        public var name: String
        public var executable: String
        public var arguments: [String]
        /// Where its standard output goes: nil inherits ours.
        public var captureOutput: Bool
        /// Standard output and error go nowhere (the load-test agents).
        public var quiet: Bool
        public init(name: String, executable: String, arguments: [String], captureOutput: Bool = false, quiet: Bool = false) {
            self.name = name
            self.executable = executable
            self.arguments = arguments
            self.captureOutput = captureOutput
            self.quiet = quiet
        }
    }

    public enum Event: Sendable {
        case exited(name: String, status: Int32, uptime: Double)
        case line(name: String, String)
    }

    private let lock = NSLock()
    private var running: [String: (process: Process, started: Date)] = [:]
    private var backoff: [String: Double] = [:]
    private var stopping = false
    public let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    let logger: Logger

    public init(logger: Logger) {
        (events, continuation) = AsyncStream<Event>.makeStream()
        self.logger = logger
    }

    /// Starts `program`; its exit is reported on `events`.
    public func start(_ program: Program) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program.executable)
        process.arguments = program.arguments
        if program.quiet {
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        }
        if program.captureOutput {
            let pipe = Pipe()
            process.standardOutput = pipe
            let name = program.name, continuation = self.continuation
            let buffer = LineBuffer()
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                if data.isEmpty { handle.readabilityHandler = nil; return }
                for line in buffer.append(data) { continuation.yield(.line(name: name, line)) }
            }
        }
        let name = program.name, continuation = self.continuation
        let started = Date()
        process.terminationHandler = { process in
            continuation.yield(.exited(name: name, status: process.terminationStatus,
                                       uptime: Date().timeIntervalSince(started)))
        }
        try process.run()
        lock.withLock { running[program.name] = (process, started) }
    }

    /// The delay before restarting `name` after an exit: doubles from 0.5 s to 30 s, back to 0.5 s
    /// after a run of over a minute.
    public func restartDelay(for name: String, uptime: Double) -> Double {
        lock.withLock {
            let previous = uptime > 60 ? 0 : backoff[name] ?? 0
            let next = previous == 0 ? 0.5 : min(30, previous * 2)
            backoff[name] = next
            return next
        }
    }

    public var isStopping: Bool { lock.withLock { stopping } }

    /// Sends `signal` to the running program `name`; false if it is not running.
    @discardableResult
    public func signal(_ name: String, _ signal: Int32) -> Bool {
        guard let process = lock.withLock({ running[name]?.process }), process.isRunning else { return false }
        return kill(process.processIdentifier, signal) == 0
    }

    /// `kill -9` of `name`, waiting until it is gone.
    public func kill9(_ name: String) {
        guard let process = lock.withLock({ running[name]?.process }) else { return }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// The names of the programs running now.
    public var runningNames: [String] { lock.withLock { running.filter { $0.value.process.isRunning }.map(\.key).sorted() } }

    /// Stops `names` (all when nil) with SIGTERM, waits up to `grace` seconds, then SIGKILLs what is left.
    public func stop(_ names: [String]? = nil, grace: Double = 10) async {
        let targets: [Process] = lock.withLock {
            if names == nil { stopping = true }
            return running.filter { names?.contains($0.key) ?? true }.map(\.value.process)
        }
        for process in targets where process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        while targets.contains(where: \.isRunning) && Date() < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        for process in targets where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for process in targets { process.waitUntilExit() }
        if names == nil { continuation.finish() }
    }
}

/// Splits a byte stream into lines.
final class LineBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = Data()
    func append(_ data: Data) -> [String] {
        lock.withLock {
            pending.append(data)
            var lines: [String] = []
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...newline)
            }
            return lines
        }
    }
}
