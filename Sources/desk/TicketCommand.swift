import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `desk ticket create|show|list`: the HTTP API from the command line.
struct TicketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ticket",
        abstract: "Create, show and list tickets through the coordinator's HTTP API.",
        subcommands: [Create.self, Show.self, List.self])

    struct Connection: ParsableArguments {
        @Option(help: "The coordinator's HTTP API.") var server = "http://127.0.0.1:8080"
        @Flag(help: "Print the API's JSON instead of a table.") var json = false
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
            let reply = try await APIClient(base: connection.server).request("POST", "/api/v1/tickets", body: data)
            try reply.print(json: connection.json) { TicketTable.ticket($0, history: false) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a ticket and its history.")
        @OptionGroup var connection: Connection
        @Argument var id: Int64

        func run() async throws {
            let reply = try await APIClient(base: connection.server).request("GET", "/api/v1/tickets/\(id)")
            try reply.print(json: connection.json) { TicketTable.ticket($0, history: true) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tickets, oldest first, a page at a time.")
        @OptionGroup var connection: Connection
        @Option var status: String?
        @Option var priority: String?
        @Option var agent: String?
        @Option var limit = 50
        @Option(help: "The next_cursor of the previous page.") var cursor: String?

        func run() async throws {
            var query: [String] = ["limit=\(limit)"]
            for (key, value) in [("status", status), ("priority", priority), ("agent", agent), ("cursor", cursor)] {
                if let value { query.append("\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? value)") }
            }
            let reply = try await APIClient(base: connection.server).request("GET", "/api/v1/tickets?" + query.joined(separator: "&"))
            try reply.print(json: connection.json, TicketTable.list)
        }
    }
}

/// A minimal JSON client of the coordinator's API.
struct APIClient {
    let base: String

    struct Reply {
        let status: Int
        let data: Data

        /// Prints the reply as a table (or JSON); a non-2xx status becomes an error with the API's message.
        func print(json: Bool, _ table: ([String: Any]) -> String) throws {
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            guard (200..<300).contains(status) else {
                throw APIClientError(description: "error \(status): \(object["error"] as? String ?? String(decoding: data, as: UTF8.self))")
            }
            Swift.print(json ? String(decoding: data, as: UTF8.self) : table(object))
        }
    }

    func request(_ method: String, _ path: String, body: Data? = nil) async throws -> Reply {
        guard let url = URL(string: base + path) else { throw APIClientError(description: "bad server URL \(base)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, data: data)
        } catch {
            throw APIClientError(description: "cannot reach \(base): \(error.localizedDescription)")
        }
    }
}

struct APIClientError: Error, CustomStringConvertible {
    let description: String
}

/// Readable tables of tickets.
enum TicketTable {
    static func ticket(_ t: [String: Any], history: Bool) -> String {
        var lines = [
            "ticket #\(t["id"] ?? "?")  \(t["status"] ?? "")  \(t["priority"] ?? "")",
            "subject:   \(t["subject"] ?? "")",
            "requester: \(t["requester"] ?? "")",
            "category:  \(t["category"] ?? "")   skill: \(t["skill"] ?? "")   tier: \(t["tier"] ?? "")",
            "assignee:  \((t["assignee"] as? String) ?? "-")   lease epoch: \(t["lease_epoch"] ?? 0)",
        ]
        if history, let events = t["history"] as? [[String: Any]] {
            lines.append("history:")
            for event in events {
                let at = (event["at"] as? Double).map { Date(timeIntervalSince1970: $0 / 1000) }
                    ?? (event["at"] as? Int).map { Date(timeIntervalSince1970: Double($0) / 1000) }
                let detail = (try? JSONSerialization.data(withJSONObject: event["detail"] ?? [:], options: [.sortedKeys]))
                    .map { String(decoding: $0, as: UTF8.self) } ?? ""
                lines.append("  \(at.map { ISO8601DateFormatter().string(from: $0) } ?? "?")  "
                             + "\(pad(event["kind"] as? String ?? "", 15)) \(pad(event["actor"] as? String ?? "", 18)) \(detail)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func list(_ page: [String: Any]) -> String {
        let tickets = page["tickets"] as? [[String: Any]] ?? []
        var lines = ["\(pad("ID", 8)) \(pad("STATUS", 21)) \(pad("PRI", 4)) \(pad("ASSIGNEE", 14)) SUBJECT"]
        for t in tickets {
            lines.append("\(pad("\(t["id"] ?? "")", 8)) \(pad(t["status"] as? String ?? "", 21)) "
                         + "\(pad(t["priority"] as? String ?? "", 4)) \(pad((t["assignee"] as? String) ?? "-", 14)) "
                         + "\(t["subject"] as? String ?? "")")
        }
        if let next = page["next_cursor"], !(next is NSNull) { lines.append("more: --cursor \(next)") }
        return lines.joined(separator: "\n")
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
