import ArgumentParser
import DeskAgent
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `desk ticket create|show|list|assign|update|reopen`: the HTTP API from the command line.
struct TicketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket",
        abstract: "Create, show, list, assign, update and reopen tickets through the coordinator's HTTP API.",
        subcommands: [Create.self, Show.self, List.self, Assign.self, Update.self, Reopen.self])

    struct Connection: ParsableArguments {
        @Option(help: "The coordinator's HTTP API.") var server = "http://127.0.0.1:8080"
        @Option(help: "API token (default: the DESK_TOKEN environment variable).") var token: String?
        @Flag(help: "Print the API's JSON instead of a table.") var json = false

        /// The API with this connection's token.
        var client: APIClient { APIClient(base: server, token: APIClient.token(token)) }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a ticket.")
        @OptionGroup var connection: Connection
        @Option var subject: String
        @Option var body: String
        @Option(help: "The customer's e-mail address.") var requester = "cli@localhost.localdomain"
        @Option(help: "P1 to P4.") var priority = "P3"
        @Option var category = ""
        @Option var channel = "api"
        @Option(help: "Comma-separated tags.") var tags = ""
        @Option(help: "Returns the same ticket when repeated.") var idempotencyKey: String?

        func run() async throws {
            var object: [String: Any] = [
                "subject": subject, "body": body, "requester": requester, "priority": priority,
                "category": category, "channel": channel,
                "tags": tags.split(separator: ",").map(String.init),
            ]
            if let idempotencyKey { object["idempotency_key"] = idempotencyKey }
            let data = try JSONSerialization.data(withJSONObject: object)
            let reply = try await connection.client.request("POST", "/api/v1/tickets", body: data)
            try reply.print(json: connection.json) { TicketTable.ticket($0, history: false) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a ticket and its history.")
        @OptionGroup var connection: Connection
        @Argument var id: Int64

        func run() async throws {
            let reply = try await connection.client.request("GET", "/api/v1/tickets/\(id)")
            try reply.print(json: connection.json) { TicketTable.ticket($0, history: true) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tickets, oldest (or newest) first, a page at a time.")
        @OptionGroup var connection: Connection
        @Option var status: String?
        @Option var priority: String?
        @Option var agent: String?
        @Option(help: "The customer's e-mail address.") var requester: String?
        @Option var category: String?
        @Option var tier: Int?
        @Option var tag: String?
        @Option(help: "Text in the subject or body.") var q: String?
        @Option(help: "oldest (default) or newest.") var sort: String?
        @Option var limit = 50
        @Option(help: "The next_cursor of the previous page.") var cursor: String?

        func run() async throws {
            var query: [String] = ["limit=\(limit)"]
            let filters = [("status", status), ("priority", priority), ("agent", agent), ("requester", requester), ("category", category),
                           ("tier", tier.map(String.init)), ("tag", tag), ("q", q), ("sort", sort), ("cursor", cursor)]
            var allowed = CharacterSet.urlQueryAllowed
            allowed.remove(charactersIn: "&=+#?")
            for (key, value) in filters {
                if let value { query.append("\(key)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)") }
            }
            let reply = try await connection.client.request("GET", "/api/v1/tickets?" + query.joined(separator: "&"))
            try reply.print(json: connection.json, TicketTable.list)
        }
    }
}

