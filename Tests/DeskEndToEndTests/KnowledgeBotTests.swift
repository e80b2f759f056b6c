import Foundation
import Testing

/// The knowledge bot on real processes: a coordinator started with `--knowledge-bot` and the embedding
/// model, a ticket answered with the article and confirmed (resolved, no person involved), and one the
/// customer says did not help, which a person (a real agent process) then gets, with the bot's answer in
/// its history.
@Suite struct KnowledgeBotTests {
    @Test func answeredThenConfirmedOrHandedToAPerson() async throws {
        let cluster = try await TestCluster(coordinatorArguments: ["--knowledge-bot"])
        defer { cluster.shutdown() }
        let article = try JSONSerialization.data(withJSONObject: [
            "file": "vpn-drops.md", "title": "The VPN disconnects every hour",
            "body": "## Problem\nThe tunnel drops on the hour.\n\n## Solution\nUpdate the VPN client to 5.2."])
        #expect(try await cluster.request("POST", "/api/v1/kb/articles", body: article).status == 201)
        let deadline = ContinuousClock.now + .seconds(60)
        while true {  // embedded in the background: until then the bot could only match by keyword
            let embedding = try await cluster.request("GET", "/api/v1/kb/stats").json["embedding"] as? [String: Any] ?? [:]
            if embedding["vectors"] as? Int == 1, embedding["backlog"] as? Int == 0 { break }
            guard ContinuousClock.now < deadline else { Issue.record("not embedded within 60 s: \(embedding)"); return }
            try await Task.sleep(for: .milliseconds(100))
        }
        // No agent is connected: both tickets wait, and the bot answers them.
        var ids: [Int64] = []
        for subject in ["the tunnel to the office keeps dropping", "office VPN connection lost every hour"] {
            let created = await cluster.create(["subject": subject, "body": "it disconnects every hour", "requester": "cara@example.com"])
            #expect(created.status == 201, "\(created.json)")
            ids.append((created.json["id"] as? NSNumber)?.int64Value ?? 0)
        }
        for id in ids {
            let until = ContinuousClock.now + .seconds(30)
            while try await cluster.status(of: id) != "pending_confirmation", ContinuousClock.now < until { try await Task.sleep(for: .milliseconds(50)) }
            #expect(try await cluster.status(of: id) == "pending_confirmation")
        }
        let answer = try await cluster.history(ids[0]).first { $0.kind == "replied" }
        #expect(answer?.actor == "knowledge-bot" && (answer?.detail["body"] as? String)?.contains("The VPN disconnects every hour") == true,
                "\(String(describing: answer))")
        let solved = try await cluster.request("POST", "/api/v1/tickets/\(ids[0])/confirm", body: Data(#"{"solved":true}"#.utf8))
        #expect(solved.json["status"] as? String == "resolved", "\(solved.json)")
        let notHelped = try await cluster.request("POST", "/api/v1/tickets/\(ids[1])/confirm",
                                                  body: Data(#"{"solved":false,"comment":"updated, still drops"}"#.utf8))
        #expect(notHelped.json["status"] as? String == "pending_assignment", "\(notHelped.json)")

        // A person comes online and gets the one that was not solved, its history carrying the bot's answer.
        try cluster.startAgent("pat", skills: ["network"])
        let until = ContinuousClock.now + .seconds(30)
        while try await cluster.status(of: ids[1]) != "resolved", ContinuousClock.now < until { try await Task.sleep(for: .milliseconds(50)) }
        let history = try await cluster.history(ids[1])
        #expect(history.contains { $0.kind == "replied" && $0.actor == "knowledge-bot" })
        #expect(history.contains { $0.kind == "customer_replied" })
        #expect(history.contains { $0.kind == "assigned" && ($0.detail["agent"] as? String) == "pat" }, "\(history.map(\.kind))")
        #expect(history.last?.kind == "resolved")
        #expect(try await cluster.history(ids[0]).contains { $0.kind == "assigned" } == false, "the confirmed one never needed a person")
        let stats = try await cluster.request("GET", "/api/v1/kb/stats").json
        #expect(stats["bot_answered"] as? Int == 2 && stats["bot_solved"] as? Int == 1 && stats["bot_continued"] as? Int == 1, "\(stats)")
        #expect(try await cluster.metric("desk_knowledge_bot_solved_total") == 1)
    }
}
