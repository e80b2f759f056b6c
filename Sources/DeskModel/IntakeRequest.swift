/// A ticket as a client posts it: every field optional, so validation can name exactly what is wrong.
public struct IntakeRequest: Sendable, Codable, Equatable, ChecksOwnKeys {
    public var subject: String?
    public var body: String?
    public var requester: String?
    public var priority: String?
    public var category: String?
    public var channel: String?
    public var tags: [String]?
    public var idempotencyKey: String?
    /// The ticket type (`TicketTypes`) and its fields, checked by the coordinator against its types.
    public var type: String?
    public var fields: [String: String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case subject, body, requester, priority, category, channel, tags, type, fields
        case idempotencyKey = "idempotency_key"
    }

    /// Decodes the fields and refuses any other key itself: intake is the hot path, and a single pass
    /// over the object's keys costs nothing beside the generic audit of `Strict`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try decoder.container(keyedBy: StrictKey.self)
        if let unknown = raw.allKeys.first(where: { CodingKeys(stringValue: $0.stringValue) == nil }) {
            throw UnknownFieldError(path: decoder.codingPath.map(\.component) + [unknown.stringValue])
        }
        subject = try container.decodeIfPresent(String.self, forKey: .subject)
        body = try container.decodeIfPresent(String.self, forKey: .body)
        requester = try container.decodeIfPresent(String.self, forKey: .requester)
        priority = try container.decodeIfPresent(String.self, forKey: .priority)
        category = try container.decodeIfPresent(String.self, forKey: .category)
        channel = try container.decodeIfPresent(String.self, forKey: .channel)
        tags = try container.decodeIfPresent([String].self, forKey: .tags)
        idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey)
        type = try container.decodeIfPresent(String.self, forKey: .type)
        fields = try container.decodeIfPresent([String: String].self, forKey: .fields)
    }

    public init(subject: String? = nil, body: String? = nil, requester: String? = nil, priority: String? = nil,
                category: String? = nil, channel: String? = nil, tags: [String]? = nil, idempotencyKey: String? = nil,
                type: String? = nil, fields: [String: String]? = nil) {
        self.type = type
        self.fields = fields
        self.subject = subject
        self.body = body
        self.requester = requester
        self.priority = priority
        self.category = category
        self.channel = channel
        self.tags = tags
        self.idempotencyKey = idempotencyKey
    }

    /// Field limits, in characters.
    public enum Limits {
        public static let subject = 200
        public static let body = 100_000
        public static let requester = 254
        public static let category = 64
        public static let tag = 40
        public static let tags = 20
        public static let idempotencyKey = 128
    }

    /// The channels intake accepts.
    public static let channels: Set<String> = ["api", "web", "email", "chat", "bulk"]

    /// Checks every field and returns the ticket to store, or the first problem found, naming the field.
    public func validated() throws(IntakeError) -> NewTicket {
        // NUL is refused everywhere: SQLite's C strings end at it, so a key with one is looked up short
        // and stored whole (that once stopped the coordinator on a unique-constraint failure).
        for (field, text) in [("subject", subject), ("body", body), ("requester", requester), ("priority", priority),
                              ("category", category), ("channel", channel), ("idempotency_key", idempotencyKey)] {
            if let text, text.containsNUL { throw IntakeError(field: field, "\(field) contains a NUL character (U+0000)") }
        }
        if let type, type.containsNUL { throw IntakeError(field: "type", "type contains a NUL character (U+0000)") }
        if let fields, fields.keys.contains(where: \.containsNUL) { throw IntakeError(field: "fields", "a field name contains a NUL character (U+0000)") }
        if let tags, tags.contains(where: \.containsNUL) {
            throw IntakeError(field: "tags", "tags contain a NUL character (U+0000)")
        }
        let subject = (self.subject ?? "").trimmed
        guard !subject.isEmpty else { throw IntakeError(field: "subject", "subject is required") }
        guard subject.utf8.count <= Limits.subject || subject.count <= Limits.subject else {
            throw IntakeError(field: "subject", "subject is \(subject.count) characters; the limit is \(Limits.subject)")
        }
        let body = self.body ?? ""
        guard body.hasContent else { throw IntakeError(field: "body", "body is required") }
        // A string has at most as many characters as UTF-8 bytes: count characters only when it matters.
        guard body.utf8.count <= Limits.body || body.count <= Limits.body else {
            throw IntakeError(field: "body", "body is \(body.count) characters; the limit is \(Limits.body)")
        }
        // Lowercased: a customer's tickets are found by their address whatever case it was typed in.
        let requester = (self.requester ?? "").trimmed.lowercased()
        guard !requester.isEmpty else { throw IntakeError(field: "requester", "requester (an e-mail address) is required") }
        guard requester.utf8.count <= Limits.requester || requester.count <= Limits.requester,
              requester.isPlausibleEmail else {
            throw IntakeError(field: "requester", "requester must be an e-mail address like name@example.com")
        }
        var priority = Priority.default
        if let label = self.priority {
            guard let parsed = Priority(label: label) else {
                throw IntakeError(field: "priority", "unknown priority '\(label)': expected P1, P2, P3 or P4")
            }
            priority = parsed
        }
        let category = (self.category ?? "").trimmed.lowercased()
        guard category.count <= Limits.category else {
            throw IntakeError(field: "category", "category is \(category.count) characters; the limit is \(Limits.category)")
        }
        let channel = (self.channel ?? "api").trimmed.lowercased()
        guard Self.channels.contains(channel) else {
            throw IntakeError(field: "channel", "unknown channel '\(channel)': expected one of \(Self.channels.sorted().joined(separator: ", "))")
        }
        let tags = (self.tags ?? []).map(\.trimmed).filter { !$0.isEmpty }
        guard tags.count <= Limits.tags else {
            throw IntakeError(field: "tags", "\(tags.count) tags; the limit is \(Limits.tags)")
        }
        if let long = tags.first(where: { $0.count > Limits.tag }) {
            throw IntakeError(field: "tags", "tag '\(long.prefix(20))…' is over \(Limits.tag) characters")
        }
        if let key = idempotencyKey, key.isEmpty || key.count > Limits.idempotencyKey {
            throw IntakeError(field: "idempotency_key", "idempotency_key must be 1 to \(Limits.idempotencyKey) characters")
        }
        var ticket = NewTicket(subject: subject, body: body, requester: requester, priority: priority,
                               category: category, channel: channel, tags: tags, idempotencyKey: idempotencyKey)
        ticket.type = type ?? ""
        ticket.fields = fields ?? [:]
        return ticket
    }
}

/// An intake field that fails validation.
public struct IntakeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The JSON field at fault.
    public let field: String
    public let message: String
    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { message }
}

extension String {
    /// Without leading and trailing white space. Returns `self` untouched when both ends are plain ASCII
    /// non-space bytes (the usual case), so valid input costs no copy.
    var trimmed: String {
        if let first = utf8.first, let last = utf8.last, first.isPlainASCII, last.isPlainASCII { return self }
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    /// Whether the string holds U+0000, which C strings (and so parts of SQLite's API) cut at.
    public var containsNUL: Bool { utf8.contains(0) }

    /// Whether anything but white space is in the string.
    var hasContent: Bool {
        if utf8.contains(where: { $0.isPlainASCII }) { return true }
        return contains { !$0.isWhitespace }
    }

    /// One `@`, something before it, a dot in the domain, no spaces or control characters.
    public var isPlausibleEmail: Bool {
        var at: Int?
        var index = 0
        for byte in utf8 {
            if byte == UInt8(ascii: "@") {
                if at != nil { return false }
                at = index
            } else if byte <= 0x20 || byte == 0x7F {
                return false
            }
            index += 1
        }
        guard let at, at > 0, at < index - 1 else { return false }
        let domain = utf8.dropFirst(at + 1)
        guard domain.contains(UInt8(ascii: ".")), domain.first != UInt8(ascii: "."),
              domain.last != UInt8(ascii: ".") else { return false }
        // Non-ASCII white space (rare) still refuses the address.
        return utf8.allSatisfy({ $0 < 0x80 }) || !contains { $0.isWhitespace }
    }
}

extension UInt8 {
    /// An ASCII byte that is neither white space nor a control character.
    var isPlainASCII: Bool { self > 0x20 && self < 0x7F }
}
