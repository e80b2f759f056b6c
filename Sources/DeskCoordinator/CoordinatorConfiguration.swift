import DeskEmbedding
import DeskModel
import Foundation

/// How a coordinator runs: where it listens, where it stores, and its routing and heartbeat rules.
public struct CoordinatorConfiguration: Sendable {
    /// Directory of the embedded store (`desk.sqlite` inside).
    public var dataDirectory: String
    /// ZeroMQ endpoint agents connect to (ROUTER). `tcp://127.0.0.1:0` picks a free port.
    public var agentEndpoint: String
    /// ZeroMQ endpoint of the event stream (PUB).
    public var eventEndpoint: String
    /// HTTP API host and port; port 0 picks a free one.
    public var httpHost: String
    public var httpPort: Int
    public var heartbeatIntervalMs: Int
    /// Missed heartbeat intervals before an agent's leases expire.
    public var heartbeatLiveness: Int
    public var routing: RoutingRules
    public var responseTargets: ResponseTargets
    public var durability: String
    /// Tier names and intake escalation rules (complaint, legal, outage by default).
    public var escalation: EscalationPolicy
    /// SLA policies, first match wins (the P1–P4 defaults unless the config says otherwise).
    public var slaPolicies: [SLAPolicy]
    /// Idle and header timeouts and the connection limit of the HTTP server.
    public var httpLimits: HTTPConnectionLimits = .standard
    /// Free disk space (bytes) below which intake answers `507` until space returns.
    public var diskReserveBytes: Int64 = 64 << 20
    /// When intake answers `503` because the loop or the store's writer is behind.
    public var intakeLimits: IntakeLimits = .standard
    /// How long a ticket its agent released is kept from that agent while someone else could take it.
    public var releaseCooldownMs: Millis = 60_000
    /// What happens to tickets that no connected agent can take.
    public var stranded: StrandedPolicy = .standard
    /// How agents prove who they are on the agent port (`AgentChannel`): CURVE with registered keys, or
    /// plain on a loopback endpoint when asked for.
    public var agentSecurity: AgentSecurity = .curve
    /// Rate limits of ticket creation without a credential (per client address, per requester).
    var publicIntake: PublicIntakeLimits = .standard()
    /// Bad credentials a client address may send per minute before it gets `429` (tests that probe every
    /// route with bad tokens raise it).
    var credentialFailuresPerMinute = 30
    /// Adds `Secure` to the session cookie: set it whenever browsers reach the coordinator over https (directly
    /// or through a TLS-terminating proxy). Off by default for the loopback quick start over plain http.
    public var secureCookies = false
    /// The address people reach the coordinator at, as it begins the links in sign-in mail
    /// (`https://desk.example.com`); the HTTP listener's own address when nil.
    public var publicURL: String?
    /// The ticket types intake checks (every channel) and the portal's form offers.
    public var ticketTypes = TicketTypes.standard
    /// How long one live-update stream (`GET /live`) lasts before the browser reconnects with its last event
    /// id (tests that probe every route set 0: the stream says hello and ends).
    var liveStreamSeconds = 300
    /// The knowledge base's embedding model directory (`Embedder.defaultDirectory()` by default); nil: keyword
    /// search only. A directory without the model also means keyword search only (logged once).
    public var knowledgeModel: URL? = Embedder.defaultDirectory()
    /// Runs the built-in knowledge bot: new tickets still waiting for a person are answered with strong
    /// matching articles and wait for the customer's confirmation (`KnowledgeBot`). Off by default.
    public var knowledgeBot = false
    /// Session lifetimes, the sign-in link's lifetime and the per-account and per-e-mail throttles.
    var signIn: SignInPolicy = .standard

    public init(
        dataDirectory: String, agentEndpoint: String = "tcp://127.0.0.1:5555",
        eventEndpoint: String = "tcp://127.0.0.1:5556", httpHost: String = "127.0.0.1", httpPort: Int = 8080,
        heartbeatIntervalMs: Int = 1000, heartbeatLiveness: Int = 3, routing: RoutingRules = .standard,
        responseTargets: ResponseTargets = .standard, durability: String = "full",
        escalation: EscalationPolicy = .standard, slaPolicies: [SLAPolicy] = SLAPolicy.defaults
    ) {
        self.slaPolicies = slaPolicies
        self.escalation = escalation
        self.dataDirectory = dataDirectory
        self.agentEndpoint = agentEndpoint
        self.eventEndpoint = eventEndpoint
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.heartbeatIntervalMs = heartbeatIntervalMs
        self.heartbeatLiveness = heartbeatLiveness
        self.routing = routing
        self.responseTargets = responseTargets
        self.durability = durability
    }
}
