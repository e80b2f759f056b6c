/// One agent session's report sequence numbers: the coordinator's half of "at-least-once commands,
/// exactly-once effects". Pure: no I/O, no clock.
///
/// - `accepted`: the highest number taken (its effect submitted for commit, or its refusal). A report
///   above `accepted + 1` skips a number and is refused without being taken.
/// - `committed`: every report up to it is durable: its effect, or its refusal, is committed. WELCOME's
///   `last_sequence` and the ACK of a retry come only from here, so nothing is told before it is durable.
/// - between the two, reports are in flight: a retry of one is answered when the original commits.
/// - `refusals`: the refused numbers with the refusal as first sent, so a retry gets the same ERROR,
///   never an ACK. The newest `refusalLimit` are kept (a retry is of a report the agent still holds
///   unacknowledged, which is recent); the store keeps the same window across restarts.
///
/// Commits complete in submission order (the group-commit writer keeps it), so `committed` only rises.
struct ReportLedger: Sendable {
    /// What to do with a report carrying a sequence number.
    enum Verdict: Sendable, Equatable {
        /// A new report: handle it, then `take` (or `refuse`) its number.
        case take
        /// A retry of a committed report: ACK again, change nothing.
        case acknowledge
        /// A retry of a refused report: send this refusal again.
        case refuseAgain(code: Int, text: String)
        /// A retry of a report in flight: its ACK or ERROR goes out when it commits.
        case inFlight
        /// Skips numbers: refused, not taken. `expected` is the next number the ledger takes.
        case gap(expected: UInt64)
    }

    /// How many refusals are remembered per session.
    static let refusalLimit = 1_024

    /// The agent's session id: a new session starts a new sequence space at 1.
    let session: String
    private(set) var accepted: UInt64
    private(set) var committed: UInt64
    private(set) var refusals: [UInt64: Refusal]
    /// Refused numbers, oldest first from `oldest`: forgetting the oldest is O(1) amortised.
    private var refusalOrder: [UInt64]
    private var oldest = 0

    /// A refusal as sent: the wire error code and its text.
    struct Refusal: Sendable, Equatable {
        var code: Int
        var text: String
    }

    /// A ledger whose reports up to `committed` are durable (after a restart, or a new session at 0).
    init(session: String, committed: UInt64 = 0, refusals: [UInt64: Refusal] = [:]) {
        self.session = session
        self.accepted = committed
        self.committed = committed
        self.refusals = refusals
        self.refusalOrder = refusals.keys.sorted()
    }

    /// The verdict on a report numbered `sequence` (at least 1).
    func verdict(for sequence: UInt64) -> Verdict {
        if sequence <= committed {
            if let refusal = refusals[sequence] { return .refuseAgain(code: refusal.code, text: refusal.text) }
            return .acknowledge
        }
        if sequence <= accepted {
            return .inFlight
        }
        return sequence == accepted + 1 ? .take : .gap(expected: accepted + 1)
    }

    /// Takes the next number: its effect is submitted for commit.
    mutating func take(_ sequence: UInt64) {
        precondition(sequence == accepted + 1, "take \(sequence) after \(accepted)")
        accepted = sequence
    }

    /// Takes the next number as refused: the refusal is submitted for commit.
    mutating func refuse(_ sequence: UInt64, code: Int, text: String) {
        take(sequence)
        refusals[sequence] = Refusal(code: code, text: text)
        refusalOrder.append(sequence)
        if refusalOrder.count - oldest > Self.refusalLimit {
            refusals.removeValue(forKey: refusalOrder[oldest])
            oldest += 1
            if oldest > Self.refusalLimit {
                refusalOrder.removeFirst(oldest)
                oldest = 0
            }
        }
    }

    /// A report's effect or refusal committed. Returns the refusal to send, if it was one.
    @discardableResult
    mutating func commit(_ sequence: UInt64) -> Refusal? {
        precondition(sequence <= accepted, "commit \(sequence) beyond accepted \(accepted)")
        committed = max(committed, sequence)
        return refusals[sequence]
    }
}
