import DeskModel

/// What the coordinator does about a queue no connected agent can take (issue 13, item 5): after
/// `noticeAfterMs` each waiting ticket gets a `stranded` event, the log a warning and `/metrics` a count;
/// after `fallbackAfterMs` (when set) its tickets move to the fallback queue.
public struct StrandedPolicy: Sendable, Equatable {
    public enum Fallback: Sendable, Equatable {
        /// The highest lower tier, of the same skill, that a connected agent can take.
        case lowerTier
        /// A named queue: this skill (empty: any) at this tier.
        case queue(skill: String, tier: Int)
    }

    /// How long a queue may have no one who can take it before it is reported: long enough for the
    /// agents of a starting cluster to say HELLO.
    public var noticeAfterMs: Millis = 30_000
    public var fallbackAfterMs: Millis?
    public var fallback: Fallback = .lowerTier

    public init(noticeAfterMs: Millis = 30_000, fallbackAfterMs: Millis? = nil, fallback: Fallback = .lowerTier) {
        self.noticeAfterMs = noticeAfterMs
        self.fallbackAfterMs = fallbackAfterMs
        self.fallback = fallback
    }

    public static let standard = StrandedPolicy()
}

/// The config file's `stranded:` section.
///
/// ```yaml
/// stranded:
///   notice_after: 30s             # then: a stranded event per ticket, a warning, desk_tickets_stranded
///   fallback_after: 10m           # absent: tickets wait for someone who can take them
///   fallback: lower_tier          # or { skill: general, tier: 1 }
/// ```
struct StrandedSection: Decodable, Sendable {
    struct Queue: Decodable, Sendable {
        var skill: String?
        var tier: Int
    }

    enum FallbackSpec: Decodable, Sendable {
        case lowerTier
        case queue(Queue)
        init(from decoder: any Decoder) throws {
            if let word = try? decoder.singleValueContainer().decode(String.self) {
                guard word == "lower_tier" else {
                    throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription:
                        "fallback is lower_tier or { skill: NAME, tier: 1-3 }, got '\(word)'"))
                }
                self = .lowerTier
                return
            }
            self = .queue(try Queue(from: decoder))
        }
    }

    var noticeAfter: String?
    var fallbackAfter: String?
    var fallback: FallbackSpec?

    enum CodingKeys: String, CodingKey {
        case noticeAfter = "notice_after", fallbackAfter = "fallback_after", fallback
    }

    func policy(path: String) throws(ConfigError) -> StrandedPolicy {
        var policy = StrandedPolicy()
        func millis(_ text: String?, _ field: String) throws(ConfigError) -> Millis? {
            guard let text else { return nil }
            guard let value = TargetDuration.millis(text) else { throw ConfigError("\(path): " + TargetDuration.problem(text, field: field)) }
            return value
        }
        if let notice = try millis(noticeAfter, "stranded.notice_after") { policy.noticeAfterMs = notice }
        policy.fallbackAfterMs = try millis(fallbackAfter, "stranded.fallback_after")
        switch fallback {
        case .none, .lowerTier: policy.fallback = .lowerTier
        case .queue(let queue):
            guard (1...3).contains(queue.tier) else { throw ConfigError("\(path): stranded.fallback tier must be 1 to 3, got \(queue.tier)") }
            policy.fallback = .queue(skill: queue.skill ?? "", tier: queue.tier)
        }
        return policy
    }
}
