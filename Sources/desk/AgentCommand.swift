import ArgumentParser
import DeskAgent
import DeskModel
import Foundation
import ServiceLifecycle

/// `desk agent`: a process that works tickets for the coordinator.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run an agent that takes assignments from the coordinator.",
        discussion: "Modes: sim (works each ticket for a sampled service time, reports progress, resolves).")

    @Option(help: "Coordinator endpoint.") var connect = "tcp://127.0.0.1:5555"
    @Option(help: "Unique agent name.") var name: String
    @Option(help: "Comma-separated skills.") var skills = ""
    @Option(help: "Most tickets at once.") var capacity = 1
    @Option(help: "Tier: 0 bots, 1 L1, 2 L2, 3 engineering.") var tier = 1
    @Option(help: "Mode: sim.") var mode = "sim"
    @Option(help: "Service time for sim mode: 2s, 500ms, exp:2s, lognormal:2s,0.5.") var serviceTime = "2s"
    @Option(help: "Log level.") var logLevel = "info"

    func validate() throws {
        guard !name.isEmpty, name.count <= 64, !name.contains(where: \.isWhitespace) else {
            throw ValidationError("--name must be 1 to 64 characters without spaces")
        }
        guard (1...10_000).contains(capacity) else { throw ValidationError("--capacity must be 1 to 10000") }
        guard (0...3).contains(tier) else { throw ValidationError("--tier must be 0 to 3") }
        guard mode == "sim" else { throw ValidationError("--mode '\(mode)' is not available yet; use sim") }
        do { _ = try ServiceTime(parsing: serviceTime) } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        let logger = LogSetup.logger("desk.agent.\(name)", level: logLevel)
        let distribution = try ServiceTime(parsing: serviceTime)
        let options = AgentOptions(
            endpoint: connect, name: name,
            skills: skills.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            capacity: capacity, tier: tier, mode: mode)
        let runtime = try AgentRuntime(options: options, logger: logger) { _ in
            var generator = SystemRandomNumberGenerator()
            return .simulated(seconds: distribution.sample(using: &generator))
        }
        let service = AgentService(runtime: RuntimeBox(runtime))
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        announce("agent \(name) connecting to \(connect)")
        try await group.run()
    }
}

final class RuntimeBox: @unchecked Sendable {
    let runtime: AgentRuntime
    init(_ runtime: AgentRuntime) { self.runtime = runtime }
}

/// Runs the agent until graceful shutdown, then lets it say BYE.
struct AgentService: Service {
    let runtime: RuntimeBox
    func run() async throws {
        await cancelWhenGracefulShutdown { [runtime] in await runtime.runtime.run() }
    }
}
