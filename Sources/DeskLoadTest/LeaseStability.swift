import DeskModel
import Foundation
import GRDB

/// A coordinator-side fault's span in the run (seconds from the start of intake), and how dispatch and
/// intake fared around it.
public struct FaultWindow: Sendable, Codable {
    public var fault: String
    public var from: Double
    public var to: Double
    /// What happened: how long the process stood still, or the PUT's status and time.
    public var note: String
    /// Created → first assigned, from the history, of the tickets created from 1 s before the window to
    /// 2 s after it (a ticket sent during a SIGSTOP is created only after the SIGCONT).
    public var dispatchLatency: Percentiles?
    /// Intake latency (from the intended send time) of the tickets due to be sent within the window.
    public var intakeLatency: Percentiles?

    init(fault: String, from: Double, to: Double, note: String) {
        self.fault = fault
        self.from = from
        self.to = to
        self.note = note
    }
}

/// Whether leases held still: `lease_expired` events in the run's histories, and tickets assigned more than
/// once (a lease that moved, for any reason). `expect: { no_expiry: true }` fails the audit on either.
public struct LeaseStability: Sendable, Codable {
    public var leasesExpired = 0
    public var ticketsAssignedMoreThanOnce = 0
    /// The first few such tickets with their histories' lease events, for the failure line.
    public var examples: [String] = []
    /// The fewest agents `/healthz` reported during the run (an agent the coordinator dropped shows here even
    /// when it held no lease).
    public var fewestAgentsConnected: Int?
}

/// The preloaded tickets after the run: all still there, open, and never assigned.
public struct PreloadCheck: Sendable, Codable {
    public var planned: Int
    public var present: Int
    public var open: Int
    public var everAssigned: Int
}

extension LoadTestRunner {
    /// Lease stability, the fault windows' figures and the preload check, added to the report; their
    /// failures join the audit's.
    func auditCoordinatorFaults(_ report: inout LoadTestReport, rows: [AuditedTicket]) throws {
        var stability = LeaseStability()
        for ticket in rows {
            let expired = ticket.events.filter { $0.kind == .leaseExpired }
            let assigned = ticket.events.filter { $0.kind == .assigned }
            stability.leasesExpired += expired.count
            guard assigned.count > 1 || !expired.isEmpty else { continue }
            if assigned.count > 1 { stability.ticketsAssignedMoreThanOnce += 1 }
            if stability.examples.count < 5 {
                let lease = ticket.events.filter { [.assigned, .leaseExpired, .released, .resolved].contains($0.kind) }.map { event in
                    "\(event.kind.rawValue) \(JSONField.string("agent", in: event.detail) ?? event.actor) at \(event.at)"
                }
                stability.examples.append("ticket \(ticket.id): " + lease.joined(separator: ", "))
            }
        }
        let (windows, problems, intakeLatencies, intended, fewest, start) = lock.withLock {
            (faultWindows, faultProblems, intake, intakeIntended, fewestAgents, runStart)
        }
        stability.fewestAgentsConnected = fewest
        let origin = Millis(start.timeIntervalSince1970 * 1000)
        report.faultWindows = windows.map { window in
            var measured = window
            let low = origin + Millis((window.from - 1) * 1000), high = origin + Millis((window.to + 2) * 1000)
            measured.dispatchLatency = Percentiles(rows.filter { (low...high).contains($0.createdAt) }.compactMap { ticket in
                ticket.events.first { $0.kind == .assigned }.map { Double($0.at - ticket.createdAt) }
            })
            measured.intakeLatency = Percentiles(zip(intended, intakeLatencies).filter { (window.from...window.to).contains($0.0) }.map(\.1))
            return measured
        }
        report.leaseStability = stability
        var failures = problems.map { "fault: \($0)" }
        if scenario.expectations.noExpiry && (stability.leasesExpired > 0 || stability.ticketsAssignedMoreThanOnce > 0) {
            failures.append("expect no_expiry: \(stability.leasesExpired) lease_expired events, \(stability.ticketsAssignedMoreThanOnce) "
                            + "tickets assigned more than once" + (stability.examples.first.map { "; first: \($0)" } ?? ""))
        }
        if let preload = scenario.preload, attached == nil {
            let check = try database().read { db in
                let counts = try Row.fetchOne(db, sql: """
                    SELECT COUNT(*) AS present, COALESCE(SUM(status NOT IN ('resolved', 'closed', 'archived')), 0) AS open
                    FROM tickets WHERE idempotency_key LIKE ?
                    """, arguments: [preloadKeyPattern])
                let assigned = try Int.fetchOne(db, sql: """
                    SELECT COUNT(DISTINCT e.ticket_id) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
                    WHERE t.idempotency_key LIKE ? AND e.kind = 'assigned'
                    """, arguments: [preloadKeyPattern]) ?? 0
                return PreloadCheck(planned: preload.open, present: counts?["present"] ?? 0, open: counts?["open"] ?? 0,
                                    everAssigned: assigned)
            }
            report.preload = check
            if check.present != check.planned { failures.append("preload: \(check.planned - check.present) of \(check.planned) tickets missing") }
            if check.open != check.present { failures.append("preload: \(check.present - check.open) tickets no longer open") }
            if check.everAssigned > 0 { failures.append("preload: \(check.everAssigned) tickets were assigned (no pool has their skill)") }
        }
        report.auditFailures += failures
        report.auditFailed += failures.count
    }
}

extension LoadTestReport {
    /// The summary's lines for the coordinator-side faults, lease stability and the preload.
    var coordinatorFaultLines: [String] {
        var lines: [String] = []
        for window in faultWindows ?? [] {
            lines.append(String(format: "fault %@ from %.1f s to %.1f s: %@", window.fault, window.from, window.to, window.note))
            lines.append("  dispatch latency, tickets created from 1 s before to 2 s after: \(window.dispatchLatency?.text ?? "not measured")")
            lines.append("  intake latency, tickets due within it: \(window.intakeLatency?.text ?? "not measured")")
        }
        if let stability = leaseStability {
            lines.append("leases: \(stability.leasesExpired) expired, \(stability.ticketsAssignedMoreThanOnce) tickets assigned more than once"
                         + (stability.fewestAgentsConnected.map { "; fewest agents connected during the run: \($0)" } ?? ""))
            for example in stability.examples { lines.append("  moved: \(example)") }
        }
        if let preload {
            lines.append("preload: \(preload.present) of \(preload.planned) present, \(preload.open) open, \(preload.everAssigned) ever assigned")
        }
        return lines
    }
}
