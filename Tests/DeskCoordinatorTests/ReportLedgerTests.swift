import Testing
@testable import DeskCoordinator

@Suite("Report ledger: nothing told before it is committed, retries answered exactly")
struct ReportLedgerTests {
    @Test("a retry of a report in flight is not acknowledged until the original commits")
    func inFlightRetryWaitsForTheCommit() {
        var ledger = ReportLedger(session: "s")
        #expect(ledger.verdict(for: 1) == .take)
        ledger.take(1)
        #expect(ledger.verdict(for: 1) == .inFlight)
        #expect(ledger.committed == 0, "WELCOME would say 0: the report is not durable yet")
        ledger.commit(1)
        #expect(ledger.verdict(for: 1) == .acknowledge)
        #expect(ledger.committed == 1)
    }

    @Test("a refused report's retry gets the same refusal, before and after the refusal commits, and after a restart")
    func refusalIsRepeated() {
        var ledger = ReportLedger(session: "s")
        ledger.take(1)
        ledger.refuse(2, code: 7, text: "stale lease")
        #expect(ledger.verdict(for: 2) == .inFlight)
        ledger.commit(1)
        #expect(ledger.commit(2) == ReportLedger.Refusal(code: 7, text: "stale lease"))
        #expect(ledger.verdict(for: 2) == .refuseAgain(code: 7, text: "stale lease"))
        #expect(ledger.verdict(for: 1) == .acknowledge)
        let restarted = ReportLedger(session: "s", committed: 2, refusals: ledger.refusals)
        #expect(restarted.verdict(for: 2) == .refuseAgain(code: 7, text: "stale lease"))
        #expect(restarted.verdict(for: 3) == .take)
    }

    @Test("a number that skips ahead is a gap: refused, not taken, and the expected number still is")
    func gapsAreRefused() {
        var ledger = ReportLedger(session: "s", committed: 4)
        #expect(ledger.verdict(for: 7) == .gap(expected: 5))
        #expect(ledger.verdict(for: 5) == .take)
        ledger.take(5)
        #expect(ledger.verdict(for: 7) == .gap(expected: 6))
        #expect(ledger.verdict(for: 3) == .acknowledge)
    }

    @Test("only the newest refusals are kept, forgetting the oldest first")
    func refusalsAreBounded() {
        var ledger = ReportLedger(session: "s")
        let count = UInt64(ReportLedger.refusalLimit * 3 + 5)
        for sequence in 1...count {
            ledger.refuse(sequence, code: 8, text: "no \(sequence)")
            ledger.commit(sequence)
        }
        #expect(ledger.refusals.count == ReportLedger.refusalLimit)
        #expect(ledger.verdict(for: count) == .refuseAgain(code: 8, text: "no \(count)"))
        #expect(ledger.verdict(for: count - UInt64(ReportLedger.refusalLimit) + 1) != .acknowledge)
        #expect(ledger.verdict(for: 1) == .acknowledge, "forgotten: outside the window")
    }

    /// A small deterministic generator, so a failing run can be replayed from its seed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("random reports, retries, refusals, commits in order and restarts keep every promise", arguments: 0..<50)
    func randomHistoriesKeepTheInvariants(seed: UInt64) {
        var random = SplitMix(state: seed)
        var ledger = ReportLedger(session: "s")
        var inFlight: [UInt64] = []                 // taken, not committed, in order
        var outcome: [UInt64: ReportLedger.Verdict] = [:]   // what each committed number answers
        var sent: UInt64 = 0                        // the agent's highest number sent
        for _ in 0..<400 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<4:  // the agent sends its next report
                let sequence = sent + 1
                let verdict = ledger.verdict(for: sequence)
                #expect(verdict == .take, "seed \(seed): the next number is always taken")
                if Bool.random(using: &random) {
                    ledger.take(sequence)
                    outcome[sequence] = .acknowledge
                } else {
                    ledger.refuse(sequence, code: 7, text: "refused \(sequence)")
                    outcome[sequence] = .refuseAgain(code: 7, text: "refused \(sequence)")
                }
                inFlight.append(sequence)
                sent = sequence
            case 4..<7:  // the oldest change commits
                guard !inFlight.isEmpty else { continue }
                ledger.commit(inFlight.removeFirst())
            case 7..<9:  // the agent retries any number it sent
                guard sent > 0 else { continue }
                let retry = UInt64.random(in: 1...sent, using: &random)
                let verdict = ledger.verdict(for: retry)
                if retry > ledger.committed {
                    #expect(verdict == .inFlight, "seed \(seed): never acknowledged before its commit")
                } else {
                    #expect(verdict == outcome[retry], "seed \(seed): a retry of \(retry) gets the first answer")
                }
            default:  // the coordinator restarts: what is in flight is lost with it, the store has the rest
                let committed = ledger.committed
                ledger = ReportLedger(session: "s", committed: committed, refusals: ledger.refusals.filter { $0.key <= committed })
                inFlight.removeAll()
                for lost in (committed + 1)..<(sent + 1) { outcome.removeValue(forKey: lost) }
                sent = committed
            }
            #expect(ledger.committed <= ledger.accepted)
            #expect(inFlight.allSatisfy { $0 > ledger.committed && $0 <= ledger.accepted })
            #expect(ledger.verdict(for: ledger.accepted + 2) == .gap(expected: ledger.accepted + 1))
        }
    }
}
