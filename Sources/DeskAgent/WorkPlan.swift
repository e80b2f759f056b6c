import DeskModel
import DeskProtocol

/// What an agent does with one assignment: reports to send, each after a delay from the previous one.
public struct WorkPlan: Sendable {
    /// A report to send; the runtime fills in the sequence number and the lease.
    public enum Report: Sendable {
        case accept
        case progress(note: String, percent: UInt32?)
        case reply(body: String, macro: String)
        case note(String)
        case status(TicketStatus)
        case escalate(reason: String, tier: UInt32, priority: Priority?)
        case release(reason: String)
        case resolve(resolution: String)
        case update(priority: Priority?, category: String?, addTags: [String], removeTags: [String])
        case applyMacro(String)
    }

    public var steps: [(delaySeconds: Double, report: Report)]
    /// When set, each step waits for the coordinator's ACK of the one before; if a step is refused, the
    /// rest is dropped and this report is sent instead (a bot hands the ticket to people).
    public var fallback: Report?

    public init(_ steps: [(delaySeconds: Double, report: Report)], fallback: Report? = nil) {
        self.steps = steps
        self.fallback = fallback
    }

    /// The simulated worker's plan: work for `seconds` (progress at the half-way mark when it takes any
    /// time at all), answer the customer with `replyMacro` when given, then resolve.
    public static func simulated(seconds: Double, replyMacro: String? = nil) -> WorkPlan {
        let answer: [(delaySeconds: Double, report: Report)] = replyMacro.map { [(0, .applyMacro($0))] } ?? []
        if seconds <= 0 { return WorkPlan(answer + [(0, .resolve(resolution: "done (simulated)"))]) }
        let work: [(delaySeconds: Double, report: Report)] = [(seconds / 2, .progress(note: "working (simulated)", percent: 50))]
        guard let first = answer.first else { return WorkPlan(work + [(seconds / 2, .resolve(resolution: "done (simulated)"))]) }
        return WorkPlan(work + [(seconds / 2, first.report), (0, .resolve(resolution: "done (simulated)"))])
    }
}

extension WorkPlan.Report {
    /// The wire message for this report under `lease` with `sequence`.
    func message(lease: WireLeaseRef, sequence: UInt64) -> WireMessage {
        switch self {
        case .accept:
            var m = WireAccept(); m.seq = sequence; m.lease = lease; return .accept(m)
        case .progress(let note, let percent):
            var m = WireProgress(); m.seq = sequence; m.lease = lease; m.note = note
            if let percent { m.percent = percent }
            return .progress(m)
        case .reply(let body, let macro):
            var m = WireReply(); m.seq = sequence; m.lease = lease; m.body = body; m.macro = macro; return .reply(m)
        case .note(let body):
            var m = WireNote(); m.seq = sequence; m.lease = lease; m.body = body; return .note(m)
        case .status(let status):
            var m = WireStatusChange(); m.seq = sequence; m.lease = lease; m.status = status.wire; return .statusChange(m)
        case .escalate(let reason, let tier, let priority):
            var m = WireEscalate(); m.seq = sequence; m.lease = lease; m.reason = reason; m.tier = tier
            m.priority = priority?.wire ?? .unspecified
            return .escalate(m)
        case .release(let reason):
            var m = WireRelease(); m.seq = sequence; m.lease = lease; m.reason = reason; return .release(m)
        case .resolve(let resolution):
            var m = WireResolve(); m.seq = sequence; m.lease = lease; m.resolution = resolution; return .resolve(m)
        case .update(let priority, let category, let addTags, let removeTags):
            var m = WireUpdate(); m.seq = sequence; m.lease = lease
            m.priority = priority?.wire ?? .unspecified
            if let category { m.category = category }
            m.addTags = addTags
            m.removeTags = removeTags
            return .update(m)
        case .applyMacro(let name):
            var m = WireApplyMacro(); m.seq = sequence; m.lease = lease; m.macro = name; return .applyMacro(m)
        }
    }

    /// Whether the lease ends with this report (a macro may end it too: the coordinator then sends REVOKE).
    public var endsLease: Bool {
        switch self {
        case .resolve, .release, .escalate: true
        default: false
        }
    }
}
