import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A minimal JSON client of the coordinator's API.
public struct APIClient: Sendable {
    /// `token`: the API token sent as `Authorization: Bearer`; nil sends none (public intake only).
    public init(base: String, token: String? = nil) {
        self.base = base
        self.token = token
    }

    public let base: String
    public let token: String?

    /// The token given on the command line, else `DESK_TOKEN`'s, else none.
    public static func token(_ option: String?) -> String? {
        if let option, !option.isEmpty { return option }
        return ProcessInfo.processInfo.environment["DESK_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
    }

    public struct Reply: Sendable {
        public let status: Int
        public let data: Data

        /// Prints the reply as a table (or JSON); a non-2xx status becomes an error with the API's message.
        public func print(json: Bool, _ table: ([String: Any]) -> String) throws {
            let object = try object()
            Swift.print(json ? String(decoding: data, as: UTF8.self) : table(object))
        }
    }

    public func request(_ method: String, _ path: String, body: Data? = nil) async throws -> Reply {
        guard let url = URL(string: base + path) else { throw APIClientError(description: "bad server URL \(base)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let token { request.setValue("Bearer " + token, forHTTPHeaderField: "Authorization") }
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

public struct APIClientError: Error, CustomStringConvertible {
    public let description: String
}

/// Readable tables of tickets.
public enum TicketTable {
    public static func ticket(_ t: [String: Any], history: Bool) -> String {
        var lines = [
            "ticket #\(t["id"] ?? "?")  \(t["status"] ?? "")  \(t["priority"] ?? "")",
            "subject:   \(t["subject"] ?? "")",
            "requester: \(t["requester"] ?? "")",
            "category:  \(t["category"] ?? "")   skill: \(t["skill"] ?? "")   tier: \(t["tier"] ?? "")",
            "assignee:  \((t["assignee"] as? String) ?? "-")   lease epoch: \(t["lease_epoch"] ?? 0)",
        ]
        if let sla = t["sla"] as? [String: Any] {
            let open = !["resolved", "closed", "archived"].contains(t["status"] as? String ?? "")
            lines.append("sla:       \(sla["policy"] as? String ?? "")   first response \(dueText(sla["first_response_due"], open: open))"
                         + "   resolution \(dueText(sla["resolution_due"], open: open))"
                         + ((sla["next_response_due"] as? NSNumber).map { _ in "   next response \(dueText(sla["next_response_due"], open: open))" } ?? ""))
        }
        if history, let events = t["history"] as? [[String: Any]] {
            lines.append("history:")
            for event in events {
                let at = (event["at"] as? Double).map { Date(timeIntervalSince1970: $0 / 1000) }
                    ?? (event["at"] as? Int).map { Date(timeIntervalSince1970: Double($0) / 1000) }
                let detail = (try? JSONSerialization.data(withJSONObject: event["detail"] ?? [:], options: [.sortedKeys, .withoutEscapingSlashes]))
                    .map { String(decoding: $0, as: UTF8.self) } ?? ""
                lines.append("  \(at.map { ISO8601DateFormatter().string(from: $0) } ?? "?")  "
                             + "\(pad(event["kind"] as? String ?? "", 15)) \(pad(event["actor"] as? String ?? "", 18)) \(detail)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// "due in 12m", "overdue by 3m", or "met / paused" when there is no due time.
    public static func dueText(_ value: Any?, open: Bool, now: Date = Date()) -> String {
        guard let number = value as? NSNumber else { return open ? "paused or met" : "-" }
        let left = number.doubleValue / 1000 - now.timeIntervalSince1970
        return left >= 0 ? "due in \(duration(left))" : "overdue by \(duration(-left))"
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m \(s % 60)s" }
        if s < 86_400 { return "\(s / 3600)h \(s % 3600 / 60)m" }
        return "\(s / 86_400)d \(s % 86_400 / 3600)h"
    }

    public static func list(_ page: [String: Any]) -> String {
        let tickets = page["tickets"] as? [[String: Any]] ?? []
        let widths = [8, 21, 4, 14]
        var lines = [TableText.row(["ID", "STATUS", "PRI", "ASSIGNEE"], widths: widths, last: "SUBJECT")]
        for t in tickets {
            lines.append(TableText.row(["\(t["id"] ?? "")", t["status"] as? String ?? "", t["priority"] as? String ?? "",
                                        (t["assignee"] as? String) ?? "-"], widths: widths, last: t["subject"] as? String ?? ""))
        }
        if let next = page["next_cursor"], !(next is NSNull) { lines.append("more: --cursor \(next)") }
        return lines.joined(separator: "\n")
    }

    public static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

extension APIClient.Reply {
    /// The body as a JSON object; a non-2xx status becomes an error with the API's message.
    public func object() throws -> [String: Any] {
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        guard (200..<300).contains(status) else { throw APIClientError(status: status, object: object, data: data) }
        return object
    }
}

extension APIClientError {
    /// The API's message, then the status and the field it names: `unknown priority 'P9': expected P1,
    /// P2, P3 or P4 (HTTP 400, field priority)`. Callers print it after `Error: ` or `error: `, so it does
    /// not start with "error" itself.
    init(status: Int, object: [String: Any], data: Data) {
        let message = object["error"] as? String ?? String(decoding: data, as: UTF8.self)
        let field = (object["field"] as? String).map { ", field \($0)" } ?? ""
        self.init(description: "\(message) (HTTP \(status)\(field))")
    }
}
