import CSpawn
import Foundation
import Logging

/// Starts child processes, restarts the ones that die (exponential backoff, reset after a minute up),
/// and stops them all: SIGTERM, then SIGKILL after a grace period.
///
/// Used by `desk cluster up` and the load-test harness. Exits are reported through `events`, which the
/// owner reads in its own loop; one thread watches for them.
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
    private var running: [String: Child] = [:]
    private var backoff: [String: Double] = [:]
    private var stopping = false
    private var monitoring = false
    public let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    let logger: Logger

    /// A started program. Its exit is found by `waitpid` on its own pid (never `waitpid(-1)`, which would
    /// take the exits of processes Foundation started elsewhere in this process).
    final class Child {
        let pid: pid_t
        let started: Date
        /// The read end of its captured output, kept here for as long as the child is known.
        let output: FileHandle?
        var exited = false
        init(pid: pid_t, started: Date, output: FileHandle?) {
            self.pid = pid
            self.started = started
            self.output = output
        }
    }

    public init(logger: Logger) {
        (events, continuation) = AsyncStream<Event>.makeStream()
        self.logger = logger
    }

    /// Starts `program` with `posix_spawn`; its exit is reported on `events`, with the exit code as the
    /// status, or 128 + the signal's number when a signal ended it (as a shell reports it).
    ///
    /// Not Foundation's `Process`: it keeps a socket open in this process for every child it runs, and past
    /// 1,024 descriptors its `run()` crashes, which the 1,000 agents of `many-agents` reach. Here a child
    /// costs no descriptor once started; everything above standard error is closed in the child.
    public func start(_ program: Program) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var readEnd: Int32 = -1, writeEnd: Int32 = -1
        if program.quiet {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        if program.captureOutput {
            var ends: [Int32] = [-1, -1]
            guard desk_pipe_cloexec(&ends) == 0 else { throw ClusterError("\(program.name): pipe: \(String(cString: strerror(errno)))") }
            (readEnd, writeEnd) = (ends[0], ends[1])
            posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        }
        desk_spawn_closefrom(&actions, 3)
        let argv = ([program.executable] + program.arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let failure = posix_spawn(&pid, program.executable, &actions, nil, argv, environ)
        if writeEnd >= 0 { close(writeEnd) }  // the child has its own copy as standard output
        guard failure == 0 else {
            if readEnd >= 0 { close(readEnd) }
            throw ClusterError("cannot start \(program.name) (\(program.executable)): \(String(cString: strerror(failure)))")
        }
        var output: FileHandle?
        if readEnd >= 0 {
            let handle = FileHandle(fileDescriptor: readEnd, closeOnDealloc: true)
            output = handle
            let name = program.name, continuation = self.continuation
            let buffer = LineBuffer()
            handle.readabilityHandler = { handle in
                let data = handle.availableData
                if data.isEmpty { handle.readabilityHandler = nil; return }
                for line in buffer.append(data) { continuation.yield(.line(name: name, line)) }
            }
        }
        let startMonitor = lock.withLock {
            running[program.name] = Child(pid: pid, started: Date(), output: output)
            defer { monitoring = true }
            return !monitoring
        }
        if startMonitor {
            let thread = Thread { [self] in monitor() }
            thread.name = "desk.supervisor"
            thread.start()
        }
    }

    /// Looks for exited children every 50 ms (one `waitpid(pid, WNOHANG)` each) until `stop` finished.
    private func monitor() {
        while true {
            let children: [(String, Child)] = lock.withLock { running.filter { !$0.value.exited }.map { ($0.key, $0.value) } }
            for (name, child) in children { reap(name, child) }
            if lock.withLock({ stopping && running.values.allSatisfy(\.exited) }) { break }
            usleep(50_000)
        }
        lock.withLock { monitoring = false }
    }

    /// Collects `child`'s exit if it has one and reports it, once: only the call whose `waitpid` got the
    /// pid reports (another that raced it gets ECHILD and leaves it to the first).
    private func reap(_ name: String, _ child: Child) {
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(child.pid, &status, WNOHANG) } while result < 0 && errno == EINTR
        guard result == child.pid else { return }
        lock.withLock { child.exited = true }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which are macros C has and Swift does not.
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        continuation.yield(.exited(name: name, status: code, uptime: Date().timeIntervalSince(child.started)))
    }

    /// SIGKILLs `child` and returns once its exit was collected (here or by the monitor thread).
    private func killAndWait(_ name: String, _ child: Child) {
        kill(child.pid, SIGKILL)
        while lock.withLock({ !child.exited }) {
            reap(name, child)
            if lock.withLock({ !child.exited }) { usleep(1_000) }
        }
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

    private func live(_ name: String) -> Child? {
        lock.withLock { running[name].flatMap { $0.exited ? nil : $0 } }
    }

    /// Sends `signal` to the running program `name`; false if it is not running.
    @discardableResult
    public func signal(_ name: String, _ signal: Int32) -> Bool {
        guard let child = live(name) else { return false }
        return kill(child.pid, signal) == 0
    }

    /// `kill -9` of `name`, waiting until it is gone.
    public func kill9(_ name: String) {
        guard let child = live(name) else { return }
        killAndWait(name, child)
    }

    /// The names of the programs running now.
    public var runningNames: [String] { lock.withLock { running.filter { !$0.value.exited }.map(\.key).sorted() } }

    /// Stops `names` (all when nil) with SIGTERM, waits up to `grace` seconds, then SIGKILLs what is left.
    public func stop(_ names: [String]? = nil, grace: Double = 10) async {
        let targets: [(String, Child)] = lock.withLock {
            if names == nil { stopping = true }
            return running.filter { (names?.contains($0.key) ?? true) && !$0.value.exited }.map { ($0.key, $0.value) }
        }
        for (_, child) in targets { kill(child.pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline, lock.withLock({ targets.contains { !$0.1.exited } }) {
            try? await Task.sleep(for: .milliseconds(50))
        }
        for (name, child) in targets where lock.withLock({ !child.exited }) { killAndWait(name, child) }
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
