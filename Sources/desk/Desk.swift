import ArgumentParser
import DeskModel

/// The one Desk executable: `desk coordinator`, `desk agent`, `desk ticket`, `desk bench`, ...
@main
struct Desk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "desk",
        abstract: "Desk: a self-hosted technical-support ticket system built as a cluster.",
        version: DeskVersion.current,
        subcommands: [CoordinatorCommand.self, AgentCommand.self, TicketCommand.self, AgentsCommand.self, MacroCommand.self, TokenCommand.self, UserCommand.self, AgentKeyCommand.self, AuditCommand.self, KnowledgeCommand.self, ClusterCommand.self, LoadTestCommand.self, BenchCommand.self, DebugCommand.self]
    )
}
