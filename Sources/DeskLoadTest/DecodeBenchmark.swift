import DeskModel
import Foundation

/// The cost of strict intake decoding: a batch body of `tickets` tickets decoded as the API does
/// (`Strict`, refusing unknown fields) against a plain `JSONDecoder`, per ticket.
public enum DecodeBenchmark {
    /// Decoded as the API decodes a batch (`IntakeBatch`): it and its items check their own keys.
    struct Batch: ChecksOwnKeys {
        struct Item: Decodable {
            let request: IntakeRequest
            init(from decoder: any Decoder) throws { request = try Strict<IntakeRequest>(from: decoder).value }
        }
        let tickets: [Item]
        enum CodingKeys: String, CodingKey { case tickets }
        init(from decoder: any Decoder) throws {
            let raw = try decoder.container(keyedBy: StrictKey.self)
            if let unknown = raw.allKeys.first(where: { $0.stringValue != "tickets" }) { throw UnknownFieldError(path: [unknown.stringValue]) }
            tickets = try decoder.container(keyedBy: CodingKeys.self).decode([Item].self, forKey: .tickets)
        }
    }

    /// The same through the generic audit (what every other body of the API costs per object).
    struct AuditedBatch: Decodable {
        struct Audited: Decodable {
            let subject, body, requester, priority, category, channel: String?
            let tags: [String]?
            let idempotency_key: String?
        }
        let tickets: [Audited]
    }

    struct PlainBatch: Decodable { let tickets: [IntakeRequest] }

    public static func run(tickets: Int, rounds: Int) throws -> [String] {
        let item = #"{"subject":"Printer jammed on floor 3","body":"It beeps and shows E-42 since this morning.","#
            + #""requester":"user@example.com","priority":"P2","category":"hardware","channel":"api","tags":["printer","floor-3"],"#
            + #""idempotency_key":"bench-"#
        let body = Data(("{\"tickets\":[" + (0..<tickets).map { item + "\($0)\"}" }.joined(separator: ",") + "]}").utf8)
        func time(_ decode: () throws -> Int) rethrows -> Double {
            var best = Double.infinity
            for _ in 0..<rounds {
                let start = ContinuousClock.now
                let decoded = try decode()
                precondition(decoded == tickets)
                let elapsed = ContinuousClock.now - start
                best = min(best, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            }
            return best / Double(tickets) * 1e6
        }
        let plain = try time { try JSONDecoder().decode(PlainBatch.self, from: body).tickets.count }
        let strict = try time { try JSONDecoder().decode(Strict<Batch>.self, from: body).value.tickets.count }
        let audited = try time { try JSONDecoder().decode(Strict<AuditedBatch>.self, from: body).value.tickets.count }
        return [
            "decode \(tickets)-ticket batch body (\(body.count) bytes), best of \(rounds):",
            String(format: "  plain JSONDecoder   %.2f µs/ticket", plain),
            String(format: "  intake (API)        %.2f µs/ticket  (+%.2f µs, x%.2f)", strict, strict - plain, strict / plain),
            String(format: "  generic audit       %.2f µs/ticket  (+%.2f µs, x%.2f)", audited, audited - plain, audited / plain),
        ]
    }
}
