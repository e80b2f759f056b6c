import DeskAutomation
import DeskModel
import Foundation
import Testing

@Suite struct BotRulesTests {
    func facts(_ subject: String, _ body: String = "", requester: String = "x@example.com", priority: Priority = .p3,
               category: String = "", channel: String = "api") -> TicketFacts {
        TicketFacts(subject: subject, body: body, requester: requester, priority: priority, category: category, channel: channel)
    }

    @Test func shippedExampleRulesParseAndMatch() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("cluster/bot-rules.yaml").path
        let rules = try BotRules.parse(try String(contentsOfFile: path, encoding: .utf8), file: path)
        #expect(rules.pool == "helpdesk")
        #expect(rules.match(facts("I forgot my password"))?.name == "password-reset")
        #expect(rules.match(facts("I forgot my password", priority: .p1)) == nil, "P1 password tickets go to people")
        #expect(rules.match(facts("The app is down", "since 9:00"))?.name == "known-outage")
        #expect(rules.match(facts("Outage?", "my toaster"))?.name == nil, "the regex must hold too")
        #expect(rules.match(facts("Invoice question")) == nil)
        #expect(rules.match(facts("x", "my LAWYER says")) == nil, "legal wording is escalated at intake, past the bots")
    }

    @Test func conditionsCoverEveryField() throws {
        let rules = try BotRules.parse("""
            rules:
              - name: vip
                when:
                  category: [billing, account]
                  priority: [P1, P2]
                  channel: email
                  requester_domain: bigcorp.com
                  regex: 'order\\s+#?\\d+'
                then:
                  - set: { priority: P1, add_tags: [vip] }
                  - escalate: { tier: 2, reason: vip order }
            """, file: "r.yaml")
        #expect(rules.pool == "bots")
        let hit = facts("Order 1234 missing", requester: "ceo@eu.bigcorp.com", priority: .p2, category: "Billing", channel: "email")
        #expect(rules.match(hit)?.name == "vip")
        var miss = hit
        miss.requester = "ceo@notbigcorp.com"
        #expect(rules.match(miss) == nil)
        miss = hit
        miss.channel = "chat"
        #expect(rules.match(miss) == nil)
        miss = hit
        miss.subject = "Order missing"
        #expect(rules.match(miss) == nil)
        #expect(rules.rules[0].actions == [
            .set(priority: .p1, category: nil, addTags: ["vip"], removeTags: []),
            .escalate(tier: 2, reason: "vip order", priority: nil),
        ])
    }

    @Test func keywordsMatchCaseInsensitivelyInAnyScript() throws {
        let condition = try RuleCondition(keywords: ["Überweisung", "refund"]).compiled()
        var german = facts("ÜBERWEISUNG fehlt")
        #expect(condition.matches(&german))
        var english = facts("Where is my REFUND?")
        #expect(condition.matches(&english))
        var neither = facts("Refun d")
        #expect(!condition.matches(&neither))
    }

    @Test func brokenRulesNameLineAndProblem() {
        let cases: [(String, Int, String)] = [
            ("rules:\n  - name: a\n    when: { keywords: [x] }\n    then:\n      - macro: m\n", 5, "must end with resolve, escalate or handoff"),
            ("rules:\n  - name: a\n    when: {}\n    then:\n      - resolve: ok\n", 3, "empty 'when'"),
            ("rules:\n  - name: a\n    when: { priority: P9 }\n    then:\n      - resolve: ok\n", 3, "'P9' is not a priority"),
            ("rules:\n  - name: a\n    when: { keywords: [x], regex: '(' }\n    then:\n      - resolve: ok\n", 3, "does not compile"),
            ("rules:\n  - name: a\n    when: { keywords: [x] }\n    then:\n      - explode: now\n", 5, "unknown key 'explode'"),
            ("rules:\n  - name: a\n    when: { keywords: [x] }\n    then:\n      - escalate: { tier: 7, reason: r }\n", 5, "1 to 3"),
            ("rules:\n  - name: a\n    when: { colour: red }\n    then:\n      - resolve: ok\n", 3, "unknown key 'colour'"),
            ("rules:\n  - name: a\n    when: { keywords: [x] }\n    then: [ { resolve: ok }\n", 5, "flow sequence on line 4"),
            ("rules:\n  - name: a\n    when: { keywords: [x] }\n    then:\n      - resolve: ok\n  - name: a\n    when: { keywords: [y] }\n    then:\n      - resolve: ok\n",
             6, "defined twice"),
        ]
        for (text, line, message) in cases {
            do {
                _ = try BotRules.parse(text, file: "r.yaml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.line == line, "\(error)")
                #expect(error.message.contains(message), "\(error)")
            }
        }
    }

    @Test func ruleWithOnlyARegexIsRefusedNamingLineAndWhy() {
        let text = """
            pool: helpdesk
            rules:
              - name: orders
                when:
                  category: billing
                then:
                  - resolve: ok
              - name: order-numbers
                when:
                  regex: 'order\\s+#?\\d+'
                then:
                  - resolve: ok
            """
        do {
            _ = try BotRules.parse(text, file: "rules.yaml")
            Issue.record("a rule with only a regex was accepted")
        } catch {
            #expect(error.description.hasPrefix("rules.yaml:10:"), "\(error)")
            #expect(error.message.contains("rule 'order-numbers' has only a regex"), "\(error)")
            #expect(error.message.contains("keywords, category, priority, channel or requester_domain"), "\(error)")
        }
    }

    @Test func claimsCarryTheCheapFieldsOfEachRuleAndNeverItsRegex() throws {
        let rules = try BotRules.parse("""
            rules:
              - name: vip
                when: { category: billing, requester_domain: bigcorp.com, regex: 'order\\s+\\d+' }
                then:
                  - resolve: ok
              - name: reset
                when: { keywords: [password] }
                then:
                  - resolve: ok
            """, file: "r.yaml")
        #expect(rules.claims.conditions == [
            RuleCondition(categories: ["billing"], requesterDomains: ["bigcorp.com"]),
            RuleCondition(keywords: ["password"]),
        ])
        // The bot still holds its rules to the whole condition, regex included.
        #expect(rules.match(facts("Order 12", requester: "a@bigcorp.com", category: "billing"))?.name == "vip")
        #expect(rules.match(facts("Order twelve", requester: "a@bigcorp.com", category: "billing")) == nil)
    }

    @Test func escalationPolicyRaisesTierAndPriorityOnce() throws {
        var ticket = NewTicket(subject: "Formal complaint", body: "about the service", requester: "a@b.c", priority: .p4)
        var facts = TicketFacts(ticket)
        EscalationPolicy.standard.apply(to: &ticket, facts: &facts)
        #expect(ticket.tier == 2)
        #expect(ticket.priority == .p2)
        #expect(ticket.escalation?.reason == "complaint")

        var p1 = NewTicket(subject: "complaint", body: "", requester: "a@b.c", priority: .p1)
        var p1Facts = TicketFacts(p1)
        EscalationPolicy.standard.apply(to: &p1, facts: &p1Facts)
        #expect(p1.priority == .p1, "a rule never lowers a priority")

        var plain = NewTicket(subject: "Hello", body: "a question", requester: "a@b.c")
        var plainFacts = TicketFacts(plain)
        EscalationPolicy.standard.apply(to: &plain, facts: &plainFacts)
        #expect(plain.escalation == nil && plain.tier == 1)

        #expect(throws: RuleError.self) {
            try EscalationPolicy(rules: [EscalationRule(when: RuleCondition(keywords: ["x"]), tier: 5, reason: "r")])
        }
        #expect(throws: RuleError.self) { try EscalationPolicy(tierNames: ["a", "b"]) }
    }
}
