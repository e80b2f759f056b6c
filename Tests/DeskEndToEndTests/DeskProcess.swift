import DeskModel
import DeskStore
import Foundation
import GRDB
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Finds the built `desk` executable next to the test bundle (or at `DESK_BIN`).
func deskExecutable() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["DESK_BIN"] { return URL(fileURLWithPath: path) }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("desk")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    throw E2EError("desk executable not found (build it, or set DESK_BIN)")
}

struct E2EError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or `seconds` pass: the only waiting the end-to-end tests do.
func eventually(_ seconds: Double, every interval: Duration = .milliseconds(50), _ what: String,
                _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: interval)
    }
    throw E2EError("timed out after \(seconds)s waiting for: \(what)")
}

/// A real `desk` child process; its standard output lines are collected.
final class DeskProcess: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var lines: [String] = []
    private var pending = Data()

    /// Standard input, when the process was started with `input: true` (the staff console).
    let input: Pipe?

    init(_ arguments: [String], input: Bool = false, errorsToOutput: Bool = false, environment: [String: String] = [:]) throws {
        process.executableURL = try deskExecutable()
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = errorsToOutput ? pipe : FileHandle(forWritingAtPath: "/dev/null")
        self.input = input ? Pipe() : nil
        if let stdin = self.input { process.standardInput = stdin }
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil; return }
            self?.append(data)
        }
        try process.run()
    }

    private func append(_ data: Data) {
        lock.withLock {
            pending.append(data)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(String(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
    }

    /// The rest of the first output line starting with `prefix `, waiting up to `seconds`.
    func announced(_ prefix: String, within seconds: Double = 30) async throws -> String {
        var found: String?
        try await eventually(seconds, "'\(prefix)' line from desk") {
            found = lock.withLock { lines.first { $0.hasPrefix(prefix + " ") } }
            return found != nil || !process.isRunning
        }
        guard let found else { throw E2EError("desk exited before announcing '\(prefix)'") }
        return String(found.dropFirst(prefix.count + 1))
    }

    /// Every output line so far.
    var output: [String] { lock.withLock { lines } }

    /// Writes one line to the process's standard input.
    func send(_ line: String) {
        input?.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    func closeInput() { try? input?.fileHandleForWriting.close() }

    /// Waits until an output line after the first `after` lines contains `text`; returns that line's index.
    @discardableResult
    func line(containing text: String, after: Int = 0, within seconds: Double = 20) async throws -> Int {
        var index: Int?
        try await eventually(seconds, "output line containing '\(text)'") {
            index = lock.withLock { lines.indices.dropFirst(after).first { lines[$0].contains(text) } }
            return index != nil
        }
        return index!
    }

    /// Waits for the process to exit (up to `seconds`) and returns its status.
    func exitStatus(within seconds: Double = 30) async throws -> Int32 {
        try await eventually(seconds, "desk to exit") { !process.isRunning }
        return process.terminationStatus
    }

    var isRunning: Bool { process.isRunning }
    func kill9() { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    /// Sends SIGTERM and returns at once (see `exitStatus(within:)`).
    func terminate() { kill(process.processIdentifier, SIGTERM) }
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// A file of this repository (the shipped examples), found from this source file's path.
func repositoryFile(_ path: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(path).path
}

/// A coordinator on free ports with a fresh data directory, plus helpers to drive and inspect it.
final class TestCluster: @unchecked Sendable {
    let directory: String
    private(set) var coordinator: DeskProcess
    private(set) var http = ""
    private(set) var agentsEndpoint = ""
    private(set) var eventsEndpoint = ""
    private(set) var agents: [String: DeskProcess] = [:]
    let heartbeatMs: Int
    /// A `--config` file for the coordinator, if the test gave one.
    let configPath: String?
    /// More `desk coordinator` arguments, given to every coordinator this cluster starts.
    let coordinatorExtras: [String]
    /// An admin's API token, made in the data directory before the coordinator starts; every call of
    /// `request`, `create` and `history` sends it.
    let adminToken: String

    /// `directory`: the data directory to use (a fresh temporary one by default). `curve`: the agent port
    /// uses CURVE and admits registered keys only (agents need `--key`); by default it is plain, on loopback.
    init(heartbeatMs: Int = 200, config: String? = nil, coordinatorArguments extras: [String] = [],
         directory chosen: String? = nil, curve: Bool = false) async throws {
        coordinatorExtras = extras + (curve ? [] : ["--plain-agents"])
        directory = chosen ?? FileManager.default.temporaryDirectory.appendingPathComponent("desk-e2e-\(UUID().uuidString)").path
        self.heartbeatMs = heartbeatMs
        if let config {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            configPath = directory + "/desk.yaml"
            try config.write(toFile: directory + "/desk.yaml", atomically: true, encoding: .utf8)
        } else {
            configPath = nil
        }
        adminToken = try await Self.issueToken(directory, account: "test-admin", role: .admin)
        coordinator = try DeskProcess(Self.coordinatorArguments(directory, agents: "tcp://127.0.0.1:*", heartbeatMs: heartbeatMs,
                                                                config: configPath) + coordinatorExtras)
        try await readAddresses()
    }

    /// A token made straight in the store of `directory` (as `desk token create --data` does).
    static func issueToken(_ directory: String, account: String, role: Role, email: String? = nil, scopes: [Permission]? = nil) async throws -> String {
        let store = try TicketStore(directory: directory)
        do {
            let token = try await store.issueToken(account: account, role: role, email: email, scopes: scopes).token
            await store.close()
            return token
        } catch {
            await store.close()
            throw error
        }
    }

    static func coordinatorArguments(_ directory: String, agents: String, heartbeatMs: Int, config: String? = nil) -> [String] {
        ["coordinator", "--data", directory, "--http", "127.0.0.1:0", "--agents", agents,
         "--events", "tcp://127.0.0.1:*", "--heartbeat-ms", "\(heartbeatMs)", "--liveness", "3", "--log-level", "warning"]
            + (config.map { ["--config", $0] } ?? [])
    }

    private func readAddresses() async throws {
        agentsEndpoint = try await coordinator.announced("agents")
        eventsEndpoint = try await coordinator.announced("events")
        http = try await coordinator.announced("http")
    }

    /// Kills the coordinator with SIGKILL and starts a new one on the same data and agent endpoint.
    func restartCoordinatorAfterKill9(downUntil: Int64? = nil) async throws {
        coordinator.kill9()
        if let downUntil {  // stays down until this wall-clock time (ms since the epoch)
            try await eventually(30, "the coordinator's down time") { Int64(Date().timeIntervalSince1970 * 1000) >= downUntil }
        }
        coordinator = try DeskProcess(Self.coordinatorArguments(directory, agents: agentsEndpoint, heartbeatMs: heartbeatMs,
                                                                config: configPath) + coordinatorExtras)
        try await readAddresses()
    }

    /// Stops the coordinator with SIGTERM (graceful), lets `check` inspect how it ended, and starts a new
    /// one on the same data and agent endpoint.
    func restartCoordinatorAfterSigterm(_ check: (Process) -> Void) async throws {
        coordinator.stop()
        check(coordinator.process)
        coordinator = try DeskProcess(Self.coordinatorArguments(directory, agents: agentsEndpoint, heartbeatMs: heartbeatMs,
                                                                config: configPath) + coordinatorExtras)
        try await readAddresses()
    }

    /// Starts a new coordinator on the same data and agent endpoint after the test stopped the last one.
    func startCoordinatorAgain() async throws {
        guard !coordinator.isRunning else { throw E2EError("the coordinator is still running") }
        coordinator = try DeskProcess(Self.coordinatorArguments(directory, agents: agentsEndpoint, heartbeatMs: heartbeatMs,
                                                                config: configPath) + coordinatorExtras)
        try await readAddresses()
    }

    /// `key`: the agent's key file, for a `curve` cluster.
    func startAgent(_ name: String, skills: [String], capacity: Int = 1, tier: Int = 1, serviceTime: String = "0", key: String? = nil) throws {
        agents[name] = try DeskProcess(["agent", "--connect", agentsEndpoint, "--name", name,
                                        "--skills", skills.joined(separator: ","), "--capacity", "\(capacity)",
                                        "--tier", "\(tier)", "--mode", "sim", "--service-time", serviceTime,
                                        "--log-level", "warning"] + (key.map { ["--key", $0] } ?? []))
    }

    /// A bot on the shipped example rules (or `rules`).
    @discardableResult
    func startBot(_ name: String, rules: String = repositoryFile("cluster/bot-rules.yaml")) throws -> DeskProcess {
        let bot = try DeskProcess(["agent", "--connect", agentsEndpoint, "--name", name, "--mode", "bot", "--rules", rules,
                                   "--log-level", "warning"])
        agents[name] = bot
        return bot
    }

    /// A staff console driven through its standard input.
    func startStaff(_ name: String, skills: [String], tier: Int = 1) throws -> DeskProcess {
        let staff = try DeskProcess(["agent", "--connect", agentsEndpoint, "--name", name, "--mode", "staff",
                                     "--skills", skills.joined(separator: ","), "--tier", "\(tier)", "--api", http, "--token", adminToken],
                                    input: true)
        agents[name] = staff
        return staff
    }

    /// Any API call: the status and the decoded JSON object.
    func request(_ method: String, _ path: String, body: Data? = nil) async throws -> (status: Int, json: [String: Any]) {
        try await TestClient(http: http, token: adminToken).request(method, path, body: body)
    }

    /// A ticket's history from the API: (kind, actor, detail) in order.
    func history(_ id: Int64) async throws -> [(kind: String, actor: String, at: Int64, detail: [String: Any])] {
        let (status, json) = try await request("GET", "/api/v1/tickets/\(id)")
        guard status == 200 else { throw E2EError("GET ticket \(id): \(status)") }
        return (json["history"] as? [[String: Any]] ?? []).map {
            ($0["kind"] as? String ?? "", $0["actor"] as? String ?? "", ($0["at"] as? NSNumber)?.int64Value ?? 0,
             $0["detail"] as? [String: Any] ?? [:])
        }
    }

    /// One unlabelled sample from `/metrics` (nil when the metric is absent).
    func metric(_ name: String) async throws -> Int? {
        let (data, _) = try await URLSession.shared.data(from: URL(string: http + "/metrics")!)
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") }
    }

    func status(of id: Int64) async throws -> String {
        try await request("GET", "/api/v1/tickets/\(id)").json["status"] as? String ?? ""
    }

    /// POSTs a ticket; returns the status and the decoded JSON (empty on a transport error: status 0).
    func create(_ fields: [String: Any]) async -> (status: Int, json: [String: Any]) {
        guard let url = URL(string: http + "/api/v1/tickets"),
              let body = try? JSONSerialization.data(withJSONObject: fields) else { return (0, [:]) }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("Bearer " + adminToken, forHTTPHeaderField: "Authorization")
        request.timeoutInterval = 5
        guard let (data, response) = try? await URLSession.shared.data(for: request) else { return (0, [:]) }
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
    }

    /// Reads the coordinator's SQLite file directly (WAL allows it while the coordinator writes).
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: directory + "/desk.sqlite", configuration: configuration)
        return try queue.read(body)
    }

    func resolvedCount() throws -> Int {
        try read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tickets WHERE status = 'resolved'") ?? 0 }
    }

    func shutdown() {
        for agent in agents.values { agent.stop() }
        coordinator.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
