import DeskModel
import DeskStore
import Foundation
import GRDB
import Logging
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs a scenario through real processes: a coordinator it spawns (or one already running, attached to
/// by its URL), `desk agent` processes for the pools and bots, open-loop HTTP intake on the scenario's
/// schedule, the faults at their times, the event stream followed throughout; then waits for the queue
/// to drain and audits every ticket of the run, from the store file (spawned) or the API (attached).
public final class LoadTestRunner: @unchecked Sendable {
    let scenario: Scenario
    let executable: String
    let directory: String
    let logger: Logger
    let progress: @Sendable (String) -> Void
    let supervisor: ProcessSupervisor
    let runID = String(UUID().uuidString.prefix(8)).lowercased()
    /// The running coordinator's HTTP address when attached; nil when the runner spawns its own.
    let attached: String?
    /// Agents the attached coordinator already had before this run's started.
    var baselineAgents = 0
    var follower: EventFollower?
    /// Intake's HTTP client: enough connections that the client is not the bottleneck.
    let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 64
        configuration.timeoutIntervalForRequest = 10
        return URLSession(configuration: configuration)
    }()

    /// Coordinator endpoints, fixed after its first start so a restart binds the same ones. Written by the
    /// fault task (a restart) while intake reads them: one value behind a lock.
    let endpoints = CoordinatorEndpoints()
    /// The coordinator's HTTP API now.
    var http: String { endpoints.current.http }
    var agentsEndpoint: String { endpoints.current.agents }
    var eventsEndpoint: String { endpoints.current.events }
    let coordinatorLines = AsyncStream<String>.makeStream()

    /// Results of the intake, guarded by `lock`.
    let lock = NSLock()
    var sent = 0
    var accepted: [TicketID: Int] = [:]  // ticket id -> index of its request
    var intake: [Double] = []  // intake latency in ms, from the intended send time
    var intakeIntended: [Double] = []  // each intake latency's intended send time, seconds into the run
    var refused: [String] = []
    var queueDepth: [(t: Double, depth: Int, resolved: Int)] = []
    /// Whether the progress line keeps coming (a flag: see `run`).
    var reporting = true
    /// The fewest agents the coordinator's `/healthz` reported during the run (nil before the first answer).
    var fewestAgents: Int?
    /// What the coordinator-side faults did, for the report; a fault that could not be carried out is a
    /// problem the audit lists.
    var faultWindows: [FaultWindow] = []
    var faultProblems: [String] = []
    /// The run's start, once intake begins (fault windows and intake times are seconds from it).
    var runStart = Date()
    /// The SLA policy documents of `replace_sla_policies` faults, by file, read before anything starts.
    var policyDocuments: [String: Data] = [:]

    /// The API token the harness sends (`Authorization: Bearer`): given for an attached coordinator, made
    /// in the data directory (an admin account `loadtest`) for one the harness spawns. Set before intake.
    var token: String?

    public init(scenario: Scenario, executable: String, directory: String, attach: String? = nil, token: String? = nil,
                logger: Logger, progress: @escaping @Sendable (String) -> Void) {
        self.attached = attach
        self.token = token
        self.scenario = scenario
        self.executable = executable
        self.directory = directory
        self.logger = logger
        self.progress = progress
        self.supervisor = ProcessSupervisor(logger: logger)
    }

    // MARK: - Processes

    func coordinatorProgram() -> ProcessSupervisor.Program {
        let bind = endpoints.current
        return .init(name: "coordinator", executable: executable, arguments: [
            "coordinator", "--data", directory, "--http", bind.httpBind, "--agents", bind.agents, "--events", bind.events,
            "--heartbeat-ms", "\(scenario.heartbeatMs)", "--liveness", "3", "--durability", "full", "--log-level", "error", "--plain-agents",
        ] + (scenario.preload == nil ? [] : ["--config", configPath]), captureOutput: true)
    }

    /// Starts the coordinator and waits for its three addresses.
    func startCoordinator() async throws {
        try supervisor.start(coordinatorProgram())
        var found: [String: String] = [:]
        let deadline = Date().addingTimeInterval(30)
        var iterator = coordinatorLines.stream.makeAsyncIterator()
        while found.count < 3, Date() < deadline, let line = await iterator.next() {
            for key in ["agents", "events", "http"] where line.hasPrefix(key + " ") { found[key] = String(line.dropFirst(key.count + 1)) }
            // An exit while a coordinator runs is the one a fault killed, read late.
            if line.hasPrefix("exited "), !supervisor.runningNames.contains("coordinator") {
                throw ClusterError("the coordinator \(line) before it started (its errors, if any, are printed above)")
            }
        }
        guard let agents = found["agents"], let events = found["events"], let http = found["http"] else {
            throw ClusterError("the coordinator did not start (no addresses within 30 s)")
        }
        endpoints.set(.init(http: http, agents: agents, events: events, httpBind: String(http.dropFirst("http://".count))))
    }

    /// An admin token for the harness, written straight into the store of the coordinator it will spawn.
    static func issueToken(in directory: String) async throws -> String {
        try await TicketStore.with(directory: directory) { store in
            try await store.issueToken(account: "loadtest", role: .admin, label: "load test", actor: "desk loadtest").token
        }
    }

    /// Attaches to a running coordinator: its agent and event endpoints come from its `/healthz`; one
    /// bound to every interface (`tcp://0.0.0.0:…`) is reached at the URL's host.
    func attachCoordinator(_ url: String) async throws {
        guard let base = URL(string: url), let scheme = base.scheme, ["http", "https"].contains(scheme), let host = base.host else {
            throw ClusterError("--attach needs the coordinator's HTTP address, like http://127.0.0.1:8080; got '\(url)'")
        }
        let http = url.hasSuffix("/") ? String(url.dropLast()) : url
        var request = URLRequest(url: URL(string: http + "/healthz")!)
        request.timeoutInterval = 5
        guard let (data, _) = try? await session.data(for: request) else {
            throw ClusterError("no coordinator answers at \(http) (GET /healthz failed)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let listed = object["endpoints"] as? [String: Any],
              let agents = listed["agents"] as? String, let events = listed["events"] as? String else {
            throw ClusterError("\(http)/healthz does not name the coordinator's agent and event endpoints: is it a desk coordinator?")
        }
        func reachable(_ endpoint: String) -> String {
            for wildcard in ["0.0.0.0", "*", "[::]"] where endpoint.contains("://\(wildcard):") {
                return endpoint.replacingOccurrences(of: "://\(wildcard):", with: "://\(host):")
            }
            return endpoint
        }
        endpoints.set(.init(http: http, agents: reachable(agents), events: reachable(events)))
        baselineAgents = (object["agents"] as? Int) ?? 0
        progress("attached to \(http): agents \(agentsEndpoint), events \(eventsEndpoint); agents already connected: \(baselineAgents)")
    }

    var agentNames: [String] {
        scenario.pools.flatMap { pool in (1...pool.count).map { "\(pool.name)-\($0)" } }
    }

    /// `keys`: agent name → key file, for an attached CURVE coordinator (`prepareAgentKeys`).
    func startAgents(keys: [String: String] = [:]) throws {
        func key(_ name: String) -> [String] { keys[name].map { ["--key", $0] } ?? [] }
        for pool in scenario.pools {
            for index in 1...pool.count {
                try supervisor.start(.init(name: "\(pool.name)-\(index)", executable: executable, arguments: [
                    "agent", "--connect", agentsEndpoint, "--name", "\(pool.name)-\(index)", "--mode", "sim",
                    "--skills", pool.skills.joined(separator: ","), "--tier", "\(pool.tier)", "--capacity", "\(pool.capacity)",
                    "--service-time", pool.serviceTime.description, "--log-level", "error",
                ] + key("\(pool.name)-\(index)"), quiet: true))
            }
        }
        for bot in scenario.bots {
            for index in 1...bot.count {
                try supervisor.start(.init(name: "\(bot.name)-\(index)", executable: executable, arguments: [
                    "agent", "--connect", agentsEndpoint, "--name", "\(bot.name)-\(index)", "--mode", "bot",
                    "--rules", bot.rules, "--log-level", "error",
                ] + key("\(bot.name)-\(index)"), quiet: true))
            }
        }
    }

    // MARK: - Running

    /// Forwards the supervised coordinator's output lines, and its exit as `exited STATUS`, to
    /// `coordinatorLines` (where `startCoordinator` reads its addresses) until the task is cancelled.
    func forwardCoordinatorOutput() -> Task<Void, Never> {
        let forward = coordinatorLines.continuation
        return Task { [supervisor] in
            for await event in supervisor.events {
                switch event {
                case .line(let name, let line) where name == "coordinator": forward.yield(line)
                case .exited(let name, let status, _) where name == "coordinator": forward.yield("exited \(status)")
                default: break
                }
            }
        }
    }

    /// Runs the scenario; returns the measurements and the audit.
    public func run() async throws -> LoadTestReport {
        let watcher = forwardCoordinatorOutput()
        defer { watcher.cancel() }
        try readPolicyDocuments()
        if scenario.preload != nil { try writeCoordinatorConfig() }
        if let attached {
            try await attachCoordinator(attached)
        } else {
            if token == nil { token = try await Self.issueToken(in: directory) }
            try await startCoordinator()
        }
        let follower = try EventFollower(endpoint: eventsEndpoint)
        self.follower = follower
        if let preload = scenario.preload { try await preloadTickets(preload) }
        for bot in scenario.bots {
            if let macros = bot.macros {
                let result = try await runDesk(["macro", "import", macros, "--server", http])
                guard result == 0 else { throw ClusterError("importing \(macros) failed") }
            }
        }
        try startAgents(keys: try await prepareAgentKeys())
        let expected = agentNames.count + scenario.bots.reduce(0) { $0 + $1.count }
        try await waitFor(seconds: 60, "\(expected) agents connected") {
            (try await self.health()?.agents ?? 0) >= self.baselineAgents + expected
        }
        progress("scenario \(scenario.name): \(expected) agents connected; running \(scenario.durationSeconds) s")

        let schedule = scenario.arrival.schedule(duration: scenario.durationSeconds, seed: scenario.seed)
        let start = Date()
        lock.withLock { runStart = start }
        let faults = Task { await self.runFaults(start: start) }
        let reporter = Task { await self.reportProgress(start: start, planned: schedule.count) }
        await sendAll(schedule, start: start)
        await faults.value
        let total = lock.withLock { accepted.count }
        progress("intake done: \(total) of \(schedule.count) accepted; draining (up to \(scenario.drainSeconds) s)")
        let drained = (try? await waitFor(seconds: scenario.drainSeconds, "the queue to drain") {
            try self.outstanding() == 0
        }) != nil
        // Stopped by a flag, not by cancelling: cancelling a task inside FoundationNetworking's
        // `URLSession.data(for:)` can deadlock (its cancel handler waits on the session's queue while that
        // queue is resuming the same task) — a run was seen hanging there for good.
        lock.withLock { reporting = false }
        await reporter.value
        let elapsed = Date().timeIntervalSince(start)
        await supervisor.stop(grace: 10)
        await follower.stop()
        let rows = try await auditedTickets()
        var report = try report(rows, planned: schedule.count, elapsed: elapsed, drained: drained)
        try auditCoordinatorFaults(&report, rows: rows)
        report.streamDispatchLatency = Percentiles(follower.dispatchMilliseconds)
        return report
    }

    /// The most tickets the harness puts in one intake request.
    static let maxBatch = 100

    /// Sends every ticket at its intended time (open loop): a late send still counts its latency from
    /// the intended time. Tickets that fall due together (the client woke late, or the rate is above what
    /// one request per ticket can carry) go in one batch request, up to `maxBatch`; a ticket due alone
    /// goes by itself. Each ticket carries an idempotency key, so a retry (say while the coordinator
    /// restarts) can never make a second ticket.
    func sendAll(_ schedule: [Double], start: Date) async {
        var generator = SplitMix(seed: scenario.seed &+ 1)
        await withTaskGroup(of: Void.self) { group in
            var index = 0
            while index < schedule.count {
                let wait = schedule[index] - Date().timeIntervalSince(start)
                if wait > 0 { try? await Task.sleep(for: .microseconds(Int(wait * 1_000_000))) }
                let now = Date().timeIntervalSince(start)
                var batch: [Outgoing] = []
                repeat {
                    batch.append(Outgoing(index: index, body: ticketBody(index, using: &generator),
                                          intended: start.addingTimeInterval(schedule[index])))
                    index += 1
                } while index < schedule.count && schedule[index] <= now && batch.count < Self.maxBatch
                let ready = batch
                group.addTask { await self.send(ready) }
            }
        }
    }

    /// One ticket on its way: its index in the schedule, its JSON and its intended send time.
    struct Outgoing: Sendable {
        var index: Int
        var body: Data
        var intended: Date
    }

    func ticketBody(_ index: Int, using generator: inout SplitMix) -> Data {
        func pick<T>(_ weights: [(T, Double)]) -> T {
            let total = weights.reduce(0) { $0 + $1.1 }
            var draw = Double(generator.next() >> 11) / Double(1 << 53) * total
            for (value, weight) in weights {
                if draw < weight { return value }
                draw -= weight
            }
            return weights[weights.count - 1].0
        }
        let priority = pick(scenario.priorities), category = pick(scenario.categories), channel = pick(scenario.channels)
        let size = scenario.bodyBytes.lowerBound + Int(generator.next() % UInt64(scenario.bodyBytes.count))
        let object: [String: Any] = [
            "subject": "load \(scenario.name) #\(index)", "body": String(repeating: "x", count: size),
            "requester": "load\(index)@example.com", "priority": priority.label, "category": category, "channel": channel,
            "idempotency_key": "lt-\(runID)-\(index)",
        ]
        return (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    }

    /// Sends one ticket (`POST /api/v1/tickets`) or several (`POST /api/v1/tickets/batch`) and records
    /// each ticket's answer. No answer or a 5xx sends the same tickets again, with the same keys.
    func send(_ tickets: [Outgoing]) async {
        lock.withLock { sent += tickets.count }
        var pending = tickets
        var delay = 100
        while !pending.isEmpty {
            let single = pending.count == 1
            var request = URLRequest(url: URL(string: http + (single ? "/api/v1/tickets" : "/api/v1/tickets/batch"))!)
            if let token { request.setValue("Bearer " + token, forHTTPHeaderField: "Authorization") }
            request.httpMethod = "POST"
            request.httpBody = single ? pending[0].body
                : Data("{\"tickets\":[".utf8) + Data(pending.map(\.body).joined(separator: Data(",".utf8))) + Data("]}".utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.timeoutInterval = 10
            if let (data, response) = try? await session.data(for: request),
               let status = (response as? HTTPURLResponse)?.statusCode {
                let answered = Date()
                let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? ["error": String(decoding: data, as: UTF8.self)]
                // One answer per ticket: the single endpoint's status and body, or the batch's results.
                let answers: [(status: Int, object: [String: Any])] = single || status == 400 || status == 413
                    ? pending.map { _ in (status, object) }
                    : status == 200 ? ((object["results"] as? [[String: Any]]) ?? []).map { (($0["status"] as? Int) ?? 0, $0) } : []
                var retry: [Outgoing] = []
                lock.withLock {
                    for (ticket, answer) in zip(pending, answers) {
                        if answer.status == 201 || answer.status == 200, let id = (answer.object["id"] as? NSNumber)?.int64Value {
                            accepted[id] = ticket.index
                            intake.append(answered.timeIntervalSince(ticket.intended) * 1000)
                            intakeIntended.append(ticket.intended.timeIntervalSince(runStart))
                        } else if answer.status == 400 || answer.status == 413 {
                            refused.append("request \(ticket.index): \(answer.status) \(answer.object["error"] ?? "")")
                        } else {
                            retry.append(ticket)
                        }
                    }
                }
                pending = answers.count == pending.count ? retry : pending
                if pending.isEmpty { return }
            }
            // No answer (the coordinator is down or restarting) or a 5xx: the same tickets again, same keys.
            if Date().timeIntervalSince(pending[0].intended) > scenario.drainSeconds + 30 {
                lock.withLock { refused += pending.map { "request \($0.index): no answer after retrying" } }
                return
            }
            try? await Task.sleep(for: .milliseconds(delay))
            delay = min(2000, delay * 2)
        }
    }

    func runFaults(start: Date) async {
        var generator = SplitMix(seed: scenario.seed &+ 2)
        for (at, fault) in scenario.faults {
            let wait = at - Date().timeIntervalSince(start)
            if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
            let alive = agentNames.filter { supervisor.runningNames.contains($0) }
            switch fault {
            case .killAgents(let count):
                var victims = alive
                for _ in 0..<min(count, victims.count) {
                    let victim = victims.remove(at: Int(generator.next() % UInt64(victims.count)))
                    supervisor.kill9(victim)
                    progress("fault at \(Int(at)) s: kill -9 agent \(victim)")
                }
            case .killCoordinator(let after):
                supervisor.kill9("coordinator")
                progress("fault at \(Int(at)) s: kill -9 coordinator; restart in \(after) s")
                try? await Task.sleep(for: .milliseconds(Int(after * 1000)))
                do {
                    try await startCoordinator()
                    progress("coordinator restarted")
                } catch {
                    progress("coordinator restart failed: \(error)")
                }
            case .stallAgent(let seconds):
                guard !alive.isEmpty else { continue }
                let victim = alive[Int(generator.next() % UInt64(alive.count))]
                supervisor.signal(victim, SIGSTOP)
                progress("fault at \(Int(at)) s: SIGSTOP agent \(victim) for \(seconds) s")
                Task {
                    try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                    self.supervisor.signal(victim, SIGCONT)
                }
            case .stallCoordinator(let seconds):
                await stallCoordinator(seconds: seconds, start: start)
            case .replaceSLAPolicies(let file):
                await replaceSLAPolicies(file: file, start: start)
            }
        }
    }

    func reportProgress(start: Date, planned: Int) async {
        var next = 0.0  // a first sample as the run starts: the report's charts begin at 0 s
        while lock.withLock({ reporting }) {
            let wait = next - Date().timeIntervalSince(start)
            if wait > 0 {
                try? await Task.sleep(for: .milliseconds(Int(min(wait, 0.1) * 1000)))
                continue
            }
            let t = Date().timeIntervalSince(start)
            next = max(next + 1, t.rounded(.down) + 1)
            let health = try? await health()
            let resolved = (try? resolvedCount()) ?? 0
            let (sentNow, acceptedNow) = lock.withLock { (sent, accepted.count) }
            // Attached, the coordinator's queue holds other tickets too: this run's own are counted from the
            // event stream.
            let queued = attached != nil ? follower.map { $0.waitingCount(of: lock.withLock { Array(accepted.keys) }) } : health?.queued
            lock.withLock {
                queueDepth.append((t, queued ?? -1, resolved))
                if let agents = health?.agents { fewestAgents = min(fewestAgents ?? agents, agents) }
            }
            progress(String(format: "t=%5.1fs  sent %d/%d  accepted %d  resolved %d  queued %@  agents %@", t, sentNow, planned,
                            acceptedNow, resolved, queued.map { "\($0)" } ?? "-", health.map { "\($0.agents)" } ?? "-"))
        }
    }

    // MARK: - Reading the coordinator

    func health() async throws -> (queued: Int, agents: Int)? {
        var request = URLRequest(url: URL(string: http + "/healthz")!)
        request.timeoutInterval = 2
        guard let (data, _) = try? await URLSession.shared.data(for: request),
              let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        return ((object["queued"] as? Int) ?? 0, (object["agents"] as? Int) ?? 0)
    }

    func database() throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: directory + "/desk.sqlite", configuration: configuration)
    }

    /// Tickets of this run resolved so far: from the store, or (attached) from the event stream.
    func resolvedCount() throws -> Int {
        if attached != nil, let follower { return follower.resolvedCount(of: lock.withLock { Array(accepted.keys) }) }
        return try database().read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tickets WHERE status = 'resolved'") ?? 0 }
    }

    /// Tickets still open: in the store, or (attached) this run's accepted tickets not yet seen resolved on
    /// the event stream.
    func outstanding() throws -> Int {
        if attached != nil, let follower {
            let ids = lock.withLock { Array(accepted.keys) }
            return ids.count - follower.resolvedCount(of: ids)
        }
        // Preloaded tickets stay open on purpose: they are not waited for.
        return try database().read {
            try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM tickets WHERE status NOT IN ('resolved', 'closed', 'archived') "
                                 + "AND (idempotency_key IS NULL OR idempotency_key NOT LIKE ?)", arguments: [preloadKeyPattern]) ?? 0
        }
    }

    func waitFor(seconds: Double, _ what: String, _ condition: @escaping () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ClusterError("timed out after \(seconds) s waiting for \(what)")
    }

    func runDesk(_ arguments: [String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return process.terminationStatus
    }
}
