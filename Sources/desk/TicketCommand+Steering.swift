import ArgumentParser
import DeskAgent
import Foundation

/// `desk ticket assign|update|reopen`: a lead's steering through the HTTP API.
extension TicketCommand {
    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assign (or reassign) a ticket to a connected agent; its holder's lease ends.")
        @OptionGroup var connection: Connection
        @Argument var id: Int64
        @Argument var agent: String
        @Flag(help: "Assign even if the agent lacks the skill or tier, is away, or is at capacity.") var force = false

        func run() async throws {
            let data = try JSONSerialization.data(withJSONObject: ["agent": agent, "force": force] as [String: Any])
            let reply = try await connection.client.request("POST", "/api/v1/tickets/\(id)/assign", body: data)
            try reply.print(json: connection.json) { object in
                let previous = (object["previous"] as? [String: Any]).map { " (was \($0["agent"] ?? "?"), epoch \($0["epoch"] ?? "?"))" } ?? ""
                return (object["unchanged"] as? Bool == true ? "unchanged: " : "")
                    + "ticket #\(object["ticket"] ?? id) → \(object["agent"] ?? agent), epoch \(object["epoch"] ?? "?")\(previous)"
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an open ticket's priority, category (routed again), tier or tags.")
        @OptionGroup var connection: Connection
        @Argument var id: Int64
        @Option(help: "P1 to P4.") var priority: String?
        @Option var category: String?
        @Option(help: "0 to 3.") var tier: Int?
        @Option(help: "A tag to add (repeatable).") var addTag: [String] = []
        @Option(help: "A tag to remove (repeatable).") var removeTag: [String] = []

        func validate() throws {
            guard priority != nil || category != nil || tier != nil || !addTag.isEmpty || !removeTag.isEmpty else {
                throw ValidationError("name at least one of --priority, --category, --tier, --add-tag, --remove-tag")
            }
        }

        func run() async throws {
            var object: [String: Any] = [:]
            if let priority { object["priority"] = priority }
            if let category { object["category"] = category }
            if let tier { object["tier"] = tier }
            if !addTag.isEmpty { object["add_tags"] = addTag }
            if !removeTag.isEmpty { object["remove_tags"] = removeTag }
            let data = try JSONSerialization.data(withJSONObject: object)
            let reply = try await connection.client.request("PATCH", "/api/v1/tickets/\(id)", body: data)
            try reply.print(json: connection.json) { TicketTable.ticket($0, history: false) }
        }
    }

    struct Reopen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reopen a resolved ticket: it goes back to the queue.")
        @OptionGroup var connection: Connection
        @Argument var id: Int64
        @Option(help: "Why (kept in the ticket's history).") var reason: String

        func run() async throws {
            let data = try JSONSerialization.data(withJSONObject: ["reason": reason])
            let reply = try await connection.client.request("POST", "/api/v1/tickets/\(id)/reopen", body: data)
            try reply.print(json: connection.json) { TicketTable.ticket($0, history: false) }
        }
    }
}
