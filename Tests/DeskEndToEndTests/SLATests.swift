import Foundation
import GRDB
import Hummingbird
import Testing

/// SLA clocks end to end, on real processes and a policy measured in seconds.
@Suite(.serialized) struct SLATests {
    static func config(hook: Int) -> String {
        """
        sla:
          policies:
            - name: fast-p1
              when: { priority: P1 }
              first_response: 2s
              resolution: 5s
              warn_at: [0.5]
              on_breach: [{ escalate: 2 }, { notify: "http://127.0.0.1:\(hook)/hook" }]
            - name: fast-p2
              when: { priority: P2 }
              first_response: 6s
              resolution: 6s
              warn_at: [0.9]
        """
    }

    func slaEvents(_ cluster: TestCluster, _ id: Int64) async throws -> [String] {
        try await cluster.history(id).filter { $0.kind.hasPrefix("sla_") }.map {
            "\($0.kind) \($0.detail["target"] as? String ?? "") \(($0.detail["fraction"] as? NSNumber)?.doubleValue ?? 0)"
        }
    }

    @Test func unansweredTicketWarnsBreachesEscalatesAndNotifiesWhileAnAnsweredOneNeverBreaches() async throws {
        let hooks = HookReceiver()
        let port = try await hooks.start()
        defer { hooks.stop() }
        let cluster = try await TestCluster(config: Self.config(hook: port))
        defer { cluster.shutdown() }
        let staff = try cluster.startStaff("ana", skills: ["billing"], tier: 1)
        try await staff.line(containing: "connected as ana")

        // Nobody has the network skill: this P1 ticket waits unanswered.
        let (_, unanswered) = await cluster.create(["subject": "VPN dead", "body": "the vpn drops", "requester": "a@b.co",
                                                    "priority": "P1", "category": "network"])
        let waiting = (unanswered["id"] as? NSNumber)?.int64Value ?? 0
        let sla = unanswered["sla"] as? [String: Any]
        #expect(sla?["policy"] as? String == "fast-p1")
        let created = (unanswered["created_at"] as? NSNumber)?.int64Value ?? 0
        #expect((sla?["first_response_due"] as? NSNumber)?.int64Value == created + 2_000)
        #expect((sla?["resolution_due"] as? NSNumber)?.int64Value == created + 5_000)

        // The billing one reaches ana, who answers and resolves it at once.
        let (_, answered) = await cluster.create(["subject": "Invoice", "body": "wrong amount", "requester": "c@d.co",
                                                  "priority": "P2", "category": "billing"])
        #expect((answered["sla"] as? [String: Any])?["policy"] as? String == "fast-p2")
        let quick = (answered["id"] as? NSNumber)?.int64Value ?? 0
        staff.send("wait 10")
        try await staff.line(containing: "current ticket: #\(quick)")
        staff.send("reply We are on it.")
        try await staff.line(containing: "replied on #\(quick)")
        staff.send("resolve fixed the invoice")
        try await staff.line(containing: "resolved #\(quick)")

        try await eventually(15, "the unanswered ticket's resolution breach") {
            try await slaEvents(cluster, waiting).contains("sla_breached resolution 1.0")
        }
        #expect(try await slaEvents(cluster, waiting) == [
            "sla_warning first_response 0.5", "sla_breached first_response 1.0",
            "sla_warning resolution 0.5", "sla_breached resolution 1.0",
        ])
        let history = try await cluster.history(waiting)
        let breach = history.first { $0.kind == "sla_breached" }
        #expect((breach?.detail["due_at"] as? NSNumber)?.int64Value == created + 2_000, "stamped with the instant it was due")
        let escalated = history.first { $0.kind == "escalated" }
        #expect(escalated?.actor == "system")
        #expect(escalated?.detail["to_tier"] as? Int == 2)
        #expect((escalated?.detail["reason"] as? String)?.contains("first_response breached") == true)
        #expect(try await cluster.request("GET", "/api/v1/tickets/\(waiting)").json["tier"] as? Int == 2)

        // The webhook receiver got the breach notifications, and every attempt is recorded.
        try await eventually(10, "two webhook deliveries") { hooks.received.count >= 2 }
        #expect(hooks.received.allSatisfy { ($0["ticket"] as? NSNumber)?.int64Value == waiting && $0["event"] as? String == "sla_breached" })
        #expect(Set(hooks.received.compactMap { $0["target"] as? String }) == ["first_response", "resolution"])
        let attempts = try cluster.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhook_attempts WHERE ticket_id = ? AND status = 200", arguments: [waiting]) ?? 0
        }
        #expect(attempts == 2)

        // Answered and resolved in time (the console had 5.4 s before a warning: a loaded machine's steps
        // fit): no warning, no breach, once its own targets have passed.
        let quickCreated = (answered["created_at"] as? NSNumber)?.int64Value ?? 0
        try await eventually(15, "fast-p2's targets passed") { Int64(Date().timeIntervalSince1970 * 1000) >= quickCreated + 6_500 }
        #expect(try await slaEvents(cluster, quick).isEmpty)
        #expect(try await cluster.history(quick).contains { $0.kind == "resolved" })
        let done = try await cluster.request("GET", "/api/v1/tickets/\(quick)").json["sla"] as? [String: Any]
        #expect(done?["policy"] as? String == "fast-p2")
        #expect(done?["first_response_due"] is NSNull && done?["resolution_due"] is NSNull, "nothing is due on a resolved ticket")
    }

    @Test func restartBetweenWarningAndBreachFiresTheBreachExactlyOnce() async throws {
        let hooks = HookReceiver(failFirst: 1)  // the first delivery fails once: the sender retries
        let port = try await hooks.start()
        defer { hooks.stop() }
        let cluster = try await TestCluster(config: Self.config(hook: port))
        defer { cluster.shutdown() }
        let (_, ticket) = await cluster.create(["subject": "Disk full", "body": "server disk", "requester": "a@b.co",
                                                "priority": "P1", "category": "hardware"])
        let id = (ticket["id"] as? NSNumber)?.int64Value ?? 0
        let created = (ticket["created_at"] as? NSNumber)?.int64Value ?? 0
        try await eventually(10, "the first-response warning") {
            try await slaEvents(cluster, id) == ["sla_warning first_response 0.5"]
        }
        // Down from just after the warning until past the breach: the breach falls due while nothing runs.
        try await cluster.restartCoordinatorAfterKill9(downUntil: created + 2_300)
        try await eventually(15, "the resolution breach after the restart") {
            try await slaEvents(cluster, id).contains("sla_breached resolution 1.0")
        }
        let events = try await slaEvents(cluster, id)
        #expect(events == [
            "sla_warning first_response 0.5", "sla_breached first_response 1.0",
            "sla_warning resolution 0.5", "sla_breached resolution 1.0",
        ], "each fired exactly once across the restart")
        let breachAt = try await cluster.history(id).first { $0.kind == "sla_breached" }
        #expect((breachAt?.detail["due_at"] as? NSNumber)?.int64Value == created + 2_000)
        // A second restart changes nothing: what fired is read back from the history. A new ticket's own
        // warning shows that the timers ran after the restart.
        try await cluster.restartCoordinatorAfterKill9()
        let (_, probe) = await cluster.create(["subject": "Probe", "body": "x", "requester": "a@b.co", "priority": "P1",
                                               "category": "hardware"])
        let probeID = (probe["id"] as? NSNumber)?.int64Value ?? 0
        try await eventually(10, "the probe's warning") { try await slaEvents(cluster, probeID).count >= 1 }
        #expect(try await slaEvents(cluster, id) == events)

        // The webhook: the first attempt got a 500, was retried with backoff, and both attempts are recorded.
        try await eventually(15, "the two breach notifications") { hooks.received.count >= 2 }
        let attempts = try cluster.read { db in
            try Row.fetchAll(db, sql: "SELECT delivery, attempt, status FROM webhook_attempts WHERE ticket_id = ? ORDER BY id",
                             arguments: [id]).map { "\($0["attempt"] as Int) \($0["status"] as Int? ?? 0)" }
        }
        #expect(attempts.contains("1 500") && attempts.contains("2 200"), "\(attempts)")
    }
}

@Suite struct SLAPauseTests {
    @Test func waitingOnTheCustomerPausesAndTheirAnswerResumesWithANextResponseClock() async throws {
        let cluster = try await TestCluster(config: """
            sla:
              policies:
                - name: fast-p2
                  when: { priority: P2 }
                  first_response: 30s
                  next_response: 6s
                  resolution: 20s
                  warn_at: [0.8]
            """)
        defer { cluster.shutdown() }
        let staff = try cluster.startStaff("bo", skills: ["billing"], tier: 1)
        try await staff.line(containing: "connected as bo")
        let (_, ticket) = await cluster.create(["subject": "Refund", "body": "please refund", "requester": "a@b.co",
                                                "priority": "P2", "category": "billing"])
        let id = (ticket["id"] as? NSNumber)?.int64Value ?? 0
        let created = (ticket["created_at"] as? NSNumber)?.int64Value ?? 0
        staff.send("wait 10")
        try await staff.line(containing: "current ticket: #\(id)")
        for (command, answer) in [("reply Which order?", "replied on #\(id)"), ("status waiting", "is waiting_on_customer")] {
            let before = staff.output.count
            staff.send(command)
            try await staff.line(containing: answer, after: before)
        }
        func sla() async throws -> [String: Any] {
            try await cluster.request("GET", "/api/v1/tickets/\(id)").json["sla"] as? [String: Any] ?? [:]
        }
        try await eventually(5, "the pause stored") { try await sla()["resolution_due"] is NSNull }
        #expect(try await sla()["first_response_due"] is NSNull, "answered")

        // Paused past the 20 s resolution target: nothing fires. (Targets leave seconds of slack for the
        // console's steps, so a loaded machine does not fire a warning the test did not mean.)
        try await eventually(30, "21 s since creation") { Int64(Date().timeIntervalSince1970 * 1000) >= created + 21_000 }
        #expect(try await cluster.history(id).filter { $0.kind.hasPrefix("sla_") }.isEmpty)

        // The customer answers: back in progress, the resolution clock runs again, a next response is due.
        let answer = try await cluster.request("POST", "/api/v1/tickets/\(id)/messages", body: Data(#"{"body":"Order 1042"}"#.utf8))
        #expect(answer.status == 201)
        #expect(answer.json["status"] as? String == "in_progress")
        try await eventually(5, "due times after the answer") { try await sla()["next_response_due"] is NSNumber }
        #expect(try await sla()["resolution_due"] is NSNumber)
        try await eventually(10, "the next-response warning") {
            try await cluster.history(id).contains { $0.kind == "sla_warning" && $0.detail["target"] as? String == "next_response" }
        }
        for (command, answer) in [("reply Refunded order 1042.", "replied on #\(id)"), ("resolve refunded", "resolved #\(id)")] {
            let before = staff.output.count
            staff.send(command)
            try await staff.line(containing: answer, after: before)
        }
        let history = try await cluster.history(id)
        #expect(history.filter { $0.kind.hasPrefix("sla_") }.map { "\($0.kind) \($0.detail["target"] as? String ?? "")" }
                == ["sla_warning next_response"], "answered in time: no breach, and the pause kept resolution within target")
        #expect(history.contains { $0.kind == "status_changed" && $0.actor == "customer" })
        // The customer's answer is in their conversation.
        let conversation = try await cluster.request("GET", "/api/v1/tickets/\(id)/conversation").json["messages"] as? [[String: Any]] ?? []
        #expect(conversation.map { $0["from"] as? String ?? "" } == ["customer", "support", "customer", "support"])
        // A message on a resolved ticket is refused, clearly.
        let late = try await cluster.request("POST", "/api/v1/tickets/\(id)/messages", body: Data(#"{"body":"thanks"}"#.utf8))
        #expect(late.status == 409)
    }
}

@Suite struct SLAConfigTests {
    @Test func badPoliciesStopTheCoordinatorNamingTheProblem() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-sla-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [(String, String)] = [
            ("sla:\n  policies:\n    - { name: x, first_response: soon }\n", "first_response 'soon' is not a duration"),
            ("sla:\n  policies:\n    - { name: x, resolution: 4h, calendar: office }\n", "calendar 'office' is not defined"),
            ("sla:\n  policies:\n    - { name: x, resolution: 4h, warn_at: [1.5] }\n", "warn_at takes up to 8 fractions"),
            ("sla:\n  policies:\n    - { name: x, resolution: 4h, on_breach: [{ escalate: 9 }] }\n", "tier must be 1 to 3"),
            ("sla:\n  policies:\n    - { name: x, resolution: 4h, on_breach: [{ notify: 'ftp://x' }] }\n", "is not an http(s) URL"),
            ("sla:\n  calendars:\n    c: { timezone: UTC, hours: { funday: '09:00-17:00' } }\n", "'funday' is not a weekday"),
        ]
        for (index, (yaml, expected)) in cases.enumerated() {
            let path = directory + "/bad\(index).yaml"
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            let run = try await runDesk(["coordinator", "--data", directory + "/data\(index)", "--config", path,
                                         "--http", "127.0.0.1:0", "--agents", "tcp://127.0.0.1:*", "--events", "tcp://127.0.0.1:*"])
            #expect(run.status != 0)
            #expect(run.output.contains { $0.contains(expected) }, "\(yaml): \(run.output)")
        }
    }
}

@Suite struct SLABreachActionTests {
    @Test func aNoteIsNoResponseAndTheBreachRaisesPriorityAndReassigns() async throws {
        let cluster = try await TestCluster(config: """
            sla:
              policies:
                - name: fast-p3
                  when: { priority: P3 }
                  first_response: 2s
                  warn_at: [0.5]
                  on_breach: [raise_priority, reassign]
            """)
        defer { cluster.shutdown() }
        let staff = try cluster.startStaff("cy", skills: ["billing"], tier: 1)
        try await staff.line(containing: "connected as cy")
        let (_, ticket) = await cluster.create(["subject": "Card declined", "body": "my card", "requester": "a@b.co",
                                                "priority": "P3", "category": "billing"])
        let id = (ticket["id"] as? NSNumber)?.int64Value ?? 0
        staff.send("wait 10")
        try await staff.line(containing: "current ticket: #\(id)")
        staff.send("note checking with the bank, no answer sent yet")
        try await staff.line(containing: "noted on #\(id)")

        // The note does not stop the first-response clock: it breaches, the priority goes up one step and
        // the lease is taken back (REVOKE) and granted anew.
        try await staff.line(containing: "ticket #\(id) left you", within: 15)
        try await eventually(10, "the ticket assigned again") {
            try await cluster.history(id).filter { $0.kind == "assigned" }.count == 2
        }
        let history = try await cluster.history(id)
        let kinds = history.map(\.kind)
        #expect(kinds.filter { $0.hasPrefix("sla_") } == ["sla_warning", "sla_breached"])
        let raised = history.first { $0.kind == "updated" }
        #expect(raised?.actor == "system")
        #expect(raised?.detail["priority"] as? [String: String] == ["from": "P3", "to": "P2"])
        let released = history.first { $0.kind == "released" }
        #expect((released?.detail["reason"] as? String)?.contains("reassigned") == true)
        #expect(history.filter { $0.kind == "assigned" }.last?.detail["epoch"] as? Int == 2)
        #expect(try await cluster.request("GET", "/api/v1/tickets/\(id)").json["priority"] as? String == "P2")
    }
}

@Suite struct SLAPolicyAPITests {
    @Test func policiesSetThroughTheAPIRebuildTheClocksAndSurviveARestart() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let defaults = try await cluster.request("GET", "/api/v1/sla/policies").json["policies"] as? [[String: Any]] ?? []
        #expect(defaults.map { $0["name"] as? String ?? "" } == ["default-P1", "default-P2", "default-P3", "default-P4"])
        let (_, ticket) = await cluster.create(["subject": "Printer", "body": "jammed", "requester": "a@b.co", "category": "hardware"])
        let id = (ticket["id"] as? NSNumber)?.int64Value ?? 0
        let created = (ticket["created_at"] as? NSNumber)?.int64Value ?? 0
        #expect((ticket["sla"] as? [String: Any])?["policy"] as? String == "default-P3")

        let bad = try await cluster.request("PUT", "/api/v1/sla/policies", body: Data(#"{"policies":[{"name":"x","first_response":"soon"}]}"#.utf8))
        #expect(bad.status == 400)
        #expect((bad.json["error"] as? String)?.contains("first_response 'soon' is not a duration") == true)

        let tight = Data(#"{"policies":[{"name":"tight","when":{"priority":"P3"},"first_response":"1s","warn_at":[0.5]}],"defaults":false}"#.utf8)
        let put = try await cluster.request("PUT", "/api/v1/sla/policies", body: tight)
        #expect(put.status == 200)
        #expect((put.json["policies"] as? [[String: Any]])?.map { $0["name"] as? String ?? "" } == ["tight"])
        // The open ticket's clock runs under the new policy from its creation: it is already past 1 s.
        try await eventually(10, "the breach under the new policy") {
            try await cluster.history(id).contains { $0.kind == "sla_breached" && $0.detail["policy"] as? String == "tight" }
        }
        let sla = try await cluster.request("GET", "/api/v1/tickets/\(id)").json["sla"] as? [String: Any]
        #expect(sla?["policy"] as? String == "tight")
        #expect((sla?["first_response_due"] as? NSNumber)?.int64Value == created + 1_000)

        try await cluster.restartCoordinatorAfterKill9()
        let after = try await cluster.request("GET", "/api/v1/sla/policies").json["policies"] as? [[String: Any]] ?? []
        #expect(after.map { $0["name"] as? String ?? "" } == ["tight"], "stored policies survive the restart")
        #expect(try await cluster.history(id).filter { $0.kind == "sla_breached" }.count == 1, "and nothing fires twice")

        let reverted = try await cluster.request("DELETE", "/api/v1/sla/policies")
        #expect(reverted.status == 200)
        #expect((reverted.json["policies"] as? [[String: Any]])?.first?["name"] as? String == "default-P1")
    }
}

@Suite struct SLARoutingTests {
    @Test func theEarliestDueTicketOfAPriorityIsAssignedFirst() async throws {
        let cluster = try await TestCluster(config: """
            sla:
              policies:
                - { name: vip, when: { requester_domain: [bigcorp.com] }, first_response: 15m, resolution: 4h }
            """)
        defer { cluster.shutdown() }
        let (_, older) = await cluster.create(["subject": "Older", "body": "x", "requester": "a@small.example", "category": "billing"])
        let (_, vip) = await cluster.create(["subject": "Newer, VIP", "body": "x", "requester": "ceo@bigcorp.com", "category": "billing"])
        #expect((older["sla"] as? [String: Any])?["policy"] as? String == "default-P3")
        #expect((vip["sla"] as? [String: Any])?["policy"] as? String == "vip")
        let staff = try cluster.startStaff("dee", skills: ["billing"], tier: 1)
        staff.send("wait 10")
        try await staff.line(containing: "current ticket: #\((vip["id"] as? NSNumber)?.int64Value ?? 0)")
    }
}
