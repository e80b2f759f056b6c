import ArgumentParser
import DeskAgent
import DeskAutomation
import DeskModel
import Foundation
import ServiceLifecycle

/// `desk agent`: a process that works tickets for the coordinator.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run an agent that takes assignments from the coordinator.",
        discussion: """
            Modes:
              sim    works each ticket for a sampled service time, reports progress, answers with --reply-macro
                     if given, resolves (load tests, the example cluster).
              staff  an interactive console for a person: 'help' lists its commands. It reads commands from
                     standard input, so a script can drive it too.
              bot    answers what its --rules file matches, with macros and actions; tier 0. New tickets its
                     rules claim come to it first; the rest, and what it hands off, go to people.
            """)

    @Option(help: "Coordinator endpoint.") var connect = "tcp://127.0.0.1:5555"
    @Option(help: "Unique agent name.") var name: String
    @Option(help: "Comma-separated skills.") var skills = ""
    @Option(help: "Most tickets at once (default 1; 20 for bots).") var capacity: Int?
    @Option(help: "Tier: 0 bots, 1 L1, 2 L2, 3 engineering (default 1; bots are 0).") var tier: Int?
    @Option(help: "Mode: sim, staff or bot.") var mode = "sim"
    @Option(help: "Bot mode: the rules file (YAML).") var rules: String?
    @Option(help: "Staff mode: the coordinator's HTTP API, for history and macros ('' for none).") var api = "http://127.0.0.1:8080"
    @Option(help: "Staff mode: your API token for --api (default: the DESK_TOKEN environment variable).") var token: String?
    @Option(help: "Staff mode: the event stream (ZeroMQ), for notices of customer answers; by default the one the API names.")
    var events: String?
    @Option(help: "Sim mode: a macro to apply (its reply to the customer) before resolving.") var replyMacro: String?
    @Option(help: "Service time for sim mode: 2s, 500ms, exp:2s, lognormal:2s,0.5.") var serviceTime = "2s"
    @Option(help: ArgumentHelp("This agent's key file (desk agent-key create), for a coordinator whose agent port uses CURVE "
                               + "(the default); leave it out only for one started with --plain-agents.", valueName: "file"))
    var key: String?
    @Option(help: "Log level.") var logLevel = "info"

    func validate() throws {
        guard !name.isEmpty, name.count <= 64, !name.contains(where: \.isWhitespace) else {
            throw ValidationError("--name must be 1 to 64 characters without spaces")
        }
        guard (1...10_000).contains(effectiveCapacity) else { throw ValidationError("--capacity must be 1 to 10000") }
        guard (0...3).contains(effectiveTier) else { throw ValidationError("--tier must be 0 to 3") }
        guard ["sim", "staff", "bot"].contains(mode) else { throw ValidationError("--mode must be sim, staff or bot, got '\(mode)'") }
        if mode == "bot" {
            guard rules != nil else { throw ValidationError("bot mode needs --rules FILE.yaml") }
            guard effectiveTier == 0 else { throw ValidationError("bots are tier 0; leave --tier out") }
        } else if rules != nil {
            throw ValidationError("--rules is for bot mode")
        }
        if replyMacro != nil && mode != "sim" { throw ValidationError("--reply-macro is for sim mode") }
        if let key {
            let agentKey: AgentKey
            do { agentKey = try AgentKey.read(key) } catch { throw ValidationError("\(error)") }
            guard agentKey.agent == name else {
                throw ValidationError("\(key) is the key of agent '\(agentKey.agent)', not of '\(name)': the coordinator would refuse it")
            }
        }
        do { _ = try ServiceTime(parsing: serviceTime) } catch { throw ValidationError(error.description) }
    }

    var effectiveTier: Int { tier ?? (mode == "bot" ? 0 : 1) }
    var effectiveCapacity: Int { capacity ?? (mode == "bot" ? 20 : 1) }

    func run() async throws {
        // The console owns the terminal: logs go to standard error, and only warnings unless asked.
        let logger = LogSetup.logger("desk.agent.\(name)", level: mode == "staff" && logLevel == "info" ? "warning" : logLevel)
        var options = AgentOptions(
            endpoint: connect, name: name,
            skills: skills.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            capacity: effectiveCapacity, tier: effectiveTier, mode: mode)
        if let key { options.key = try AgentKey.read(key) }
        let runtime: AgentRuntime
        switch mode {
        case "bot":
            let path = rules ?? ""
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw ValidationError("\(path): cannot read the file") }
            let botRules: BotRules
            do { botRules = try BotRules.parse(text, file: path) } catch { throw ValidationError(error.description) }
            options.claims = String(decoding: try JSONEncoder().encode(botRules.claims), as: UTF8.self)
            let planner = BotPlanner(rules: botRules)
            runtime = try AgentRuntime(options: options, logger: logger) { planner.plan(for: $0) }
            announce("bot \(name) (pool \(botRules.pool), \(botRules.rules.count) rules) connecting to \(connect)")
        case "staff":
            let console = StaffConsole(name: name, api: api.isEmpty ? nil : api, token: APIClient.token(token), interactive: isatty(0) != 0, events: events)
            runtime = try AgentRuntime(options: options, logger: logger, observer: { console.observe($0) }) { _ in
                WorkPlan([(0, .accept)])
            }
            console.attach(runtime)
            console.greet()
            let box = RuntimeBox(runtime)
            // Whichever ends first ends both: the console (quit, or the end of its input) or the runtime (an
            // endpoint it can never use, thrown here so the process exits non-zero).
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await box.runtime.run() }
                group.addTask { await console.run(StaffConsole.standardInputLines()) }
                try await group.next()
                group.cancelAll()
            }
            return
        default:
            let distribution = try ServiceTime(parsing: serviceTime)
            runtime = try AgentRuntime(options: options, logger: logger) { _ in
                var generator = SystemRandomNumberGenerator()
                return .simulated(seconds: distribution.sample(using: &generator), replyMacro: replyMacro)
            }
        }
        let service = AgentService(runtime: RuntimeBox(runtime))
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        if mode != "bot" { announce("agent \(name) connecting to \(connect)") }
        try await group.run()
    }
}

final class RuntimeBox: @unchecked Sendable {
    let runtime: AgentRuntime
    init(_ runtime: AgentRuntime) { self.runtime = runtime }
}

/// Runs the agent until graceful shutdown, then lets it say BYE. An endpoint the agent can never use
/// fails the service, so the process exits non-zero naming it.
struct AgentService: Service {
    let runtime: RuntimeBox
    func run() async throws {
        try await cancelWhenGracefulShutdown { [runtime] in try await runtime.runtime.run() }
    }
}
