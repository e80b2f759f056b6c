import DeskAutomation
import DeskModel
import Testing

@Suite struct MacroTemplateTests {
    let ticket = Ticket(id: 42, subject: "Cannot log in", body: "Locked out <again> & again", requester: "ada@example.com",
                        priority: .p2, category: "account", tags: ["vip", "login"], createdAt: 0)

    @Test func rendersTicketRequesterAndAgentFieldsAsPlainText() throws {
        let template = try MacroTemplate("""
            Hello {{requester.name}},
            about #{{ticket.id}} ({{ticket.priority}}, {{ticket.category}}): {{ticket.body}}
            Tags:{{#ticket.tags}} {{.}}{{/ticket.tags}}
            — {{agent.name}} at {{requester.domain}}
            """)
        let text = template.render(ticket: ticket, agent: "alice")
        #expect(text == """
            Hello ada,
            about #42 (P2, account): Locked out <again> & again
            Tags: vip login
            — alice at example.com
            """)
    }

    @Test func unknownVariableIsNamedWithItsLine() {
        #expect(throws: MacroTemplate.Problem.self) { try MacroTemplate("Hi\nthere {{customer.name}}") }
        do {
            _ = try MacroTemplate("Hi\nthere {{customer.name}}")
        } catch {
            #expect(error.line == 2)
            #expect(error.message.contains("unknown variable 'customer.name'"))
        }
    }

    @Test func brokenTemplatesAreRefused() {
        let cases: [(String, String)] = [
            ("Hi {{ticket.id", "never closed"),
            ("Hi {{#ticket.tags}}x", "never closed"),
            ("Hi {{#ticket.tags}}x{{/ticket.category}}", "does not match"),
            ("Hi {{/ticket.tags}}", "never opened"),
            ("Hi {{> footer}}", "partials"),
            ("Hi {{=<% %>=}}", "delimiters"),
            ("Hi {{.}}", "only allowed inside"),
            ("{{#ticket.tags}}{{.}}{{/ticket.tags}}", "could render empty"),
            ("Hi {{uppercased(ticket.subject)}}", "transforms"),
        ]
        for (text, expected) in cases {
            do {
                _ = try MacroTemplate(text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.message.contains(expected), "\(text): \(error.message)")
            }
        }
    }

    @Test func macroChecksActions() {
        #expect(throws: RuleError.self) {
            try CheckedMacro(MacroDefinition(name: "x", reply: "Hi", actions: MacroActions(status: .resolved)))
        }
        #expect(throws: RuleError.self) {
            try CheckedMacro(MacroDefinition(name: "x", reply: "Hi", actions: MacroActions(
                escalate: .init(tier: 2, reason: "r"), resolve: "done")))
        }
        #expect(throws: RuleError.self) { try CheckedMacro(MacroDefinition(name: "bad name", reply: "Hi")) }
        #expect(throws: RuleError.self) { try CheckedMacro(MacroDefinition(name: "empty")) }
    }
}

@Suite struct MacroFileTests {
    @Test func readsMacrosWithActions() throws {
        let macros = try MacroFile.parse("""
            macros:
              - name: password-reset
                description: Send the link
                reply: |
                  Hello {{requester.name}},
                  use the link.
                actions:
                  status: pending_confirmation
                  add_tags: [password-reset]
              - name: close-dup
                actions: { resolve: duplicate }
            """, file: "m.yaml")
        #expect(macros.map(\.definition.name) == ["password-reset", "close-dup"])
        #expect(macros[0].definition.actions.status == .pendingConfirmation)
        #expect(macros[1].definition.actions.resolve == "duplicate")
    }

    @Test func templateErrorNamesTheFileLine() {
        do {
            _ = try MacroFile.parse("""
                macros:
                  - name: greet
                    reply: |
                      Hello {{requester.name}},
                      your order {{order.id}} shipped.
                """, file: "m.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.line == 5)
            #expect(error.description.hasPrefix("m.yaml:5: macro 'greet': reply: unknown variable 'order.id'"))
        }
    }

    @Test func badActionAndSyntaxNameTheLine() {
        do {
            _ = try MacroFile.parse("macros:\n  - name: a\n    reply: Hi\n    actions:\n      status: closed\n", file: "m.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.line == 5)
            #expect(error.message.contains("status 'closed'"))
        }
        do {
            _ = try MacroFile.parse("macros:\n  - name: a\n    reply: [unclosed\n", file: "m.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.line != nil)
            #expect(error.message.contains("not valid YAML"))
        }
        do {
            _ = try MacroFile.parse("macros:\n  - name: a\n    replly: Hi\n", file: "m.yaml")
            Issue.record("accepted")
        } catch {
            #expect(error.line == 3)
            #expect(error.message.contains("unknown key 'replly'"))
        }
    }
}
