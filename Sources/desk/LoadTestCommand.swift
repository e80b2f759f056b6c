import ArgumentParser
import DeskLoadTest
import DeskModel
import Foundation

/// `desk loadtest`: scenarios for the load-test harness. Only `check` is built so far (see the issue).
struct LoadTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Load-test scenarios (loadtest/scenarios/*.yaml). Built so far: check.",
        subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a scenario file and print its plan: arrivals, agents, faults, and the Erlang C prediction for M/M/c.")
        @Argument var file: String

        func run() async throws {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch { throw ValidationError("\(file): cannot read the file") }
            let scenario: Scenario
            do { scenario = try Scenario.parse(text, file: file) } catch { throw ValidationError(error.description) }
            let arrivals = scenario.arrival.schedule(duration: scenario.durationSeconds, seed: scenario.seed)
            print("scenario \(scenario.name): \(scenario.durationSeconds) s, \(arrivals.count) tickets planned "
                  + "(\(String(format: "%.1f", Double(arrivals.count) / scenario.durationSeconds))/s on average), seed \(scenario.seed)")
            for pool in scenario.pools {
                print("  pool \(pool.name): \(pool.count) × tier \(pool.tier), capacity \(pool.capacity), skills \(pool.skills), service \(pool.serviceTime)")
            }
            for bot in scenario.bots { print("  bot \(bot.name): \(bot.count) × rules \(bot.rules)") }
            for (at, fault) in scenario.faults { print("  at \(at) s: \(fault)") }
            if let prediction = Self.mmc(scenario) { print(prediction) }
        }

        /// The Erlang C line for a scenario of M/M/c form: Poisson arrivals, exponential service, one pool
        /// of capacity 1.
        static func mmc(_ scenario: Scenario) -> String? {
            guard case .poisson(let rate) = scenario.arrival, scenario.pools.count == 1, scenario.bots.isEmpty,
                  let pool = scenario.pools.first, pool.capacity == 1, case .exponential(let mean) = pool.serviceTime, mean > 0
            else { return nil }
            guard let wait = ErlangC.waitProbability(arrivalRate: rate, serviceRate: 1 / mean, agents: pool.count),
                  let meanWait = ErlangC.meanWait(arrivalRate: rate, serviceRate: 1 / mean, agents: pool.count) else {
                return "M/M/\(pool.count): unstable (λ = \(rate)/s ≥ c·μ = \(Double(pool.count) / mean)/s): the queue grows without bound"
            }
            return "M/M/\(pool.count) (Erlang C): P(wait) = \(String(format: "%.3f", wait)), mean wait = \(String(format: "%.3f", meanWait)) s"
        }
    }
}
