import Foundation
import Testing

/// The staff console on real processes: the queue, notices of customer answers, and `wait` after a
/// ticket left.
@Suite struct ConsoleQueueTests {
    @Test func consoleListsTheQueueHearsTheCustomerAndWaitSkipsResolvedTickets() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let dana = try cluster.startStaff("dana", skills: ["general"])  // capacity 1: the second ticket waits
        try await dana.line(containing: "connected as dana")

        func create(_ subject: String) async throws -> Int64 {
            let (status, ticket) = await cluster.create(["subject": subject, "body": "details", "requester": "eve@example.com",
                                                         "category": "general"])
            guard status == 201, let id = (ticket["id"] as? NSNumber)?.int64Value else { throw E2EError("create: \(status)") }
            return id
        }
        let first = try await create("Export my data")
        try await dana.line(containing: "* new ticket #\(first)")
        let second = try await create("A question with a subject long enough to be cut in the queue table, surely")

        var before = dana.output.count
        dana.send("queue")
        let row = try await dana.line(containing: "#\(second) ", after: before)
        #expect(dana.output[row].contains("A question with a subject long enough to be cut in the queu…"), "\(dana.output[row])")
        #expect(!dana.output.dropFirst(before).contains { $0.contains("#\(first) ") }, "a held ticket is not in the queue")

        // The customer answers on dana's ticket: the console says so (the stream is followed since it started).
        before = dana.output.count
        let (answered, _) = try await cluster.request("POST", "/api/v1/tickets/\(first)/messages",
                                                      body: Data(#"{"body":"Here is more."}"#.utf8))
        #expect(answered == 201 || answered == 200, "POST messages: \(answered)")
        try await dana.line(containing: "* the customer answered on #\(first)", after: before)

        // Resolving the first ticket frees the slot; the second arrives. `wait` returns it, not the first
        // (which arrived earlier, was never waited for, and has left).
        before = dana.output.count
        dana.send("resolve exported")
        try await dana.line(containing: "resolved #\(first)", after: before)
        try await dana.line(containing: "* new ticket #\(second)", after: before)
        before = dana.output.count
        dana.send("wait 10")
        let waited = try await dana.line(containing: "current ticket: #", after: before)
        #expect(dana.output[waited] == "current ticket: #\(second)")
        before = dana.output.count
        dana.send("tickets")
        let marked = try await dana.line(containing: "#\(second) ", after: before)
        #expect(dana.output[marked].hasPrefix(" * "), "the current ticket is marked: \(dana.output[marked])")
    }
}

/// `take #ID` in the console: a ticket a colleague holds moves to me under a new lease; the colleague's
/// console is told; a ticket I may not take is refused with the API's reason.
@Suite struct ConsoleTakeTests {
    @Test func takeMovesATicketToMeAndRefusalsNameTheReason() async throws {
        let cluster = try await TestCluster()
        defer { cluster.shutdown() }
        let ann = try cluster.startStaff("ann", skills: ["general"])
        try await ann.line(containing: "connected as ann")
        let (status, ticket) = await cluster.create(["subject": "Export", "body": "as CSV", "requester": "eve@example.com",
                                                     "category": "general"])
        #expect(status == 201)
        let id = try #require((ticket["id"] as? NSNumber)?.int64Value)
        try await ann.line(containing: "* new ticket #\(id)")
        // tom connects after the ticket went to ann, so only a take gives it to him.
        let tom = try cluster.startStaff("tom", skills: ["general"])
        try await tom.line(containing: "connected as tom")
        var before = tom.output.count
        tom.send("take #\(id)")
        try await tom.line(containing: "took #\(id); current ticket: #\(id)", after: before)
        try await ann.line(containing: "* ticket #\(id) left you")
        let history = try await cluster.history(id).filter { $0.kind == "assigned" }.map { $0.detail["agent"] as? String }
        #expect(history == ["ann", "tom"])
        // A ticket needing a skill tom lacks is refused, with the reason.
        let (_, billing) = await cluster.create(["subject": "Refund", "body": "twice", "requester": "eve@example.com",
                                                 "category": "billing"])
        let other = try #require((billing["id"] as? NSNumber)?.int64Value)
        before = tom.output.count
        tom.send("take #\(other)")
        let refused = try await tom.line(containing: "rror", after: before)
        #expect(tom.output[refused].contains("skill"), "\(tom.output[refused])")
    }
}
