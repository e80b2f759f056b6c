import ArgumentParser
import DeskAgent
import Foundation

/// `desk agents`: the agents the coordinator knows, with their state and load.
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "List agents: state (connected, away, disconnected), skills, tier, load and capacity.")

    @OptionGroup var connection: TicketCommand.Connection

    func run() async throws {
        let reply = try await connection.client.request("GET", "/api/v1/agents")
        try reply.print(json: connection.json, AgentTable.list)
    }
}

/// The agents list as a table.
enum AgentTable {
    static func list(_ object: [String: Any]) -> String {
        let agents = object["agents"] as? [[String: Any]] ?? []
        let pad = TicketTable.pad
        var lines = ["\(pad("AGENT", 20)) \(pad("STATE", 13)) \(pad("TIER", 5)) \(pad("LOAD", 9)) SKILLS"]
        for agent in agents {
            let load = "\(agent["load"] ?? 0)/\(agent["capacity"] ?? 0)"
            let skills = (agent["skills"] as? [String] ?? []).joined(separator: ",")
            lines.append("\(pad(agent["name"] as? String ?? "", 20)) \(pad(agent["state"] as? String ?? "", 13)) "
                         + "\(pad("\(agent["tier"] ?? "")", 5)) \(pad(load, 9)) \(skills.isEmpty ? "-" : skills)")
        }
        return lines.joined(separator: "\n")
    }
}
