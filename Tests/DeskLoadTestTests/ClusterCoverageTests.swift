import DeskLoadTest
import Foundation
import Testing

/// The shipped example cluster takes every ticket its own rules route, escalate or hand off.
@Suite struct ClusterCoverageTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func theShippedClusterHasAnAgentOrPersonForEveryPlaceItsRulesSendTickets() throws {
        let problems = try ClusterCoverage.check(clusterFile: Self.root + "/cluster/local.yaml", root: Self.root)
        #expect(problems.isEmpty, "\(problems)")
    }

    /// The cluster as it shipped before: the standard intake rules send legal wording to tier 3, which no
    /// agent has, and the bot's legal rule never sees a ticket.
    @Test func aClusterWithoutATierThreeAgentAndADeadBotRuleIsCaught() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-coverage-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            pool: helpdesk
            rules:
              - name: legal-words-go-to-people
                when: { keywords: [lawyer, legal] }
                then:
                  - handoff: legal wording needs a person
            """.write(toFile: directory + "/bots.yaml", atomically: true, encoding: .utf8)
        try """
            coordinator: { data: data }
            agents:
              - { name: helpbot, mode: bot, rules: bots.yaml }
              - { name: billing-l1, skills: [billing, account], tier: 1, mode: sim }
              - { name: generalist-l2, skills: [billing, account, network, hardware], tier: 2, mode: sim }
            """.write(toFile: directory + "/cluster.yaml", atomically: true, encoding: .utf8)
        let problems = try ClusterCoverage.check(clusterFile: directory + "/cluster.yaml", root: directory)
        #expect(problems.contains { $0.contains("at tier 3") && $0.contains("intake rule 'legal'") }, "\(problems)")
        #expect(problems.contains { $0.contains("bot rule 'legal-words-go-to-people'") && $0.contains("can never fire") }, "\(problems)")
        #expect(!problems.contains { $0.contains("skill 'billing' at tier 1") }, "billing-l1 takes those")
    }
}
