import DeskModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The faults that strike the coordinator without killing it (a SIGSTOP stall, a replacement of the SLA
/// policies), and the preload of open tickets they are measured against. Spawned runs only (see
/// `Scenario.attachRefusal`).
extension LoadTestRunner {
    /// The config file the harness gives the coordinator it starts when the scenario preloads tickets.
    var configPath: String { directory + "/harness-coordinator.json" }
    /// Idempotency keys of preloaded tickets: `pl-RUNID-N` (the run's own are `lt-RUNID-N`).
    var preloadKeyPattern: String { "pl-\(runID)-%" }
    /// The most tickets one preload request carries (the batch endpoint's limit).
    static let preloadBatch = 1000

    /// Writes the spawned coordinator's config: the preload's category routed to a skill of its own name,
    /// which no pool has (the scenario's check refuses one that does), ahead of the standard rules. JSON is
    /// YAML, so the coordinator's `--config` reads it as is.
    func writeCoordinatorConfig() throws {
        guard let preload = scenario.preload else { return }
        struct File: Encodable { var routing: [RoutingRules.Rule] }
        let rules = [RoutingRules.Rule(category: preload.category, skill: preload.category)] + RoutingRules.standard.rules
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(File(routing: rules)).write(to: URL(fileURLWithPath: configPath))
    }

    /// Reads every `replace_sla_policies` document before anything starts, so a missing or broken file
    /// stops the run at once instead of at the fault.
    func readPolicyDocuments() throws {
        for case (_, .replaceSLAPolicies(let file)) in scenario.faults where policyDocuments[file] == nil {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ClusterError("replace_sla_policies: cannot read \(file)")
            }
            guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
                throw ClusterError("replace_sla_policies: \(file) is not a JSON object (the config's sla: section as JSON)")
            }
            policyDocuments[file] = data
        }
    }

    /// Puts the preload's open tickets in through `POST /api/v1/tickets/batch`, `preloadBatch` at a time,
    /// before the agents start. Each carries an idempotency key, so a request retried after no answer or a
    /// 5xx (`503` past the writer's queue limit) makes no second ticket.
    func preloadTickets(_ preload: Scenario.Preload) async throws {
        let began = Date()
        progress("preload: \(preload.open) open tickets in category \(preload.category) through batch intake")
        var next = 0
        while next < preload.open {
            let range = next..<min(preload.open, next + Self.preloadBatch)
            let items = range.map { index -> Data in
                let object: [String: Any] = [
                    "subject": "backlog #\(index)", "body": String(repeating: "b", count: 200), "requester": "backlog\(index)@example.com",
                    "priority": preload.priority.label, "category": preload.category, "channel": "bulk",
                    "idempotency_key": "pl-\(runID)-\(index)",
                ]
                return (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
            }
            var request = URLRequest(url: URL(string: http + "/api/v1/tickets/batch")!)
            if let token { request.setValue("Bearer " + token, forHTTPHeaderField: "Authorization") }
            request.httpMethod = "POST"
            request.httpBody = Data("{\"tickets\":[".utf8) + Data(items.joined(separator: Data(",".utf8))) + Data("]}".utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.timeoutInterval = 60
            var delay = 100
            while true {
                if let (data, response) = try? await session.data(for: request), let status = (response as? HTTPURLResponse)?.statusCode {
                    let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
                    if status == 200, let results = object?["results"] as? [[String: Any]] {
                        let created = results.filter { [200, 201].contains(($0["status"] as? Int) ?? 0) }.count
                        guard created == range.count else {
                            let first = results.first { ![200, 201].contains(($0["status"] as? Int) ?? 0) }
                            throw ClusterError("preload: \(range.count - created) of a batch refused; first: \(first ?? [:])")
                        }
                        break
                    }
                    if status < 500 { throw ClusterError("preload: batch intake answered \(status): \(String(decoding: data, as: UTF8.self))") }
                }
                guard Date().timeIntervalSince(began) < 600 else { throw ClusterError("preload: no answer from batch intake for 10 minutes") }
                try await Task.sleep(for: .milliseconds(delay))
                delay = min(2000, delay * 2)
            }
            next = range.upperBound
            if next % 10_000 == 0 || next == preload.open {
                progress(String(format: "preload: %d of %d in (%.1f s)", next, preload.open, Date().timeIntervalSince(began)))
            }
        }
    }

    /// SIGSTOP of the coordinator, SIGCONT `seconds` later: the whole process stands still (its loop, its
    /// timer, its sockets) while agents go on heartbeating and intake goes on sending.
    func stallCoordinator(seconds: Double, start: Date) async {
        let from = Date().timeIntervalSince(start)
        guard supervisor.signal("coordinator", SIGSTOP) else {
            lock.withLock { faultProblems.append(String(format: "stall_coordinator at %.1f s:", from) + " the coordinator is not running") }
            return
        }
        progress(String(format: "fault at %.1f s: SIGSTOP coordinator for %g s", from, seconds))
        try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        supervisor.signal("coordinator", SIGCONT)
        let to = Date().timeIntervalSince(start)
        progress(String(format: "fault at %.1f s: SIGCONT coordinator (stopped %.2f s)", to, to - from))
        lock.withLock {
            faultWindows.append(FaultWindow(fault: String(format: "stall_coordinator %gs", seconds), from: from, to: to,
                                            note: String(format: "stopped %.2f s", to - from)))
        }
    }

    /// `PUT /api/v1/sla/policies` with the file's document; the window lasts until the answer (the
    /// coordinator answers once every open ticket's clock is rebuilt). An answer other than 200 is a problem.
    func replaceSLAPolicies(file: String, start: Date) async {
        let from = Date().timeIntervalSince(start)
        var request = URLRequest(url: URL(string: http + "/api/v1/sla/policies")!)
        if let token { request.setValue("Bearer " + token, forHTTPHeaderField: "Authorization") }
        request.httpMethod = "PUT"
        request.httpBody = policyDocuments[file]
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.timeoutInterval = 120
        progress(String(format: "fault at %.1f s: PUT /api/v1/sla/policies from %@", from, file))
        let answer = try? await session.data(for: request)
        let to = Date().timeIntervalSince(start)
        let status = (answer?.1 as? HTTPURLResponse)?.statusCode
        let note = status.map { String(format: "PUT answered %d in %.0f ms", $0, (to - from) * 1000) }
            ?? String(format: "PUT got no answer in %.0f ms", (to - from) * 1000)
        progress(String(format: "fault at %.1f s: %@", to, note))
        lock.withLock {
            faultWindows.append(FaultWindow(fault: "replace_sla_policies \(file)", from: from, to: to, note: note))
            if status != 200 {
                let body = answer.map { String(decoding: $0.0.prefix(300), as: UTF8.self) } ?? ""
                faultProblems.append(String(format: "replace_sla_policies at %.1f s: ", from) + "\(note) \(body)")
            }
        }
    }
}
