import ArgumentParser
import DeskAgent
import DeskAutomation
import DeskModel
import Foundation

/// `desk macro add|import|list|show|remove`: the coordinator's macros through its HTTP API.
struct MacroCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "macro",
        abstract: "Manage macros: reply templates (Mustache) with actions, applied by staff and bots.",
        subcommands: [Add.self, Import.self, List.self, Show.self, Remove.self])

    struct Connection: ParsableArguments {
        @Option(help: "The coordinator's HTTP API.") var server = "http://127.0.0.1:8080"
        @Option(help: "API token (default: the DESK_TOKEN environment variable).") var token: String?
        @Flag(help: "Print the API's JSON.") var json = false

        /// The API with this connection's token.
        var client: APIClient { APIClient(base: server, token: APIClient.token(token)) }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or replace one macro.",
            discussion: "Example: desk macro add --name thanks --reply 'Thanks {{requester.name}}, we are on it.' --status waiting_on_customer")
        @OptionGroup var connection: Connection
        @Option var name: String
        @Option var description = ""
        @Option(help: "The reply template (Mustache); see docs/PEOPLE_AND_BOTS.md for the variables.") var reply = ""
        @Option(help: "Read the reply template from a file.") var replyFile: String?
        @Option(help: "Set status: in_progress, waiting_on_customer, pending_confirmation.") var status: String?
        @Option(help: "Set priority: P1 to P4.") var priority: String?
        @Option(help: "Set category.") var category: String?
        @Option(help: "Add tags (comma-separated).") var addTags: String?
        @Option(help: "Remove tags (comma-separated).") var removeTags: String?
        @Option(help: "Escalate to this tier (1 to 3); needs --escalate-reason.") var escalateTier: Int?
        @Option var escalateReason: String?
        @Option(help: "Resolve with this resolution text.") var resolve: String?

        func run() async throws {
            var template = reply
            if let replyFile {
                do { template = try String(contentsOfFile: replyFile, encoding: .utf8) } catch {
                    throw ValidationError("\(replyFile): cannot read the file")
                }
            }
            var actions = MacroActions(category: category, resolve: resolve)
            if let status {
                guard let value = TicketStatus(rawValue: status) else { throw ValidationError("--status '\(status)' is not a status") }
                actions.status = value
            }
            if let priority {
                guard let value = Priority(label: priority) else { throw ValidationError("--priority takes P1 to P4") }
                actions.priority = value
            }
            actions.addTags = addTags.map { $0.split(separator: ",").map(String.init) }
            actions.removeTags = removeTags.map { $0.split(separator: ",").map(String.init) }
            if let escalateTier {
                actions.escalate = .init(tier: escalateTier, reason: escalateReason ?? "")
            } else if escalateReason != nil {
                throw ValidationError("--escalate-reason needs --escalate-tier")
            }
            let definition = MacroDefinition(name: name, description: description, reply: template, actions: actions)
            do { _ = try CheckedMacro(definition) } catch { throw ValidationError("macro '\(name)': \(error)") }
            try await upload(definition, connection)
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or replace the macros of a YAML file; the whole file is checked first.")
        @OptionGroup var connection: Connection
        @Argument var file: String

        func run() async throws {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch { throw ValidationError("\(file): cannot read the file") }
            let macros: [CheckedMacro]
            do { macros = try MacroFile.parse(text, file: file) } catch { throw ValidationError(error.description) }
            for macro in macros { try await upload(macro.definition, connection) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the macros.")
        @OptionGroup var connection: Connection
        func run() async throws {
            let reply = try await connection.client.request("GET", "/api/v1/macros")
            try reply.print(json: connection.json) { object in
                let macros = object["macros"] as? [[String: Any]] ?? []
                if macros.isEmpty { return "no macros" }
                return macros.map { TicketTable.pad($0["name"] as? String ?? "", 24) + " " + ($0["description"] as? String ?? "") }
                    .joined(separator: "\n")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one macro: its template and actions.")
        @OptionGroup var connection: Connection
        @Argument var name: String
        func run() async throws {
            let reply = try await connection.client.request("GET", "/api/v1/macros/\(MacroCommand.escape(name))")
            try reply.print(json: connection.json) { object in
                let actions = (try? JSONSerialization.data(withJSONObject: object["actions"] ?? [:], options: [.sortedKeys]))
                    .map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                return "macro \(object["name"] ?? "")  \(object["description"] ?? "")\nactions: \(actions)\nreply:\n"
                    + (object["reply"] as? String ?? "")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a macro.")
        @OptionGroup var connection: Connection
        @Argument var name: String
        func run() async throws {
            let reply = try await connection.client.request("DELETE", "/api/v1/macros/\(MacroCommand.escape(name))")
            _ = try reply.object()
            print("removed \(name)")
        }
    }

    static func escape(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name
    }

    static func upload(_ macro: MacroDefinition, _ connection: Connection) async throws {
        let body = try JSONEncoder().encode(macro)
        let reply = try await connection.client.request("PUT", "/api/v1/macros/\(escape(macro.name))", body: body)
        _ = try reply.object()
        print(connection.json ? String(decoding: reply.data, as: UTF8.self) : "\(reply.status == 201 ? "added" : "replaced") \(macro.name)")
    }
}
