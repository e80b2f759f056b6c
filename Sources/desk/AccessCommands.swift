import ArgumentParser
import DeskAgent
import DeskModel
import DeskStore
import Foundation

/// `desk token create|list|revoke`: API tokens, through the API (an admin's token) or, with `--data`,
/// straight in the store — how the first admin token is made, with no server running.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke API tokens.",
        discussion: """
            The first token, without a server: desk token create --data DIR --role admin --name ops
            A token's secret is printed once (on standard output, alone, so TOKEN=$(desk token create …) works) and
            stored only as a hash. Use it as DESK_TOKEN or --token with every command that talks to the API.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token (and, with --data, its account when missing).")
        @OptionGroup var connection: TicketCommand.Connection
        @Option(help: "Write straight to the store in this data directory instead of asking the API.") var data: String?
        @Option(help: "The account the token speaks for.") var name: String
        @Option(help: "With --data: the account's role when it is created (\(Role.names)).") var role: String?
        @Option(help: "With --data: a new customer account's e-mail address.") var email: String?
        @Option(help: "What the token is for (shown in lists).") var label = "cli"
        @Option(help: "Comma-separated scopes narrowing the account's role (\(Permission.names)).") var scopes: String?
        @Option(help: "Days until the token expires (default: never).") var expiresInDays: Int?

        func run() async throws {
            let scopeList = try scopes.map { text in
                try text.split(separator: ",").map { name in
                    guard let permission = Permission(rawValue: String(name)) else {
                        throw ValidationError("unknown scope '\(name)'; scopes are \(Permission.names)")
                    }
                    return permission
                }
            }
            if let expiresInDays, !(1...3650).contains(expiresInDays) { throw ValidationError("--expires-in-days must be 1 to 3650") }
            guard let data else {
                var object: [String: Any] = ["user": name, "name": label]
                if let scopeList { object["scopes"] = scopeList.map(\.rawValue) }
                if let expiresInDays { object["expires_in_days"] = expiresInDays }
                let reply = try await connection.client.request("POST", "/api/v1/tokens", body: try JSONSerialization.data(withJSONObject: object))
                let created = try reply.object()
                if connection.json { print(String(decoding: reply.data, as: UTF8.self)); return }
                FileHandle.standardError.write(Data("token \(created["prefix"] ?? "") for \(name): shown once, keep it safe\n".utf8))
                print(created["token"] as? String ?? "")
                return
            }
            guard let roleText = role, let role = Role(rawValue: roleText) else {
                throw ValidationError("--data needs --role (\(Role.names))")
            }
            if role == .customer, email == nil { throw ValidationError("a customer account needs --email") }
            let expiresAt = expiresInDays.map { Millis(Date().timeIntervalSince1970 * 1000) + Millis($0) * 86_400_000 }
            let issued: (token: String, record: TokenRecord, createdAccount: Bool)
            do {
                issued = try await TicketStore.with(directory: data) { [name, email, label] store in
                    try await store.issueToken(account: name, role: role, email: email, label: label, scopes: scopeList, expiresAt: expiresAt)
                }
            } catch {
                throw ValidationError("\(error)")
            }
            FileHandle.standardError.write(Data(("\(issued.createdAccount ? "created \(role.rawValue) '\(name)'; " : "")"
                                                 + "token \(issued.record.prefix): shown once, keep it safe\n").utf8))
            print(issued.token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (prefix, account, scopes, expiry, last use); never their secrets.")
        @OptionGroup var connection: TicketCommand.Connection
        @Option(help: "Only this account's tokens.") var user: String?

        func run() async throws {
            let path = "/api/v1/tokens" + (user.map { "?user=" + TokenCommand.escape($0) } ?? "")
            let reply = try await connection.client.request("GET", path)
            try reply.print(json: connection.json) { object in
                let pad = TicketTable.pad
                var lines = ["\(pad("PREFIX", 14)) \(pad("ACCOUNT", 16)) \(pad("LABEL", 16)) \(pad("STATE", 8)) SCOPES"]
                for token in object["tokens"] as? [[String: Any]] ?? [] {
                    let state = token["revoked_at"] is NSNull ? "active" : "revoked"
                    let scopes = (token["scopes"] as? [String])?.joined(separator: ",") ?? "(role)"
                    lines.append("\(pad(token["prefix"] as? String ?? "", 14)) \(pad(token["user"] as? String ?? "", 16)) "
                                 + "\(pad(token["name"] as? String ?? "", 16)) \(pad(state, 8)) \(scopes)")
                }
                return lines.joined(separator: "\n")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its prefix (desk_1a2b3c4d): refused from then on.")
        @OptionGroup var connection: TicketCommand.Connection
        @Option(help: "Write straight to the store in this data directory (a running server notices within seconds).") var data: String?
        @Argument var prefix: String

        func run() async throws {
            guard let data else {
                let reply = try await connection.client.request("DELETE", "/api/v1/tokens/" + TokenCommand.escape(prefix))
                _ = try reply.object()
                print("revoked \(prefix)")
                return
            }
            let store = try TicketStore(directory: data)
            let now = Millis(Date().timeIntervalSince1970 * 1000)
            let outcome: Bool? = try await store.writer.write { db in
                guard let token = try db.token(prefix: prefix) else { return nil }
                guard try db.revokeToken(id: token.id, at: now) else { return false }
                try db.audit(actor: "desk token revoke --data", action: "token.revoke", target: "token \(prefix)",
                             before: token.auditSummary, at: now)
                return true
            }
            await store.close()
            switch outcome {
            case nil: throw ValidationError("no token has the prefix \(prefix)")
            case false?: print("\(prefix) was already revoked")
            case true?: print("revoked \(prefix)")
            }
        }
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? text
    }
}

/// `desk user create|list|update`: people and bot accounts, through the API (an admin's token).
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Create, list and change accounts (admin, lead, agent, customer).",
        subcommands: [Create.self, List.self, Update.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an account.",
                                                        discussion: "The password, if any, is read from standard input (--password-stdin), never from the command line.")
        @OptionGroup var connection: TicketCommand.Connection
        @Option var name: String
        @Option(help: "\(Role.names)") var role: String
        @Option var email: String?
        @Option(help: "Comma-separated skills (staff).") var skills: String?
        @Option(help: "0 to 3 (staff).") var tier: Int?
        @Flag(help: "Read a password from the first line of standard input.") var passwordStdin = false

        func run() async throws {
            var object: [String: Any] = ["name": name, "role": role]
            if let email { object["email"] = email }
            if let skills { object["skills"] = skills.split(separator: ",").map(String.init) }
            if let tier { object["tier"] = tier }
            if passwordStdin { object["password"] = readLine(strippingNewline: true) ?? "" }
            let reply = try await connection.client.request("POST", "/api/v1/users", body: try JSONSerialization.data(withJSONObject: object))
            try reply.print(json: connection.json, UserCommand.table)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var connection: TicketCommand.Connection

        func run() async throws {
            let reply = try await connection.client.request("GET", "/api/v1/users")
            try reply.print(json: connection.json) { object in
                UserCommand.table(["users": object["users"] ?? []])
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change an account: role, e-mail, skills, tier, password; disable or enable it.")
        @OptionGroup var connection: TicketCommand.Connection
        @Argument var name: String
        @Option var role: String?
        @Option var email: String?
        @Option(help: "Comma-separated skills.") var skills: String?
        @Option var tier: Int?
        @Flag(help: "Disable the account: its tokens and sessions stop working; its history stays.") var disable = false
        @Flag(help: "Enable a disabled account.") var enable = false
        @Flag(help: "Read a new password from the first line of standard input.") var passwordStdin = false

        func run() async throws {
            var object: [String: Any] = [:]
            if let role { object["role"] = role }
            if let email { object["email"] = email }
            if let skills { object["skills"] = skills.split(separator: ",").map(String.init) }
            if let tier { object["tier"] = tier }
            if disable && enable { throw ValidationError("--disable and --enable exclude each other") }
            if disable { object["disabled"] = true }
            if enable { object["disabled"] = false }
            if passwordStdin { object["password"] = readLine(strippingNewline: true) ?? "" }
            let reply = try await connection.client.request("PATCH", "/api/v1/users/" + TokenCommand.escape(name),
                                                            body: try JSONSerialization.data(withJSONObject: object))
            try reply.print(json: connection.json, UserCommand.table)
        }
    }

    /// One account or a list of them (`{"users":[…]}`) as a table.
    static func table(_ object: [String: Any]) -> String {
        let users = object["users"] as? [[String: Any]] ?? [object]
        let pad = TicketTable.pad
        var lines = ["\(pad("NAME", 20)) \(pad("ROLE", 9)) \(pad("EMAIL", 28)) \(pad("TIER", 5)) \(pad("STATE", 9)) SKILLS"]
        for user in users {
            let state = (user["disabled"] as? Bool ?? false) ? "disabled" : "active"
            let skills = (user["skills"] as? [String] ?? []).joined(separator: ",")
            lines.append("\(pad(user["name"] as? String ?? "", 20)) \(pad(user["role"] as? String ?? "", 9)) "
                         + "\(pad(user["email"] as? String ?? "-", 28)) \(pad("\(user["tier"] ?? "")", 5)) \(pad(state, 9)) "
                         + (skills.isEmpty ? "-" : skills))
        }
        return lines.joined(separator: "\n")
    }
}

/// `desk audit`: the audit log (admin).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log: every change of accounts, tokens, macros, SLA policies and agent keys, oldest first.")
    @OptionGroup var connection: TicketCommand.Connection
    @Option(help: "Entries after this id.") var after: Int64 = 0
    @Option(help: "At most this many (1 to 1000).") var limit = 100

    func run() async throws {
        let reply = try await connection.client.request("GET", "/api/v1/audit?after=\(after)&limit=\(limit)")
        try reply.print(json: connection.json) { object in
            let entries = object["entries"] as? [[String: Any]] ?? []
            let formatter = ISO8601DateFormatter()
            return (["\(TicketTable.pad("ID", 6)) \(TicketTable.pad("AT", 21)) \(TicketTable.pad("ACTION", 14)) \(TicketTable.pad("TARGET", 24)) ACTOR"]
                    + entries.map { entry in
                        let at = formatter.string(from: Date(timeIntervalSince1970: ((entry["at"] as? NSNumber)?.doubleValue ?? 0) / 1000))
                        return "\(TicketTable.pad("\(entry["id"] ?? "")", 6)) \(TicketTable.pad(at, 21)) "
                            + "\(TicketTable.pad(entry["action"] as? String ?? "", 14)) \(TicketTable.pad(entry["target"] as? String ?? "", 24)) "
                            + "\(entry["actor"] as? String ?? "")"
                    }).joined(separator: "\n")
        }
    }
}
