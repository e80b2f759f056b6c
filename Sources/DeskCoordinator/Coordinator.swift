import AsyncAlgorithms
import DeskModel
import DeskProtocol
import DeskStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// A running coordinator: the store, the agent and event sockets, the serial loop and the HTTP API,
/// under one `ServiceGroup` with graceful shutdown on SIGINT and SIGTERM.
public enum Coordinator {
    /// Runs until SIGINT/SIGTERM. `announce` receives the bound addresses (`agents tcp://…`,
    /// `events tcp://…`, `http http://…`) once each is listening.
    public static func run(
        _ configuration: CoordinatorConfiguration, logger: Logger, announce: @escaping @Sendable (String) -> Void
    ) async throws {
        let app = try await buildApplication(configuration, logger: logger, announce: announce)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    /// The whole coordinator as a Hummingbird application: opens (and migrates) the store, binds the agent
    /// and event sockets, recovers the loop, and returns the HTTP API with the loop and webhook delivery
    /// as its services. Running it (`runService`, or `test(.router)`/`test(.live)` from
    /// `HummingbirdTesting`) runs the coordinator; its graceful shutdown stops the HTTP server, then the
    /// loop, then webhook delivery, and closes the store and sockets last.
    ///
    /// The sockets are bound here: with `tcp://127.0.0.1:*` endpoints and port 0 several can run in one
    /// test process.
    public static func buildApplication(
        _ configuration: CoordinatorConfiguration, logger: Logger, announce: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        try await buildApplication(configuration, logger: logger, announce: announce, routes: RouteTable())
    }

    /// The same, recording the API's routes and their access in `routes` (the access matrix test reads it).
    static func buildApplication(
        _ configuration: CoordinatorConfiguration, logger: Logger, announce: @escaping @Sendable (String) -> Void = { _ in },
        routes: RouteTable
    ) async throws -> some ApplicationProtocol {
        let durability = Durability(rawValue: configuration.durability) ?? .full
        let store = try TicketStore(directory: configuration.dataDirectory, durability: durability)
        let context = try Context()
        let metrics = CoordinatorMetrics()
        let failureLogger = logger
        let (stream, inputs) = AsyncStream<CoordinatorInput>.makeStream()
        // The agent port: CURVE with the coordinator's key pair and a ZAP handler that lets in registered
        // agent keys only (bound before the ROUTER, which asks it at every handshake); or plain, on loopback.
        let curve = configuration.agentSecurity == .curve
        var zap: ZAPHandler?
        var serverKeys: CurveKeyPair?
        if curve {
            guard Context.has("curve") else { throw CoordinatorStartError("this libzmq has no CURVE support: the agent port cannot be secured") }
            serverKeys = try AgentChannel.coordinatorKeys(dataDirectory: configuration.dataDirectory)
            zap = try ZAPHandler(context: context, authenticate: AgentChannel.authenticator(store: store, metrics: metrics, logger: logger))
        } else if !AgentChannel.isLoopback(configuration.agentEndpoint) {
            throw CoordinatorStartError("plain agents are allowed only on a loopback endpoint (tcp://127.0.0.1:…), not \(configuration.agentEndpoint): "
                                        + "drop --plain-agents to use CURVE with registered agent keys")
        }
        let router = try AsyncSocket(context, .router, name: "agents", onSendFailure: { _, error in
            // An agent that vanished: its leases expire by heartbeat; nothing else to do.
            failureLogger.debug("send to agent failed", metadata: ["error": "\(error)"])
        }, inboundLimit: 10_000, onFailure: { error in inputs.yield(.socketFailed("\(error)")) },
           deliver: { frames in
               let arrivedAt = currentMillis()
               if curve, let peer = frames.first {
                   inputs.yield(.agentMessage(Array(frames.dropFirst()), peer: String(decoding: peer, as: UTF8.self), arrivedAt: arrivedAt))
               } else {
                   inputs.yield(.agentMessage(frames, peer: nil, arrivedAt: arrivedAt))
               }
           }) { socket in
            if let serverKeys {
                try socket.set(.curveServer, true)
                try socket.set(.curveSecretKey, serverKeys.secretKey)
                try socket.set(.zapDomain, "desk-agents")
                socket.prependedProperty = "User-Id"
            }
            try socket.set(.routerMandatory, true)
            try socket.set(.maxMessageSize, Int64(4 * FrameCodec.maxBodySize))
            try socket.set(.sendHighWaterMark, 100_000)
            try socket.set(.receiveHighWaterMark, 100_000)
            try socket.set(.linger, 500)
            try socket.bind(configuration.agentEndpoint)
        }
        let publisher = try AsyncSocket(context, .pub, name: "events") { socket in
            try socket.set(.sendHighWaterMark, 100_000)
            try socket.set(.linger, 500)
            try socket.bind(configuration.eventEndpoint)
        }
        let agentEndpoint = router.lastEndpoint ?? configuration.agentEndpoint
        let eventEndpoint = publisher.lastEndpoint ?? configuration.eventEndpoint
        announce("agents \(agentEndpoint)")
        if let serverKeys { announce("agent-key \(serverKeys.publicKey)") }
        announce("events \(eventEndpoint)")

        // SLA policies set through the API (stored) win over the config file's until they are deleted.
        var policies = configuration.slaPolicies
        if let document = try await store.pool.read({ db in try db.setting("sla_policies") }) {
            do {
                policies = try SLAPolicyDocument.policies(document, targets: configuration.responseTargets)
                logger.info("SLA policies from the API are in force (DELETE /api/v1/sla/policies goes back to the config)")
            } catch {
                logger.error("the stored SLA policies no longer load; using the config's", metadata: ["problem": "\(error)"])
            }
        }
        let policyBox = SLAPolicyBox(policies)
        let tickGate = TickGate()
        let webhooks = WebhookDeliveryService(store: store, metrics: metrics, logger: logger)
        let feed = LiveFeed()
        let loop = CoordinatorLoop(store: store, router: router, events: EventPublisher(socket: publisher, feed: feed),
                                   inputs: inputs, configuration: configuration, metrics: metrics, logger: logger,
                                   policies: policyBox, tickGate: tickGate, webhooks: webhooks)
        try await loop.recover()

        let storage = StorageGuard(directory: configuration.dataDirectory, reserveBytes: configuration.diskReserveBytes)
        if storage.check().low {
            logger.error("disk space below the reserve at start: intake answers 507 until space returns",
                         metadata: ["free_mib": "\(storage.freeBytes / 1_048_576)", "reserve_mib": "\(storage.reserveBytes / 1_048_576)"])
        }
        let access = AccessControl(store: store, failures: FailureThrottle(limit: configuration.credentialFailuresPerMinute, windowMillis: 60_000))
        let links = linkBase(configuration)
        var api = HTTPAPI(store: store, inputs: inputs, metrics: metrics, routing: configuration.routing,
                          escalation: configuration.escalation, slaPolicies: policyBox,
                          responseTargets: configuration.responseTargets, agentEndpoint: agentEndpoint, eventEndpoint: eventEndpoint,
                          intakeInFlight: IntakeCounter(), storage: storage, intakeLimits: configuration.intakeLimits,
                          access: access, publicIntake: configuration.publicIntake,
                          sessions: SessionAccess(store: store, policy: configuration.signIn, addressFailures: access.failures,
                                                  secureCookies: configuration.secureCookies),
                          linkBase: links, agentChannelKey: serverKeys?.publicKey)
        let gateway = WorkspaceGateway(store: store, agentEndpoint: agentEndpoint, coordinatorKey: serverKeys?.publicKey, logger: logger)
        api.gateway = gateway
        api.feed = feed
        api.liveStreamSeconds = configuration.liveStreamSeconds
        api.ticketTypes = configuration.ticketTypes
        let knowledge = KnowledgeService(store: store, modelDirectory: configuration.knowledgeModel, logger: logger)
        api.knowledge = knowledge
        var bot: KnowledgeBot?
        if configuration.knowledgeBot {
            let searcher = api
            bot = KnowledgeBot(search: { subject, body in try await searcher.suggestions(subject: subject, body: body).hits },
                               inputs: inputs, links: links, metrics: metrics, logger: logger)
            api.knowledgeBot = bot
        }
        seedHourlyCounts(feed, store: store, logger: logger)
        let boundPort = configuration.httpPort
        var app = Application(
            router: api.router(routes: routes),
            server: .guardedHTTP1(limits: configuration.httpLimits, connections: metrics.connections),
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort),
                                 serverName: "desk"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? boundPort
                links.bound(host: configuration.httpHost, port: port)
                announce("http http://\(configuration.httpHost):\(port)")
            },
            logger: logger
        )
        let core = LoopService(loop: LoopBox(loop), stream: stream, inputs: inputs, tickGate: tickGate,
                               tickMs: max(10, configuration.heartbeatIntervalMs / 10))
        // Services stop in reverse order: the HTTP server (intake) first (the application adds it last),
        // then the loop, then webhook delivery (whose attempts in flight are cancelled; what is pending
        // resumes at the next start), and last the store and sockets, once every other service returned.
        app.addServices(ClosingService(store: store, sockets: [router, publisher], zap: zap), knowledge, webhooks, StorageGuardService(storage: storage, logger: logger),
                        core, gateway)
        if let bot { app.addServices(bot) }
        return app
    }
}

/// Today's tickets created and resolved per hour from before this start, for the dashboard: read in the
/// background (a scan of the tickets table's two time columns), so the start does not wait for it. Called
/// before the loop runs: what happens from now on the feed counts itself.
func seedHourlyCounts(_ feed: LiveFeed, store: TicketStore, logger: Logger) {
    let end = currentMillis(), start = end / 86_400_000 * 86_400_000
    Task {
        do {
            let (created, resolved) = try await store.pool.read { db in try db.hourlyCounts(since: start, until: end) }
            feed.seed(created: created, resolved: resolved)
        } catch {
            logger.warning("could not count today's tickets for the dashboard", metadata: ["error": "\(error)"])
        }
    }
}

/// What sign-in links begin with: the configured public address, else the HTTP listener's (loopback in the
/// quick start), without a trailing `/`.
func linkBase(_ configuration: CoordinatorConfiguration) -> LinkBase {
    var base = configuration.publicURL ?? "http://\(configuration.httpHost):\(configuration.httpPort)"
    while base.hasSuffix("/") { base.removeLast() }
    return LinkBase(base, fromListener: configuration.publicURL == nil)
}

/// What sign-in links begin with: `--public-url`, or else the HTTP listener's address, whose port is
/// known only once it is bound (`--http 127.0.0.1:0` picks one): `bound(port:)` sets it then.
final class LinkBase: Sendable {
    private let value: Mutex<String>
    private let fromListener: Bool

    init(_ base: String, fromListener: Bool) {
        value = Mutex(base)
        self.fromListener = fromListener
    }

    var current: String { value.withLock { $0 } }

    /// The listener is bound on `port` (and `host`): links name it, unless a public URL was given.
    func bound(host: String, port: Int) {
        guard fromListener else { return }
        value.withLock { $0 = "http://\(host):\(port)" }
    }
}

/// Hands the loop to the service that runs it; only that service's task touches it.
final class LoopBox: @unchecked Sendable {
    let loop: CoordinatorLoop
    init(_ loop: CoordinatorLoop) { self.loop = loop }
}

/// Runs the serial loop and the heartbeat timer (the agent socket's thread feeds `inputs` directly).
struct LoopService: Service {
    let loop: LoopBox
    let stream: AsyncStream<CoordinatorInput>
    let inputs: AsyncStream<CoordinatorInput>.Continuation
    let tickGate: TickGate
    let tickMs: Int

    /// Runs the loop; the timer raises a tick every `tickMs` unless one is still queued. Throws when the
    /// loop fails (a dead agent socket), which fails the service group.
    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [inputs, tickGate, tickMs] in
                for await _ in AsyncTimerSequence(interval: .milliseconds(tickMs), clock: .continuous).cancelOnGracefulShutdown() {
                    if tickGate.raise() { inputs.yield(.tick(at: currentMillis())) }
                }
            }
            group.addTask { [inputs] in
                try? await gracefulShutdown()
                inputs.yield(.shutdown)
            }
            defer { group.cancelAll() }
            try await loop.loop.run(stream)
        }
    }
}
