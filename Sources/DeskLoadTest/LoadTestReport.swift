import DeskModel
import DeskStore
import Foundation
import GRDB
import Histogram

/// Percentiles of one measurement, from an HdrHistogram of milliseconds (three significant digits).
public struct Percentiles: Sendable, Codable, Equatable {
    public var count: Int
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var max: Double
    public var mean: Double

    init(_ values: [Double]) {
        var histogram = Histogram<UInt64>(highestTrackableValue: 86_400_000_000, numberOfSignificantValueDigits: .three)
        for value in values { _ = histogram.record(UInt64(Swift.max(0, value * 1000).rounded())) }  // microseconds
        func at(_ percentile: Double) -> Double { values.isEmpty ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1000 }
        count = values.count
        p50 = at(50)
        p90 = at(90)
        p99 = at(99)
        max = values.max() ?? 0
        mean = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    var text: String {
        count == 0 ? "no samples"
            : String(format: "p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms  mean %.1f ms  (%d)", p50, p90, p99, max, mean, count)
    }
}

/// What a run measured, and its audit.
public struct LoadTestReport: Sendable, Codable {
    public var scenario: String
    public var planned: Int
    public var accepted: Int
    public var resolved: Int
    public var stillOpen: Int
    public var throughput: Double
    public var intakeLatency: Percentiles
    public var dispatchLatency: Percentiles
    /// Dispatch latency on the event stream, in microsecond resolution: `created` event (intake committed)
    /// to the first `assigned` event (lease committed), both as received by the harness.
    public var streamDispatchLatency: Percentiles?
    public var queueWait: Percentiles
    public var resolutionTime: Percentiles
    public var firstResponse: Percentiles
    /// Resolved within the policy's resolution target, by priority label (fraction 0–1).
    public var slaAttainment: [String: Double]
    /// Busy share of each pool's slots over the run.
    public var utilisation: [String: Double]
    public var auditPassed: Int
    public var auditFailed: Int
    public var auditFailures: [String]
    public var openReasons: [String]
    public var drained: Bool
    public var erlangC: ErlangCheck?
    public var timeline: [TimelinePoint]
    /// Dispatch latency percentiles per second of the run (by creation time).
    public var latencyOverTime: [LatencyPoint]
    /// Every ticket's wait for an agent (created → first assigned, ms) by priority label, for staffing.
    /// Not written to result.json.
    public var waitsByPriority: [String: [Double]] = [:]
    /// Coordinator-side faults (a stall, a policy replacement) with dispatch and intake around each.
    public var faultWindows: [FaultWindow]?
    /// Lease expiries and moved leases in the run's histories.
    public var leaseStability: LeaseStability?
    /// The preloaded tickets after the run, when the scenario has a preload.
    public var preload: PreloadCheck?

    enum CodingKeys: String, CodingKey {
        case scenario, planned, accepted, resolved, stillOpen, throughput, intakeLatency, dispatchLatency, streamDispatchLatency, queueWait
        case resolutionTime, firstResponse, slaAttainment, utilisation, auditPassed, auditFailed, auditFailures
        case openReasons, drained, erlangC, timeline, latencyOverTime, faultWindows, leaseStability, preload
    }

    /// The share of `priority` tickets (all when nil) that waited at most `milliseconds` for an agent.
    public func share(waitingAtMost milliseconds: Double, priority: String?) -> Double {
        let waits = priority.map { waitsByPriority[$0] ?? [] } ?? waitsByPriority.values.flatMap { $0 }
        guard !waits.isEmpty else { return 0 }
        return Double(waits.filter { $0 <= milliseconds }.count) / Double(waits.count)
    }

    public struct LatencyPoint: Sendable, Codable {
        public var t: Double
        public var p50: Double
        public var p99: Double
    }

    public struct ErlangCheck: Sendable, Codable {
        public var predictedWaitProbability: Double
        public var predictedMeanWait: Double
        public var measuredWaitProbability: Double
        public var measuredMeanWait: Double
    }

    public struct TimelinePoint: Sendable, Codable {
        public var t: Double
        public var queued: Int
        public var resolved: Int
    }

    /// The human summary; its last line is the audit's.
    public var summary: String {
        var lines = [
            "scenario \(scenario): \(planned) planned, \(accepted) accepted, \(resolved) resolved, \(stillOpen) still open"
                + (drained ? "" : " (the queue did not drain in time)"),
            String(format: "throughput: %.1f tickets/s (first created to last resolved)", throughput),
            "intake latency (from the intended send time): \(intakeLatency.text)",
            "dispatch latency (created -> assigned, history stamps in whole ms): \(dispatchLatency.text)",
            "dispatch latency on the event stream (intake committed -> lease committed): \(streamDispatchLatency?.text ?? "not measured")",
            "queue wait (all waits of a ticket): \(queueWait.text)",
            "time to first response: \(firstResponse.count == 0 ? "no public replies (sim agents only resolve)" : firstResponse.text)",
            "time to resolution: \(resolutionTime.text)",
            "SLA attainment (resolved within the policy's resolution target): "
                + slaAttainment.sorted { $0.key < $1.key }.map { String(format: "%@ %.1f%%", $0.key, $0.value * 100) }.joined(separator: ", "),
            "utilisation: " + utilisation.sorted { $0.key < $1.key }.map { String(format: "%@ %.1f%%", $0.key, $0.value * 100) }.joined(separator: ", "),
        ]
        if let erlang = erlangC {
            lines.append(String(format: "M/M/c (Erlang C at the schedule's arrival rate): predicted P(wait > 3 ms) %.3f, mean wait %.3f s; measured P(wait > 3 ms) %.3f, mean wait %.3f s (%+.1f%%)",
                                erlang.predictedWaitProbability, erlang.predictedMeanWait, erlang.measuredWaitProbability,
                                erlang.measuredMeanWait,
                                erlang.predictedMeanWait > 0 ? (erlang.measuredMeanWait / erlang.predictedMeanWait - 1) * 100 : 0))
        }
        lines += coordinatorFaultLines
        for reason in openReasons.prefix(10) { lines.append("  open: \(reason)") }
        for failure in auditFailures.prefix(20) { lines.append("  audit failure: \(failure)") }
        lines.append("audit: \(auditPassed) passed, \(auditFailed) failed")
        return lines.joined(separator: "\n")
    }
}

extension LoadTestRunner {
    /// The measurements from each ticket's history, and the audit.
    func report(_ rows: [AuditedTicket], planned: Int, elapsed: Double, drained: Bool) throws -> LoadTestReport {
        let (acceptedIDs, intakeLatencies) = lock.withLock { (accepted, intake) }
        var failures: [String] = []
        var openReasons: [String] = []
        var passed = 0
        let stored = Set(rows.map(\.id))
        for id in acceptedIDs.keys where !stored.contains(id) {
            failures.append("ticket \(id) was accepted (201/200) but is not in the \(attached == nil ? "store" : "coordinator's API"): lost")
        }
        var dispatch: [Double] = [], waits: [Double] = [], resolution: [Double] = [], firstReply: [Double] = []
        var dispatchBySecond: [Int: [Double]] = [:]
        var waitsByPriority: [String: [Double]] = [:]
        let origin = rows.map(\.createdAt).min() ?? 0
        var attained: [String: (met: Int, all: Int)] = [:]
        var busy: [String: Double] = [:]
        var firstCreated = Double.infinity, lastResolved = 0.0
        let policies = SLAPolicy.defaults
        for ticket in rows {
            var problems: [String] = []
            var holder: (agent: String, epoch: Int64, since: Millis)?
            var waitingSince: Millis? = ticket.createdAt
            var resolvedCount = 0
            var sawAssigned = false, sawReply = false
            for event in ticket.events {
                switch event.kind {
                case .assigned:
                    let agent = JSONField.string("agent", in: event.detail) ?? "?"
                    let epoch = Int64(JSONField.number("epoch", in: event.detail) ?? 0)
                    if let current = holder {
                        problems.append("assigned to \(agent) (epoch \(epoch)) while \(current.agent) held epoch \(current.epoch)")
                    }
                    if !sawAssigned {
                        dispatch.append(Double(event.at - ticket.createdAt))
                        dispatchBySecond[Int((ticket.createdAt - origin) / 1000), default: []].append(Double(event.at - ticket.createdAt))
                        waitsByPriority[ticket.priority.label, default: []].append(Double(event.at - ticket.createdAt))
                    }
                    sawAssigned = true
                    if let since = waitingSince { waits.append(Double(event.at - since)) }
                    waitingSince = nil
                    holder = (agent, epoch, event.at)
                case .released, .leaseExpired, .escalated, .resolved:
                    if let current = holder {
                        let pool = current.agent.split(separator: "-").dropLast().joined(separator: "-")
                        busy[pool, default: 0] += Double(event.at - current.since)
                    }
                    if event.kind == .escalated && holder == nil { break }
                    holder = nil
                    if event.kind == .resolved {
                        resolvedCount += 1
                        resolution.append(Double(event.at - ticket.createdAt))
                        lastResolved = max(lastResolved, Double(event.at))
                        let policy = policies.first { $0.priority == ticket.priority }
                        let target = policy?.targets.resolution ?? Int64.max
                        var entry = attained[ticket.priority.label, default: (0, 0)]
                        entry.all += 1
                        if event.at - ticket.createdAt <= target { entry.met += 1 }
                        attained[ticket.priority.label] = entry
                    } else {
                        waitingSince = event.at
                    }
                case .replied:
                    if !sawReply { firstReply.append(Double(event.at - ticket.createdAt)) }
                    sawReply = true
                default:
                    break
                }
            }
            firstCreated = min(firstCreated, Double(ticket.createdAt))
            if ticket.status == .resolved && resolvedCount != 1 {
                problems.append("resolved \(resolvedCount) times")
            } else if ticket.status.isOpen {
                openReasons.append("ticket \(ticket.id): \(ticket.status.rawValue)" + (ticket.assignee.map { ", held by \($0)" } ?? ", waiting in the queue"))
            } else if ticket.status != .resolved {
                problems.append("ended \(ticket.status.rawValue) without a resolution")
            }
            if problems.isEmpty { passed += 1 } else { failures.append("ticket \(ticket.id): " + problems.joined(separator: "; ")) }
        }
        let span = max(0.001, (lastResolved - firstCreated) / 1000)
        var utilisation: [String: Double] = [:]
        for pool in scenario.pools {
            utilisation[pool.name] = (busy[pool.name] ?? 0) / 1000 / (Double(pool.count * pool.capacity) * span)
        }
        var erlang: LoadTestReport.ErlangCheck?
        // Erlang C with the arrival rate the seeded schedule really has (planned / duration), which is what
        // the system saw; the nominal rate differs from it by the Poisson draw.
        if case .poisson = scenario.arrival, case let rate = Double(planned) / scenario.durationSeconds,
           scenario.pools.count == 1, scenario.bots.isEmpty,
           let pool = scenario.pools.first, pool.capacity == 1, case .exponential(let mean) = pool.serviceTime,
           let predicted = ErlangC.waitProbability(arrivalRate: rate, serviceRate: 1 / mean, agents: pool.count),
           let predictedWait = ErlangC.meanWait(arrivalRate: rate, serviceRate: 1 / mean, agents: pool.count), !dispatch.isEmpty {
            // A ticket "waited" when no agent was free at once: more than the 3 ms an immediate assignment
            // takes. Erlang C gives P(W > t) = C·e^(−(cμ−λ)t), so both sides count the same thing.
            let threshold = 3.0
            let waited = dispatch.filter { $0 > threshold }.count
            let beyond = predicted * exp(-(Double(pool.count) / mean - rate) * threshold / 1000)
            erlang = .init(predictedWaitProbability: beyond, predictedMeanWait: predictedWait,
                           measuredWaitProbability: Double(waited) / Double(dispatch.count),
                           measuredMeanWait: dispatch.reduce(0, +) / Double(dispatch.count) / 1000)
        }
        let timeline = lock.withLock { queueDepth.map { LoadTestReport.TimelinePoint(t: $0.t, queued: $0.depth, resolved: $0.resolved) } }
        var report = LoadTestReport(
            scenario: scenario.name, planned: planned, accepted: acceptedIDs.count,
            resolved: rows.filter { $0.status == .resolved }.count, stillOpen: rows.filter { $0.status.isOpen }.count,
            throughput: Double(resolution.count) / span, intakeLatency: Percentiles(intakeLatencies),
            dispatchLatency: Percentiles(dispatch), queueWait: Percentiles(waits), resolutionTime: Percentiles(resolution),
            firstResponse: Percentiles(firstReply),
            slaAttainment: attained.mapValues { $0.all == 0 ? 1 : Double($0.met) / Double($0.all) },
            utilisation: utilisation, auditPassed: passed, auditFailed: failures.count, auditFailures: failures,
            openReasons: openReasons, drained: drained, erlangC: erlang, timeline: timeline,
            latencyOverTime: dispatchBySecond.keys.sorted().map { second in
                let p = Percentiles(dispatchBySecond[second] ?? [])
                return LoadTestReport.LatencyPoint(t: Double(second), p50: p.p50, p99: p.p99)
            })
        report.waitsByPriority = waitsByPriority
        return report
    }
}
