/// A ticket's priority, P1 (most urgent) to P4.
///
/// The raw value is the number, so `p1 < p4` orders the queue: lower raw value goes first.
public enum Priority: Int, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case p1 = 1, p2 = 2, p3 = 3, p4 = 4

    /// The default for a ticket that names none.
    public static let `default` = Priority.p3

    /// Parses `"P1"`…`"P4"` (case-insensitive); nil for anything else.
    public init?(label: String) {
        switch label.uppercased() {
        case "P1": self = .p1
        case "P2": self = .p2
        case "P3": self = .p3
        case "P4": self = .p4
        default: return nil
        }
    }

    /// `"P1"`…`"P4"`.
    public var label: String { "P\(rawValue)" }
    public var description: String { label }

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }

    /// One step more urgent, stopping at P1.
    public var raised: Priority { Priority(rawValue: Swift.max(1, rawValue - 1)) ?? .p1 }

    public init(from decoder: any Decoder) throws {
        let label = try decoder.singleValueContainer().decode(String.self)
        guard let value = Priority(label: label) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "unknown priority '\(label)': expected P1, P2, P3 or P4"
            ))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(label)
    }
}
