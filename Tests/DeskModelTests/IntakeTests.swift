import Testing
@testable import DeskModel

@Suite("Intake validation and routing rules")
struct IntakeTests {
    let valid = IntakeRequest(subject: " Printer jammed ", body: "It beeps.", requester: "ana@example.com",
                              priority: "p1", category: "Hardware", tags: ["printer", " "])

    @Test("a valid request becomes a ticket: trimmed, defaults applied, priority parsed")
    func validRequest() throws {
        let ticket = try valid.validated()
        #expect(ticket.subject == "Printer jammed")
        #expect(ticket.priority == .p1)
        #expect(ticket.category == "hardware")
        #expect(ticket.channel == "api")
        #expect(ticket.tags == ["printer"])
        #expect(try IntakeRequest(subject: "s", body: "b", requester: "a@b.co").validated().priority == .p3)
    }

    @Test("each invalid field is refused with an error naming it", arguments: [
        (IntakeRequest(body: "b", requester: "a@b.co"), "subject"),
        (IntakeRequest(subject: "   ", body: "b", requester: "a@b.co"), "subject"),
        (IntakeRequest(subject: String(repeating: "s", count: 201), body: "b", requester: "a@b.co"), "subject"),
        (IntakeRequest(subject: "s", requester: "a@b.co"), "body"),
        (IntakeRequest(subject: "s", body: "b"), "requester"),
        (IntakeRequest(subject: "s", body: "b", requester: "not-an-address"), "requester"),
        (IntakeRequest(subject: "s", body: "b", requester: "a b@c.d"), "requester"),
        (IntakeRequest(subject: "s", body: "b", requester: "a@b.co", priority: "urgent"), "priority"),
        (IntakeRequest(subject: "s", body: "b", requester: "a@b.co", channel: "fax"), "channel"),
        (IntakeRequest(subject: "s", body: "b", requester: "a@b.co", tags: Array(repeating: "t", count: 21)), "tags"),
        (IntakeRequest(subject: "s", body: "b", requester: "a@b.co", idempotencyKey: ""), "idempotency_key"),
        (IntakeRequest(subject: "s", body: "b", requester: "a@b.co", idempotencyKey: "k\u{0}1"), "idempotency_key"),
        (IntakeRequest(subject: "s\u{0}", body: "b", requester: "a@b.co"), "subject"),
        (IntakeRequest(subject: "s", body: "b\u{0}b", requester: "a@b.co"), "body"),
        (IntakeRequest(subject: "s", body: "b", requester: "a@b.co", category: "x\u{0}"), "category"),
        (IntakeRequest(subject: "s", body: "b", requester: "a@b.co", tags: ["ok", "t\u{0}"]), "tags"),
    ])
    func invalidField(request: IntakeRequest, field: String) {
        #expect(throws: IntakeError.self) { try request.validated() }
        do {
            _ = try request.validated()
        } catch {
            #expect(error.field == field)
            #expect(!error.message.isEmpty)
        }
    }

    @Test("routing: first matching rule gives the skill and tier; keywords match subject or body, any case")
    func routing() throws {
        let rules = RoutingRules([
            .init(category: "security", skill: "security", tier: 2),
            .init(keywords: ["VPN", "dns"], skill: "network"),
            .init(category: "billing", skill: "billing"),
        ])
        func route(_ subject: String, _ body: String = "b", category: String = "") throws -> (String, Int) {
            let ticket = rules.route(try IntakeRequest(subject: subject, body: body, requester: "a@b.co", category: category).validated())
            return (ticket.skill, ticket.tier)
        }
        #expect(try route("breach", category: "security") == ("security", 2))
        #expect(try route("cannot reach vpn") == ("network", 1))
        #expect(try route("slow", "DNS lookups time out") == ("network", 1))
        #expect(try route("invoice", category: "billing") == ("billing", 1))
        #expect(try route("vpn invoice", category: "billing") == ("network", 1), "first match wins")
        #expect(try route("hello") == ("", 1), "no match: any agent")
    }

    @Test("service times parse and sample with the right mean")
    func serviceTimes() throws {
        #expect(try ServiceTime(parsing: "2s") == .constant(seconds: 2))
        #expect(try ServiceTime(parsing: "500ms") == .constant(seconds: 0.5))
        #expect(try ServiceTime(parsing: "exp:3s") == .exponential(meanSeconds: 3))
        #expect(try ServiceTime(parsing: "lognormal:2s,0.5") == .lognormal(meanSeconds: 2, sigma: 0.5))
        #expect(throws: ServiceTimeError.self) { try ServiceTime(parsing: "soon") }
        #expect(throws: ServiceTimeError.self) { try ServiceTime(parsing: "-1s") }
        var generator = SystemRandomNumberGenerator()
        for distribution in [ServiceTime.exponential(meanSeconds: 2), .lognormal(meanSeconds: 2, sigma: 0.5)] {
            let n = 100_000
            let mean = (0..<n).reduce(0.0) { sum, _ in sum + distribution.sample(using: &generator) } / Double(n)
            #expect(abs(mean - 2) < 0.1, "\(distribution) sample mean \(mean)")  // ~7 standard errors
        }
    }

    @Test("target durations are positive and at most 366 days, so no due time can overflow", arguments: [
        ("90s", Millis?(90_000)), ("15m", 900_000), ("4h", 14_400_000), ("500ms", 500), ("8784h", 366 * 86_400_000),
        ("8785h", nil), ("1e300s", nil), ("9223372036800000s", nil), ("0s", nil), ("-1m", nil), ("nans", nil),
        ("infs", nil), ("soon", nil), ("", nil),
    ])
    func targetDurations(text: String, millis: Millis?) {
        #expect(TargetDuration.millis(text) == millis)
    }
}
