import ArgumentParser
import DeskCoordinator
import DeskModel
import Foundation

/// `desk coordinator`: the ticket queue, leases and the HTTP API.
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run the coordinator: intake, routing, leases and the HTTP API.",
        discussion: """
            The embedded SQLite store lives at DIR/desk.sqlite. Bind addresses may use port 0 (HTTP) or \
            '*' (ZeroMQ) to pick a free port; the chosen addresses are printed as 'agents …', 'events …' \
            and 'http …' lines. SIGINT or SIGTERM stops intake, finishes commits and says BYE to agents. \
            One coordinator runs per data directory (DIR/coordinator.lock); a second one, or one whose \
            address is taken, says so and exits with status 1.
            """)

    @Option(help: "Data directory (the store is DIR/desk.sqlite).") var data: String
    @Option(help: "ZeroMQ endpoint for agents.") var agents = "tcp://127.0.0.1:5555"
    @Option(help: "HTTP API address, host:port.") var http = "127.0.0.1:8080"
    @Option(help: "ZeroMQ endpoint for the event stream (PUB).") var events = "tcp://127.0.0.1:5556"
    @Option(help: "YAML configuration: routing rules, response targets, heartbeat.") var config: String?
    @Option(help: "Heartbeat interval in milliseconds.") var heartbeatMs: Int?
    @Option(help: "Missed heartbeats before an agent's leases expire.") var liveness: Int?
    @Option(help: "Commit durability: full (survives power loss) or normal (survives kill -9).") var durability = "full"
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "Seconds an HTTP connection may sit idle (no request in progress) before it is closed (1-3600).")
    var httpIdleTimeout = HTTPConnectionLimits.standard.idleTimeoutSeconds
    @Option(help: "Seconds a client has to send a request's head from its first byte (1-600, at most the idle timeout).")
    var httpHeaderTimeout = HTTPConnectionLimits.standard.headerTimeoutSeconds
    @Option(help: "HTTP connections open at once; past it, new ones are answered 503 and closed (1-1000000).")
    var httpMaxConnections = HTTPConnectionLimits.standard.maxConnections
    @Option(help: "MiB of free disk space below which intake answers 507 until space returns (0-1048576).")
    var diskReserveMb = 64
    @Flag(help: ArgumentHelp("Let agents connect in plain TCP, unauthenticated: only on a loopback --agents endpoint (tests, "
                             + "benchmarks). Without it the agent port uses CURVE and admits registered agent keys only "
                             + "(desk agent-key create)."))
    var plainAgents = false
    @Flag(help: "Mark the session cookie Secure: set it when browsers reach the coordinator over https (directly or through a proxy).")
    var secureCookies = false
    @Option(help: ArgumentHelp("The knowledge base's embedding model directory, or 'off' for keyword search only.",
                               discussion: "By default $DESK_MODEL_DIR, else .desk/models/all-MiniLM-L6-v2 under the working directory "
                                   + "(ops/scripts/install-model.sh installs it there). Without the model, search is keyword-only."))
    var knowledgeModel: String?
    @Flag(help: "Run the knowledge bot: new tickets waiting for a person are answered with strong matching articles and wait for the customer's confirmation.")
    var knowledgeBot = false
    @Option(help: "The address people reach the coordinator at, which begins sign-in links (https://desk.example.com); the --http address by default.")
    var publicUrl: String?

    var httpLimits: HTTPConnectionLimits {
        HTTPConnectionLimits(idleTimeoutSeconds: httpIdleTimeout, headerTimeoutSeconds: httpHeaderTimeout,
                             maxConnections: httpMaxConnections)
    }

    func validate() throws {
        guard ["full", "normal"].contains(durability) else { throw ValidationError("--durability must be full or normal") }
        guard http.split(separator: ":").count == 2, Int(http.split(separator: ":")[1]) != nil else {
            throw ValidationError("--http must be host:port, like 127.0.0.1:8080")
        }
        if let problem = httpLimits.problem { throw ValidationError(problem) }
        if plainAgents, !AgentChannel.isLoopback(agents) {
            throw ValidationError("--plain-agents needs a loopback --agents endpoint (tcp://127.0.0.1:PORT), not \(agents): "
                                  + "agents elsewhere must use CURVE with registered keys (desk agent-key create)")
        }
        guard (0...1_048_576).contains(diskReserveMb) else { throw ValidationError("--disk-reserve-mb must be 0 to 1048576, got \(diskReserveMb)") }
        if let publicUrl, !(publicUrl.hasPrefix("http://") || publicUrl.hasPrefix("https://")) || publicUrl.contains(where: \.isWhitespace) {
            throw ValidationError("--public-url must be an http:// or https:// address, like https://desk.example.com")
        }
    }

    func run() async throws {
        let parts = http.split(separator: ":")
        var configuration = CoordinatorConfiguration(
            dataDirectory: data, agentEndpoint: agents, eventEndpoint: events,
            httpHost: String(parts[0]), httpPort: Int(parts[1]) ?? 8080, durability: durability)
        configuration.httpLimits = httpLimits
        configuration.diskReserveBytes = Int64(diskReserveMb) << 20
        configuration.agentSecurity = plainAgents ? .plain : .curve
        configuration.secureCookies = secureCookies
        configuration.publicURL = publicUrl
        configuration.knowledgeBot = knowledgeBot
        if let knowledgeModel {
            configuration.knowledgeModel = knowledgeModel == "off" ? nil
                : URL(fileURLWithPath: knowledgeModel, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
        }
        if let config {
            let file = try CoordinatorConfigFile.load(path: config)
            if let rules = file.routing { configuration.routing = RoutingRules(rules) }
            configuration.responseTargets = try file.responseTargets(path: config)
            configuration.escalation = try file.escalationPolicy(path: config)
            configuration.slaPolicies = try file.slaPolicies(path: config)
            if let ms = file.heartbeatMs { configuration.heartbeatIntervalMs = ms }
            if let liveness = file.liveness { configuration.heartbeatLiveness = liveness }
            if let cooldown = try file.releaseCooldownMillis(path: config) { configuration.releaseCooldownMs = cooldown }
            configuration.stranded = try file.strandedPolicy(path: config)
            if let types = try file.ticketTypes(path: config) { configuration.ticketTypes = types }
        }
        if let heartbeatMs { configuration.heartbeatIntervalMs = heartbeatMs }
        if let liveness { configuration.heartbeatLiveness = liveness }
        // One coordinator per data directory, and every address free, before the store is opened: a
        // second coordinator says where the first runs, or which address it cannot have, and exits 1.
        let lock = try DataDirectoryLock.acquire(directory: data)
        let clashes = [ListenCheck.problem(endpoint: agents, what: "agents"),
                       ListenCheck.problem(endpoint: events, what: "the event stream"),
                       ListenCheck.problem(host: configuration.httpHost, port: configuration.httpPort, what: "HTTP")].compactMap { $0 }
        guard clashes.isEmpty else { throw DataDirectoryLock.LockError(clashes.joined(separator: "\n")) }
        let logger = LogSetup.logger("desk.coordinator", level: logLevel)
        try await Coordinator.run(configuration, logger: logger) { line in
            announce(line)
            if line.hasPrefix("http ") { lock.record(http: String(line.dropFirst(5))) }
        }
        withExtendedLifetime(lock) {}
    }
}
