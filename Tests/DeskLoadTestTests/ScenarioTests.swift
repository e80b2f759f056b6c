import DeskAutomation
import DeskLoadTest
import DeskModel
import Foundation
import Testing

@Suite struct ScenarioTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("loadtest/scenarios")

    @Test func everyShippedScenarioParses() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(Set(files).isSuperset(of: ["smoke.yaml", "steady.yaml", "burst.yaml", "mmc.yaml", "chaos.yaml", "many-agents.yaml",
                                           "stall.yaml", "sla-replace.yaml"]))
        for file in files {
            let path = Self.directory.appendingPathComponent(file).path
            let scenario = try Scenario.parse(try String(contentsOfFile: path, encoding: .utf8), file: file)
            #expect(scenario.name + ".yaml" == file)
        }
        let chaos = try Scenario.parse(try String(contentsOfFile: Self.directory.appendingPathComponent("chaos.yaml").path, encoding: .utf8),
                                       file: "chaos.yaml")
        #expect(chaos.faults.map(\.fault) == [.killAgents(count: 3), .killCoordinator(restartAfterSeconds: 2), .stallAgent(seconds: 5)])
        let mmc = try Scenario.parse(try String(contentsOfFile: Self.directory.appendingPathComponent("mmc.yaml").path, encoding: .utf8),
                                     file: "mmc.yaml")
        #expect(mmc.pools.map { "\($0.name) \($0.count) \($0.skills) \($0.tier) \($0.capacity)" } == ["desk 10 [\"billing\"] 1 1"])
        #expect(mmc.pools.first?.serviceTime == .exponential(meanSeconds: 0.2))
        #expect(mmc.heartbeatMs == 500)
        let many = try Scenario.parse(try String(contentsOfFile: Self.directory.appendingPathComponent("many-agents.yaml").path,
                                                 encoding: .utf8), file: "many-agents.yaml")
        #expect(many.heartbeatMs == 1000)
        #expect(many.pools.map(\.count) == [1000])
        let stall = try Scenario.parse(try String(contentsOfFile: Self.directory.appendingPathComponent("stall.yaml").path, encoding: .utf8),
                                       file: "stall.yaml")
        #expect(stall.faults.map(\.fault) == [.stallCoordinator(seconds: 5)] && stall.expectations.noExpiry)
        let replace = try Scenario.parse(try String(contentsOfFile: Self.directory.appendingPathComponent("sla-replace.yaml").path,
                                                    encoding: .utf8), file: "sla-replace.yaml")
        #expect(replace.preload == Scenario.Preload(open: 100_000, category: "backlog", priority: .p4) && replace.expectations.noExpiry)
        #expect(replace.faults.map(\.fault) == [.replaceSLAPolicies(file: "loadtest/scenarios/sla-policies.json")])
    }

    @Test func badScenariosNameLineAndReason() {
        let base = "duration: 10s\narrival: { process: poisson, rate: 5 }\nagents:\n  - { name: a, count: 2 }\n"
        let cases: [(String, Int, String)] = [
            ("duration: 10s\narrival: { process: gaussian, rate: 5 }\nagents:\n  - { name: a }\n", 2, "unknown arrival process 'gaussian'"),
            ("duration: soon\narrival: { process: poisson, rate: 5 }\nagents:\n  - { name: a }\n", 1, "'soon' is not a duration"),
            ("duration: 10s\narrival: { process: poisson, rate: -5 }\nagents:\n  - { name: a }\n", 2, "rate must be a rate above 0"),
            (base + "faults:\n  - { at: 20s, kill_agents: 1 }\n", 6, "after the run's 10.0 s"),
            (base + "faults:\n  - { at: 2s, kill_agents: 9 }\n", 6, "kill_agents must be 1 to the number of agents"),
            (base + "faults:\n  - { at: 2s, unplug: yes }\n", 6, "unknown key 'unplug'"),
            ("duration: 10s\narrival: { process: poisson, rate: 5 }\nagents:\n  - { name: a, service_time: forever }\n", 4, "service_time 'forever'"),
            ("duration: 10s\narrival: { process: poisson, rate: 5 }\nagents:\n  - { name: a, tier: 0 }\n", 4, "tier is 1 to 3"),
            ("duration: 10s\narrival: { process: bursts, rate: 5, burst_rate: 50, every: 2s, burst_for: 3s }\nagents:\n  - { name: a }\n",
             2, "burst_for shorter than every"),
            ("duration: 10s\narrival: { process: poisson, rate: 5 }\nmix: { priority: { P7: 1 } }\nagents:\n  - { name: a }\n", 3, "'P7'"),
            ("duration: 10s\narrival: { process: poisson, rate: 5 }\nagentz: []\n", 3, "unknown key 'agentz'"),
            ("duration: 10s\narrival: { process: poisson, rate: 5 }\nagents:\n  - { name: a }\n  - { name: a }\n", 4, "used by two"),
            (base + "heartbeat: 10ms\n", 5, "heartbeat is 50ms to 60s"),
        ]
        for (text, line, reason) in cases {
            do {
                _ = try Scenario.parse(text, file: "s.yaml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.line == line, "\(error)")
                #expect(error.message.contains(reason), "\(error)")
            }
        }
    }

    @Test func coordinatorFaultsPreloadAndExpectationsParse() throws {
        let text = """
            duration: 40s
            arrival: { process: poisson, rate: 100 }
            agents:
              - { name: l1, count: 4, skills: [billing, network] }
            preload: { open: 100000, category: Backlog }
            faults:
              - { at: 15s, stall_coordinator: 5s }
              - { at: 20s, replace_sla_policies: { file: loadtest/scenarios/sla-policies.json } }
            expect: { no_expiry: true }

            """
        let scenario = try Scenario.parse(text, file: "s.yaml")
        #expect(scenario.faults.map(\.fault) == [.stallCoordinator(seconds: 5),
                                                 .replaceSLAPolicies(file: "loadtest/scenarios/sla-policies.json")])
        #expect(scenario.preload == Scenario.Preload(open: 100_000, category: "backlog", priority: .p4))
        #expect(scenario.expectations.noExpiry)
        #expect(scenario.attachRefusal?.contains("stops the coordinator (SIGSTOP) at 15.0 s") == true)

        let plain = try Scenario.parse("duration: 10s\narrival: { process: poisson, rate: 5 }\nagents:\n  - { name: a }\n", file: "p.yaml")
        #expect(plain.preload == nil && !plain.expectations.noExpiry && plain.attachRefusal == nil)
        let preloadOnly = try Scenario.parse("duration: 10s\narrival: { process: poisson, rate: 5 }\nagents:\n  - { name: a }\n"
                                             + "preload: { open: 10, category: backlog, priority: P2 }\n", file: "p.yaml")
        #expect(preloadOnly.preload?.priority == .p2)
        #expect(preloadOnly.attachRefusal?.contains("preloads open tickets") == true)
    }

    @Test func badCoordinatorFaultsPreloadAndExpectationsNameLineAndReason() {
        let base = "duration: 10s\narrival: { process: poisson, rate: 5 }\nagents:\n  - { name: a, count: 2, skills: [billing] }\n"
        let cases: [(String, Int, String)] = [
            (base + "faults:\n  - { at: 2s, stall_coordinator: 0s }\n", 6, "stall_coordinator must be above 0 and at most 60 s"),
            (base + "faults:\n  - { at: 2s, stall_coordinator: 2m }\n", 6, "stall_coordinator must be above 0 and at most 60 s"),
            (base + "faults:\n  - { at: 2s, stall_coordinator: awhile }\n", 6, "stall_coordinator 'awhile' is not a duration"),
            (base + "faults:\n  - { at: 2s, replace_sla_policies: { path: p.json } }\n", 6, "unknown key 'path'"),
            (base + "faults:\n  - { at: 2s, replace_sla_policies: {} }\n", 6, "replace_sla_policies needs file"),
            (base + "faults:\n  - { at: 2s, replace_sla_policies: { file: p.yaml } }\n", 6, "must be a .json file"),
            (base + "faults:\n  - { at: 2s, stall_coordinator: 1s, kill_agents: 1 }\n", 6, "a fault is one of"),
            (base + "preload: { open: 0, category: backlog }\n", 5, "preload.open must be 1 to 1000000"),
            (base + "preload: { open: many, category: backlog }\n", 5, "preload.open must be a whole number"),
            (base + "preload: { open: 10 }\n", 5, "preload needs open"),
            (base + "preload: { open: 10, category: billing }\n", 5, "is a skill of pool 'a'"),
            (base + "preload: { open: 10, category: \"back log\" }\n", 5, "must be a word"),
            (base + "preload: { open: 10, category: backlog, priority: P9 }\n", 5, "'P9' is not a priority"),
            (base + "preload: { open: 10, category: backlog, size: 3 }\n", 5, "unknown key 'size'"),
            ("duration: 10s\narrival: { process: poisson, rate: 5 }\nmix: { category: { backlog: 1, billing: 1 } }\n"
             + "agents:\n  - { name: a }\npreload: { open: 10, category: backlog }\n", 6, "is in mix.category"),
            (base + "expect: { no_expiry: maybe }\n", 5, "expect.no_expiry must be true or false"),
            (base + "expect: { no_loss: true }\n", 5, "unknown key 'no_loss'"),
            (base + "faults:\n  - { at: 2s, kill_agents: 1 }\nexpect: { no_expiry: true }\n", 7,
             "cannot hold with the agent fault at 2.0 s"),
            (base + "faults:\n  - { at: 2s, stall_agent: 5s }\nexpect:\n  no_expiry: true\n", 8, "killing or stalling an agent"),
        ]
        for (text, line, reason) in cases {
            do {
                _ = try Scenario.parse(text, file: "s.yaml")
                Issue.record("accepted: \(text)")
            } catch {
                #expect(error.line == line, "\(error)")
                #expect(error.message.contains(reason), "\(error)")
            }
        }
    }

    @Test func arrivalSchedulesFollowTheirProcess() {
        let poisson = Scenario.Arrival.poisson(rate: 100).schedule(duration: 100, seed: 1)
        #expect(abs(Double(poisson.count) - 10_000) < 400, "Poisson count within 4 sigma: \(poisson.count)")
        #expect(poisson == Scenario.Arrival.poisson(rate: 100).schedule(duration: 100, seed: 1), "seeded: the same run twice")
        let gaps = zip(poisson.dropFirst(), poisson).map { $0 - $1 }
        let mean = gaps.reduce(0, +) / Double(gaps.count)
        let variance = gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gaps.count)
        #expect(abs(mean - 0.01) < 0.0005 && abs(variance.squareRoot() - 0.01) < 0.001, "exponential gaps: mean = sd = 1/rate")

        let constant = Scenario.Arrival.constant(rate: 10).schedule(duration: 2, seed: 1)
        #expect(constant.count == 20 && constant[1] == 0.1)

        let ramp = Scenario.Arrival.ramp(from: 10, to: 1000).schedule(duration: 60, seed: 3)
        #expect(ramp.filter { $0 >= 50 }.count > 10 * ramp.filter { $0 < 10 }.count, "a ramp sends far more at the end")

        let bursts = Scenario.Arrival.bursts(rate: 10, burstRate: 1000, everySeconds: 10, burstSeconds: 1).schedule(duration: 30, seed: 5)
        let inBursts = bursts.filter { $0.truncatingRemainder(dividingBy: 10) < 1 }.count
        #expect(Double(inBursts) / Double(bursts.count) > 0.85, "most tickets arrive in the bursts")
    }

    @Test func erlangCMatchesTheTextbook() throws {
        // λ = 2, μ = 1, c = 3: P(wait) = 4/9, mean wait = 4/9.
        let wait = try #require(ErlangC.waitProbability(arrivalRate: 2, serviceRate: 1, agents: 3))
        #expect(abs(wait - 4.0 / 9.0) < 1e-9)
        #expect(abs((ErlangC.meanWait(arrivalRate: 2, serviceRate: 1, agents: 3) ?? 0) - 4.0 / 9.0) < 1e-9)
        // One agent is M/M/1: P(wait) = ρ.
        #expect(abs((ErlangC.waitProbability(arrivalRate: 0.7, serviceRate: 1, agents: 1) ?? 0) - 0.7) < 1e-9)
        #expect(ErlangC.waitProbability(arrivalRate: 10, serviceRate: 1, agents: 10) == nil, "unstable")
        // The shipped mmc scenario: λ = 40, μ = 5, c = 10.
        let mmc = try #require(ErlangC.waitProbability(arrivalRate: 40, serviceRate: 5, agents: 10))
        #expect(mmc > 0.40 && mmc < 0.42)
    }
}

@Suite struct StaffingTargetTests {
    @Test func parsesTargetsAndRefusesOthers() throws {
        let target = try StaffingTarget(parsing: "P1 90% within 30s")
        #expect(target.priority == "P1" && target.share == 0.9 && target.withinMilliseconds == 30_000)
        #expect(try StaffingTarget(parsing: "all 80% within 500ms").priority == nil)
        for bad in ["P1 90 within 30s", "P9 90% within 30s", "P1 190% within 30s", "P1 90% under 30s", "P1 90% within soon"] {
            #expect(throws: RuleError.self, "\(bad)") { try StaffingTarget(parsing: bad) }
        }
    }
}
