import DeskModel
import Testing

@Suite("ticket types") struct TicketTypesTests {
    let types = TicketTypes.standard

    @Test func aCompleteIncidentIsCheckedAndSuggestsItsPriority() throws {
        let checked = try types.check(type: "incident", fields: ["product_area": "API", "impact": "everyone", "urgency": "work is stopped",
                                                                 "steps_tried": "  restarted  ", "environment": ""])
        #expect(checked.type == "incident" && checked.suggested == .p1)
        #expect(checked.fields == ["product_area": "API", "impact": "everyone", "urgency": "work is stopped", "steps_tried": "restarted"],
                "trimmed, and an empty optional field is left out")
    }

    @Test func eachProblemNamesItsField() {
        func field(_ type: String?, _ fields: [String: String]?) -> String? {
            do { _ = try types.check(type: type, fields: fields); return nil } catch { return error.field }
        }
        #expect(field("incident", ["impact": "everyone", "urgency": "work is stopped"]) == "fields.product_area")
        #expect(field("incident", ["product_area": "API", "impact": "the moon", "urgency": "work is stopped"]) == "fields.impact")
        #expect(field("incident", ["product_area": "API", "impact": "everyone", "urgency": "work is stopped", "colour": "red"]) == "fields.colour")
        #expect(field("incident", ["product_area": "API", "impact": "everyone", "urgency": "   "]) == "fields.urgency")
        #expect(field("access_request", ["system": "VPN", "access": "admin\u{0}"]) == "fields.access")
        #expect(field("access_request", ["system": "VPN", "access": String(repeating: "x", count: 4001)]) == "fields.access")
        #expect(field("complaint", [:]) == "type")
        #expect(field(nil, ["impact": "everyone"]) == "fields.impact", "fields need a type")
        #expect(field(nil, nil) == nil && field("", nil) == nil, "no type, no fields: nothing to check")
        #expect(field("question", nil) == nil, "a type whose fields are all optional")
    }

    @Test func impactAndUrgencySuggestAPriority() {
        #expect(TicketTypes.suggestedPriority(impact: "everyone", urgency: "work is stopped") == .p1)
        #expect(TicketTypes.suggestedPriority(impact: "a team", urgency: "work is stopped") == .p2)
        #expect(TicketTypes.suggestedPriority(impact: "everyone", urgency: "it can wait") == .p3)
        #expect(TicketTypes.suggestedPriority(impact: "one person", urgency: "it can wait") == .p4)
        #expect(TicketTypes.suggestedPriority(impact: "one person", urgency: nil) == nil)
    }

    @Test func aConfigsTypesAreCheckedForShape() throws {
        try TicketTypes.standard.validate()
        #expect(throws: IntakeError.self) { try TicketTypes([TicketType(name: "Bad Name", label: "x", fields: [])]).validate() }
        #expect(throws: IntakeError.self) {
            try TicketTypes([TicketType(name: "a", label: "x", fields: [TicketField(name: "f", label: "F", kind: "choice")])]).validate()
        }
        #expect(throws: IntakeError.self) {
            try TicketTypes([TicketType(name: "a", label: "x", fields: [TicketField(name: "f", label: "F"), TicketField(name: "f", label: "G")])]).validate()
        }
    }
}
