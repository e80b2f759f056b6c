import DeskModel
import Foundation
import Hummingbird

/// The API's JSON for tickets and history, written directly as text in a fixed key order.
///
/// Foundation's `JSONSerialization` with sorted keys cost 40% of the coordinator's CPU at intake (it sorts
/// keys with ICU collation on every response); this writes the same JSON in a few microseconds.
enum TicketJSON {
    static func ticket(_ t: Ticket, history: [TicketEvent]? = nil) -> String {
        var out = "{\"id\":\(t.id),\"subject\":\(JSONText.string(t.subject)),\"body\":\(JSONText.string(t.body)),"
        out += "\"requester\":\(JSONText.string(t.requester)),\"priority\":\"\(t.priority.label)\","
        out += "\"category\":\(JSONText.string(t.category)),\"channel\":\(JSONText.string(t.channel)),"
        out += "\"tags\":\(JSONText.array(t.tags)),\"status\":\"\(t.status.rawValue)\",\"tier\":\(t.tier),"
        out += "\"skill\":\(JSONText.string(t.skill)),\"pool\":\(JSONText.string(t.pool)),\"assignee\":\(t.assignee.map(JSONText.string) ?? "null"),"
        out += "\"lease_epoch\":\(t.leaseEpoch),\"idempotency_key\":\(t.idempotencyKey.map(JSONText.string) ?? "null"),"
        out += "\"created_at\":\(t.createdAt),\"updated_at\":\(t.updatedAt)"
        if !t.type.isEmpty { out += ",\"type\":\(JSONText.string(t.type)),\"fields\":\(JSONText.object(t.fields))" }
        if let sla = t.sla {
            out += ",\"sla\":{\"policy\":\(JSONText.string(sla.policy)),\"first_response_due\":\(sla.firstResponseDue.map(String.init) ?? "null"),"
                + "\"next_response_due\":\(sla.nextResponseDue.map(String.init) ?? "null"),"
                + "\"resolution_due\":\(sla.resolutionDue.map(String.init) ?? "null")}"
        }
        if let history { out += ",\"history\":[" + history.map(event).joined(separator: ",") + "]" }
        return out + "}"
    }

    /// One history event; `detail` is JSON the coordinator wrote itself, embedded as an object.
    static func event(_ e: TicketEvent) -> String {
        "{\"at\":\(e.at),\"actor\":\(JSONText.string(e.actor)),\"kind\":\"\(e.kind.rawValue)\","
            + "\"detail\":\(e.detail.isEmpty ? "{}" : e.detail)}"
    }

    static func page(_ tickets: [Ticket], next: TicketID?) -> String {
        "{\"tickets\":[" + tickets.map { ticket($0) }.joined(separator: ",") + "],\"next_cursor\":"
            + (next.map(String.init) ?? "null") + "}"
    }

    static func response(_ json: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
