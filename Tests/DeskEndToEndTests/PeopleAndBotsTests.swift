import Foundation
import Testing
import DeskProtocol
import ZeroMQ

/// Runs `desk ARGS…` to its end; its status and every line it printed (standard error included).
/// The output goes to a file, not a pipe: a pipe's end can be inherited by processes other tests start at
/// the same moment, and then never reports its end.
/// `token`: given to the command as `DESK_TOKEN`.
func runDesk(_ arguments: [String], token: String? = nil) async throws -> (status: Int32, output: [String]) {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("desk-run-\(UUID().uuidString).out").path
    _ = FileManager.default.createFile(atPath: path, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let file = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    let process = Process()
    process.executableURL = try deskExecutable()
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["DESK_TOKEN"] = token  // none when nil, whatever the test's own environment holds
    process.environment = environment
    process.standardOutput = file
    process.standardError = file
    try process.run()
    try await eventually(120, "desk \(arguments.first ?? "") to exit") { !process.isRunning }
    try file.close()
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return (process.terminationStatus, text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
}

/// People and bots on real processes: the shipped bot rules and macros, staff consoles driven by script,
/// escalation tiers.
@Suite(.serialized) struct PeopleAndBotsTests {
    @Test func botAnswersPasswordResetWithItsMacroAndNoPersonIsInvolved() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let imported = try await runDesk(["macro", "import", repositoryFile("cluster/macros.yaml"), "--server", cluster.http], token: cluster.adminToken)
        #expect(imported.status == 0, "\(imported.output)")
        try cluster.startBot("helpbot")
        try cluster.startAgent("l1-sim", skills: ["account"], capacity: 4)  // a person-tier agent that must not get it
        try await eventually(20, "bot and agent connected") {
            (try await cluster.request("GET", "/healthz").json["agents"] as? Int) == 2
        }
        let (status, ticket) = await cluster.create([
            "subject": "I forgot my password", "body": "Please help me reset my password, I am locked out.",
            "requester": "ada@example.com", "category": "account", "priority": "P3",
        ])
        #expect(status == 201)
        #expect(ticket["tier"] as? Int == 0)
        #expect(ticket["pool"] as? String == "helpdesk")
        let id = (ticket["id"] as? NSNumber)?.int64Value ?? 0
        try await eventually(20, "the bot resolved ticket \(id)") { try await cluster.status(of: id) == "resolved" }

        let history = try await cluster.history(id)
        #expect(history.map(\.kind) == ["created", "assigned", "accepted", "macro_applied", "replied", "updated", "resolved"])
        #expect(Set(history.map(\.actor)) == ["api", "system", "agent:helpbot"], "no person acted: \(history.map(\.actor))")
        let reply = history.first { $0.kind == "replied" }
        #expect(reply?.detail["macro"] as? String == "password-reset")
        #expect((reply?.detail["body"] as? String)?.contains("Hello ada,") == true)
        // The reply waits in the outbox for delivery, addressed to the customer.
        let outbox = try await cluster.request("GET", "/api/v1/outbox?ticket=\(id)").json["messages"] as? [[String: Any]] ?? []
        #expect(outbox.count == 1)
        #expect(outbox.first?["to"] as? String == "ada@example.com")
        #expect((outbox.first?["body"] as? String)?.contains("https://account.example.com/reset") == true)
    }

    @Test func unmatchedTicketReachesStaffAndConsoleScriptWorksEveryStep() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let imported = try await runDesk(["macro", "import", repositoryFile("cluster/macros.yaml"), "--server", cluster.http], token: cluster.adminToken)
        #expect(imported.status == 0)
        try cluster.startBot("helpbot")
        let alice = try cluster.startStaff("alice", skills: ["billing"], tier: 1)
        try await eventually(20, "bot and staff connected") {
            (try await cluster.request("GET", "/healthz").json["agents"] as? Int) == 2
        }

        // The event stream, subscribed before anything happens (PUB/SUB joins take a moment).
        let context = try Context()
        let events = try Socket(context, .sub)
        try events.set(.subscribe, Array("progress".utf8))
        try events.set(.receiveTimeout, 100)
        try events.connect(cluster.eventsEndpoint)
        defer { events.close() }

        let (status, ticket) = await cluster.create([
            "subject": "Invoice shows the wrong amount", "body": "I was charged twice this month.",
            "requester": "carol@shop.example", "category": "billing",
        ])
        #expect(status == 201)
        #expect(ticket["tier"] as? Int == 1, "no bot rule claims an invoice question")
        let id = (ticket["id"] as? NSNumber)?.int64Value ?? 0

        alice.send("wait 20")
        try await alice.line(containing: "current ticket: #\(id)")
        // Bob (tier 2) joins once alice holds the ticket, so nothing else could reach him.
        let bob = try cluster.startStaff("bob", skills: ["billing"], tier: 2)
        try await bob.line(containing: "connected as bob")
        for (command, answer) in [
            ("reply Hello Carol, we are checking the charges.", "replied on #\(id) (public)"),
            ("note SECRET-NOTE: double charge confirmed in the ledger", "noted on #\(id) (internal)"),
            ("progress 40 checking the ledger", "progress 40% on #\(id)"),
            ("macro need-more-info", "applied macro need-more-info on #\(id)"),
            ("statuss waiting", "unknown command 'statuss'"),
            ("macro no-such-macro", "refused: unknown macro 'no-such-macro'"),
            ("escalate 2 refund above the L1 limit", "escalated #\(id) to tier 2"),
        ] {
            let before = alice.output.count
            alice.send(command)
            try await alice.line(containing: answer, after: before)
        }
        // Only bob (tier 2) may take it now; he resolves it from his console.
        bob.send("wait 20")
        try await bob.line(containing: "current ticket: #\(id)")
        bob.send("resolve refunded the double charge")
        try await bob.line(containing: "resolved #\(id)")
        alice.send("quit")
        #expect(try await alice.exitStatus() == 0)

        let history = try await cluster.history(id)
        let steps = history.map { "\($0.kind) \($0.actor)" }
        #expect(steps == [
            "created api", "assigned system", "accepted agent:alice", "replied agent:alice", "noted agent:alice",
            "progress agent:alice", "macro_applied agent:alice", "replied agent:alice", "status_changed agent:alice", "escalated agent:alice",
            "assigned system", "accepted agent:bob", "resolved agent:bob",
        ])
        #expect(history.allSatisfy { $0.at > 0 })
        #expect(history.filter { $0.kind == "assigned" }.map { $0.detail["agent"] as? String } == ["alice", "bob"])
        let escalation = history.first { $0.kind == "escalated" }
        #expect(escalation?.detail["to_tier"] as? Int == 2)
        #expect(escalation?.detail["reason"] as? String == "refund above the L1 limit")

        #expect(history.first { $0.kind == "progress" }?.detail["percent"] as? Int == 40)
        // Progress is on the event stream too.
        var progressEvent: [String: Any]?
        try await eventually(10, "the progress event on the stream") {
            guard let frames = try events.receive(), frames.count == 2 else { return false }
            progressEvent = (try? JSONSerialization.jsonObject(with: Data(frames[1]))) as? [String: Any]
            return (progressEvent?["ticket"] as? NSNumber)?.int64Value == id
        }
        #expect((progressEvent?["detail"] as? [String: Any])?["percent"] as? Int == 40)

        // Internal notes never reach anything customer-facing: the conversation and the outbox.
        let conversation = try await cluster.request("GET", "/api/v1/tickets/\(id)/conversation")
        let messages = conversation.json["messages"] as? [[String: Any]] ?? []
        #expect(messages.map { $0["from"] as? String } == ["customer", "support", "support"])
        #expect(!String(describing: conversation.json).contains("SECRET-NOTE"))
        let outbox = try await cluster.request("GET", "/api/v1/outbox?pending=false&ticket=\(id)")
        #expect((outbox.json["messages"] as? [[String: Any]])?.count == 2)
        #expect(!String(describing: outbox.json).contains("SECRET-NOTE"))
        // Staff see the note in the full history.
        #expect(history.contains { $0.kind == "noted" && ($0.detail["body"] as? String)?.contains("SECRET-NOTE") == true })
    }

    @Test func complaintIsEscalatedAtIntakeAndOnlyTierTwoReceivesIt() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        try cluster.startAgent("l1", skills: ["billing"], capacity: 50, tier: 1, serviceTime: "0")
        try cluster.startAgent("l2", skills: ["billing"], capacity: 50, tier: 2, serviceTime: "0")
        try await eventually(20, "agents connected") {
            (try await cluster.request("GET", "/healthz").json["agents"] as? Int) == 2
        }
        var complaints: [Int64] = []
        var ordinary: [Int64] = []
        for index in 0..<10 {
            let complaint = await cluster.create([
                "subject": "Formal complaint \(index)", "body": "This is a complaint about my bill.",
                "requester": "dan@example.com", "category": "billing", "priority": "P4",
            ])
            #expect(complaint.status == 201)
            #expect(complaint.json["tier"] as? Int == 2)
            #expect(complaint.json["priority"] as? String == "P2", "the complaint rule raises the priority")
            complaints.append((complaint.json["id"] as? NSNumber)?.int64Value ?? 0)
            let plain = await cluster.create([
                "subject": "Question \(index)", "body": "When is my bill due?", "requester": "dan@example.com", "category": "billing",
            ])
            ordinary.append((plain.json["id"] as? NSNumber)?.int64Value ?? 0)
        }
        try await eventually(30, "all 20 resolved") { try cluster.resolvedCount() == 20 }
        for id in complaints {
            let history = try await cluster.history(id)
            #expect(history.first { $0.kind == "escalated" }?.detail["reason"] as? String == "complaint")
            #expect(history.first { $0.kind == "escalated" }?.actor == "system")
            #expect(history.filter { $0.kind == "assigned" }.allSatisfy { $0.detail["agent"] as? String == "l2" },
                    "complaint \(id) went only to tier 2")
        }
        // Tier-1 tickets may go to either; the tier-1 agent got at least one, so the check above could fail.
        let l1Took = try cluster.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tickets WHERE assignee = 'l1'") ?? 0
        }
        #expect(l1Took > 0)
    }

    @Test func brokenMacrosAndRulesAreRefusedNamingTheLine() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let directory = cluster.directory + "-files"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let macros = directory + "/macros.yaml"
        try """
            macros:
              - name: greet
                reply: |
                  Hello {{requester.name}},
                  your order {{order.number}} has shipped.
            """.write(toFile: macros, atomically: true, encoding: .utf8)
        let macroRun = try await runDesk(["macro", "import", macros, "--server", cluster.http], token: cluster.adminToken)
        #expect(macroRun.status != 0)
        #expect(macroRun.output.contains { $0.contains("macros.yaml:5:") && $0.contains("unknown variable 'order.number'") },
                "\(macroRun.output)")
        // Nothing was stored.
        #expect((try await cluster.request("GET", "/api/v1/macros").json["macros"] as? [Any])?.count == 0)

        // The API refuses a broken template too, and never stores it.
        let body = Data(#"{"name":"oops","reply":"Hi {{#ticket.tags}}{{.}}"}"#.utf8)
        let refused = try await cluster.request("POST", "/api/v1/macros", body: body)
        #expect(refused.status == 400)
        #expect((refused.json["error"] as? String)?.contains("never closed") == true)

        let rules = directory + "/rules.yaml"
        try """
            pool: helpdesk
            rules:
              - name: reset
                when: { keywords: [password] }
                then:
                  - macro: password-reset
                  - resolve: done
                  - note: too late
            """.write(toFile: rules, atomically: true, encoding: .utf8)
        let botRun = try await runDesk(["agent", "--mode", "bot", "--name", "b", "--rules", rules, "--connect", cluster.agentsEndpoint])
        #expect(botRun.status != 0)
        #expect(botRun.output.contains { $0.contains("rules.yaml:8:") && $0.contains("nothing can follow resolve") }, "\(botRun.output)")
    }

    @Test func botRuleWithARegexAnswersWhatMatchesAndHandsOffWhatDoesNot() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let imported = try await runDesk(["macro", "import", repositoryFile("cluster/macros.yaml"), "--server", cluster.http], token: cluster.adminToken)
        #expect(imported.status == 0, "\(imported.output)")
        try cluster.startBot("helpbot")  // the shipped rules: known-outage has keywords and a regex
        try await eventually(20, "bot connected") { (try await cluster.request("GET", "/healthz").json["agents"] as? Int) == 1 }

        let (status, outage) = await cluster.create(["subject": "The app is down", "body": "Nothing loads since 9:00.",
                                                     "requester": "fay@example.com"])
        #expect(status == 201)
        #expect(outage["tier"] as? Int == 0)
        #expect(outage["pool"] as? String == "helpdesk")
        let outageID = (outage["id"] as? NSNumber)?.int64Value ?? 0
        try await eventually(20, "the bot resolved ticket \(outageID)") { try await cluster.status(of: outageID) == "resolved" }
        let history = try await cluster.history(outageID)
        #expect(history.first { $0.kind == "replied" }?.detail["macro"] as? String == "known-outage")
        #expect(history.last?.actor == "agent:helpbot")

        // The claim (a keyword) takes it, the rule's regex does not hold: the bot hands it to people.
        let (_, toaster) = await cluster.create(["subject": "Outage?", "body": "my toaster", "requester": "fay@example.com"])
        #expect(toaster["tier"] as? Int == 0, "claimed by the keyword; the coordinator runs no regex")
        let toasterID = (toaster["id"] as? NSNumber)?.int64Value ?? 0
        try await eventually(20, "the bot handed ticket \(toasterID) off") {
            try await cluster.history(toasterID).contains { $0.kind == "escalated" && $0.actor == "agent:helpbot" }
        }
        let handoff = try await cluster.history(toasterID).first { $0.kind == "escalated" }
        #expect(handoff?.detail["to_tier"] as? Int == 1)
        #expect(try await cluster.history(toasterID).contains { $0.kind == "replied" } == false, "the bot did not answer it")
    }

    @Test func ticketsOfAVanishedBotGoToPeople() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        // No macros are stored: the bot's macro step is refused, and it hands the ticket to people.
        let bot = try cluster.startBot("helpbot")
        try await eventually(20, "bot connected") { (try await cluster.request("GET", "/healthz").json["agents"] as? Int) == 1 }
        let first = await cluster.create(["subject": "Password reset", "body": "I forgot my password", "requester": "e@example.com"])
        let firstID = (first.json["id"] as? NSNumber)?.int64Value ?? 0
        #expect(first.json["tier"] as? Int == 0)
        try await eventually(20, "the bot handed ticket \(firstID) off") {
            try await cluster.history(firstID).contains { $0.kind == "escalated" && $0.actor == "agent:helpbot" }
        }
        let handoff = try await cluster.history(firstID).first { $0.kind == "escalated" }
        #expect((handoff?.detail["reason"] as? String)?.contains("handed off by bot") == true)
        #expect(handoff?.detail["to_tier"] as? Int == 1)

        // The bot stalls (SIGSTOP) and a new ticket is claimed for it: its lease expires, no bot of the pool
        // is left, and after a liveness period the ticket goes to people.
        kill(bot.process.processIdentifier, SIGSTOP)
        defer { bot.kill9() }
        let second = await cluster.create(["subject": "Password reset again", "body": "please reset my password",
                                           "requester": "e@example.com"])
        let secondID = (second.json["id"] as? NSNumber)?.int64Value ?? 0
        #expect(second.json["tier"] as? Int == 0)
        try cluster.startAgent("l1", skills: ["account"], capacity: 5)
        try await eventually(20, "both tickets resolved by people") {
            let first = try await cluster.status(of: firstID), second = try await cluster.status(of: secondID)
            return first == "resolved" && second == "resolved"
        }
        #expect(try await cluster.history(firstID).last?.actor == "agent:l1")
        let secondHistory = try await cluster.history(secondID)
        #expect(secondHistory.last?.actor == "agent:l1")
        #expect(secondHistory.contains { $0.kind == "lease_expired" })
        #expect(secondHistory.contains {
            $0.kind == "escalated" && $0.actor == "system" && ($0.detail["reason"] as? String) == "no bot of pool helpdesk connected"
        })
    }
}

/// Bad input on the new protocol surface: bot claims, UPDATE and APPLY_MACRO.
@Suite struct BotProtocolInputTests {
    func error(after message: WireMessage, on peer: RawPeer) throws -> WireError? {
        try peer.send(message)
        while let reply = try peer.receive() {
            if case .error(let error) = reply { return error }
            if case .ack = reply { return nil }
        }
        return nil
    }

    @Test func badClaimsAreRefusedNamingTheProblemAndTheCoordinatorCarriesOn() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let peer = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { peer.close() }
        func hello(tier: UInt32, claims: String) -> WireMessage {
            var hello = WireHello()
            hello.agent = "claimer"
            hello.capacity = 1
            hello.tier = tier
            hello.session = "s"
            hello.claims = claims
            return .hello(hello)
        }
        let cases: [(UInt32, String, String)] = [
            (0, "not json", "not valid claims JSON"),
            (1, #"{"pool":"p","conditions":[{"keywords":["x"]}]}"#, "only tier-0 agents"),
            (0, #"{"pool":"p","conditions":[{"regex":"("}]}"#, "condition 1"),
            (0, #"{"pool":"p","conditions":[{}]}"#, "condition 1 is empty"),
            (0, #"{"pool":"","conditions":[{"keywords":["x"]}]}"#, "pool must be"),
            (0, #"{"pool":"p","conditions":[{"priorities":["P9"]}]}"#, "not valid claims JSON"),
        ]
        for (tier, claims, expected) in cases {
            let refused = try error(after: hello(tier: tier, claims: claims), on: peer)
            #expect(refused?.code == .invalidArgument, "\(claims)")
            #expect(refused?.message.contains(expected) == true, "\(claims): \(refused?.message ?? "no error")")
        }
        // Not welcomed: no pool exists, so a password ticket is not claimed and stays at tier 1.
        let (_, ticket) = await cluster.create(["subject": "x", "body": "reset my password", "requester": "a@b.co"])
        #expect(ticket["tier"] as? Int == 1)
        #expect((try await cluster.request("GET", "/healthz").json["status"] as? String) == "ok")
    }

    @Test func claimWithARegexIsRefusedOnTheWireNamingTheCondition() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let peer = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { peer.close() }
        var hello = WireHello()
        hello.agent = "backtracker"
        hello.capacity = 1
        hello.tier = 0
        hello.session = "s"
        hello.claims = #"{"pool":"p","conditions":[{"keywords":["password"]},{"keywords":["order"],"regex":"(a+)+$"}]}"#
        let refused = try error(after: .hello(hello), on: peer)
        #expect(refused?.code == .invalidArgument)
        #expect(refused?.message.contains("condition 2") == true, "\(refused?.message ?? "no error")")
        #expect(refused?.message.contains("regex") == true, "\(refused?.message ?? "no error")")
        // Not welcomed, so no pool: a ticket its keywords would match stays with people.
        let (_, ticket) = await cluster.create(["subject": "order 12", "body": "where is my order", "requester": "a@b.co"])
        #expect(ticket["tier"] as? Int == 1)
    }

    @Test func badUpdatesAndMacrosAreRefusedAndChangeNothing() async throws {
        // The raw peer never heartbeats: a 3 s liveness keeps its lease through a loaded test run.
        let cluster = try await TestCluster(heartbeatMs: 1000)
        defer { cluster.shutdown() }
        let peer = try RawPeer(endpoint: cluster.agentsEndpoint)
        defer { peer.close() }
        #expect(try peer.hello("raw", skills: [], capacity: 1) != nil)
        let (_, ticket) = await cluster.create(["subject": "Printer", "body": "jammed", "requester": "a@b.co"])
        let id = (ticket["id"] as? NSNumber)?.int64Value ?? 0
        var lease = WireLeaseRef()
        while let message = try peer.receive() {
            if case .assign(let assign) = message { lease = assign.lease; break }
        }
        #expect(lease.ticketID == id)

        var empty = WireUpdate()
        empty.seq = 1
        empty.lease = lease
        #expect(try error(after: .update(empty), on: peer)?.message.contains("names no field") == true)
        var longTag = WireUpdate()
        longTag.seq = 2
        longTag.lease = lease
        longTag.addTags = [String(repeating: "t", count: 65)]
        #expect(try error(after: .update(longTag), on: peer)?.code == .invalidArgument)
        var apply = WireApplyMacro()
        apply.seq = 3
        apply.lease = lease
        apply.macro = "ghost"
        let refused = try error(after: .applyMacro(apply), on: peer)
        #expect(refused?.code == .invalidArgument)
        #expect(refused?.message.contains("unknown macro 'ghost'") == true)
        // A good update after the refusals takes effect, once.
        var good = WireUpdate()
        good.seq = 4
        good.lease = lease
        good.priority = .p1
        good.addTags = ["vip"]
        #expect(try error(after: .update(good), on: peer) == nil)
        let stored = try await cluster.request("GET", "/api/v1/tickets/\(id)").json
        #expect(stored["priority"] as? String == "P1")
        #expect(stored["tags"] as? [String] == ["vip"])
        let kinds = try await cluster.history(id).map(\.kind)
        #expect(kinds == ["created", "assigned", "updated"], "refused reports left no trace")
    }
}
