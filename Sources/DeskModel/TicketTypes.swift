/// Ticket types (incident, question, access request, feature request, …), each with the fields a request
/// of that type must carry. Defined in the coordinator's config (`ticket_types:`) or the standard set;
/// checked at intake for every channel (API, portal, batch), and rendered as the portal's form.
public struct TicketType: Sendable, Equatable, Codable {
    public var name: String
    public var label: String
    public var description: String
    public var fields: [TicketField]

    public init(name: String, label: String, description: String = "", fields: [TicketField]) {
        self.name = name
        self.label = label
        self.description = description
        self.fields = fields
    }
}

/// One field of a ticket type: free text (one line or several) or one of a list of choices.
public struct TicketField: Sendable, Equatable, Codable {
    public var name: String
    public var label: String
    public var required: Bool
    /// `text`, `textarea` or `choice`.
    public var kind: String
    /// The values a `choice` field takes, in the order the form lists them.
    public var choices: [String]
    public var help: String

    public init(name: String, label: String, required: Bool = true, kind: String = "text", choices: [String] = [], help: String = "") {
        self.name = name
        self.label = label
        self.required = required
        self.kind = kind
        self.choices = choices
        self.help = help
    }

    /// The largest value of a field, in characters.
    public static let maxLength = 4000
}

public struct TicketTypes: Sendable, Equatable {
    public var types: [TicketType]

    public init(_ types: [TicketType]) { self.types = types }

    public func type(named name: String) -> TicketType? { types.first { $0.name == name } }

    /// The impact and urgency choices of the standard types, least first: together they suggest a priority.
    public static let impacts = ["one person", "a team", "everyone"]
    public static let urgencies = ["it can wait", "work is slowed", "work is stopped"]

    /// The priority an `impact` and an `urgency` field suggest (ITIL's matrix: the higher both, the more
    /// urgent), or nil when the type has no such fields or they are not among the standard choices.
    public static func suggestedPriority(impact: String?, urgency: String?) -> Priority? {
        guard let impact, let urgency, let i = impacts.firstIndex(of: impact), let u = urgencies.firstIndex(of: urgency) else { return nil }
        switch i + u {
        case 4: return .p1
        case 3: return .p2
        case 2: return .p3
        default: return .p4
        }
    }

    public static let standard = TicketTypes([
        TicketType(name: "incident", label: "Something is broken", description: "An error, an outage, something that worked and no longer does.",
                   fields: [
                       TicketField(name: "product_area", label: "Product area", kind: "choice",
                                   choices: ["web app", "mobile app", "API", "billing", "account and sign-in", "other"]),
                       TicketField(name: "impact", label: "Who is affected", kind: "choice", choices: impacts),
                       TicketField(name: "urgency", label: "How urgent is it", kind: "choice", choices: urgencies),
                       TicketField(name: "steps_tried", label: "What have you tried", required: false, kind: "textarea"),
                       TicketField(name: "environment", label: "Environment (browser, app version, system)", required: false),
                   ]),
        TicketType(name: "question", label: "A question", description: "How to do something, or what something means.",
                   fields: [TicketField(name: "product_area", label: "Product area", required: false, kind: "choice",
                                        choices: ["web app", "mobile app", "API", "billing", "account and sign-in", "other"])]),
        TicketType(name: "access_request", label: "Access request", description: "Access to a system, a role, a licence.",
                   fields: [
                       TicketField(name: "system", label: "Which system"),
                       TicketField(name: "access", label: "Which access or role"),
                       TicketField(name: "approver", label: "Who approves it (e-mail)", required: false),
                   ]),
        TicketType(name: "feature_request", label: "A feature request", description: "Something you would like the product to do.",
                   fields: [
                       TicketField(name: "product_area", label: "Product area", kind: "choice",
                                   choices: ["web app", "mobile app", "API", "billing", "account and sign-in", "other"]),
                       TicketField(name: "problem", label: "What problem would it solve", kind: "textarea"),
                   ]),
    ])

    /// Checks a request's `type` and `fields` against the types: the type must be known (when given),
    /// every required field present and not blank, no unknown field, a choice among its choices, no field
    /// over the limit or holding a NUL. The checked fields, and the priority their impact and urgency
    /// suggest. Without a type, no fields may be given.
    public func check(type name: String?, fields given: [String: String]?) throws(IntakeError) -> (type: String, fields: [String: String], suggested: Priority?) {
        guard let name, !name.isEmpty else {
            if let given, let field = given.keys.sorted().first {
                throw IntakeError(field: "fields.\(field)", "fields need a type: give \"type\" (one of \(types.map(\.name).joined(separator: ", ")))")
            }
            return ("", [:], nil)
        }
        guard let type = type(named: name) else {
            throw IntakeError(field: "type", "unknown ticket type '\(name.prefix(64))': expected one of \(types.map(\.name).joined(separator: ", "))")
        }
        let given = given ?? [:]
        if let unknown = given.keys.sorted().first(where: { key in !type.fields.contains { $0.name == key } }) {
            throw IntakeError(field: "fields.\(unknown.prefix(64))", "unknown field '\(unknown.prefix(64))' for type \(type.name): "
                              + "it takes \(type.fields.map(\.name).joined(separator: ", "))")
        }
        var checked: [String: String] = [:]
        for field in type.fields {
            let value = (given[field.name] ?? "").trimmed
            if value.containsNUL { throw IntakeError(field: "fields.\(field.name)", "\(field.label) contains a NUL character (U+0000)") }
            if value.isEmpty {
                if field.required { throw IntakeError(field: "fields.\(field.name)", "\(field.label) is required") }
                continue
            }
            guard value.count <= TicketField.maxLength else {
                throw IntakeError(field: "fields.\(field.name)", "\(field.label) is \(value.count) characters; the limit is \(TicketField.maxLength)")
            }
            if field.kind == "choice", !field.choices.contains(value) {
                throw IntakeError(field: "fields.\(field.name)", "\(field.label): '\(value.prefix(64))' is not one of \(field.choices.joined(separator: ", "))")
            }
            checked[field.name] = value
        }
        return (type.name, checked, Self.suggestedPriority(impact: checked["impact"], urgency: checked["urgency"]))
    }

    /// Checks a set of types as a config defines them: names and fields well formed and unique.
    public func validate() throws(IntakeError) {
        var names = Set<String>()
        for type in types {
            guard Self.isName(type.name), names.insert(type.name).inserted else {
                throw IntakeError(field: "ticket_types", "type name '\(type.name)' must be unique, 1 to 40 of a-z, 0-9 and _")
            }
            var fieldNames = Set<String>()
            for field in type.fields {
                guard Self.isName(field.name), fieldNames.insert(field.name).inserted else {
                    throw IntakeError(field: "ticket_types", "type \(type.name): field name '\(field.name)' must be unique, 1 to 40 of a-z, 0-9 and _")
                }
                guard ["text", "textarea", "choice"].contains(field.kind) else {
                    throw IntakeError(field: "ticket_types", "type \(type.name), field \(field.name): kind is text, textarea or choice, not '\(field.kind)'")
                }
                guard field.kind != "choice" || !field.choices.isEmpty else {
                    throw IntakeError(field: "ticket_types", "type \(type.name), field \(field.name): a choice needs choices")
                }
            }
        }
    }

    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 40 && text.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }
}
