import ArgumentParser
import DeskLoadTest
import DeskModel
import Foundation

/// `desk loadtest`: scenarios for the load-test harness. Only `check` is built so far (see the issue).
struct LoadTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Load-test scenarios (loadtest/scenarios/*.yaml) through real processes, measured and audited.",
        subcommands: [Run.self, Check.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a scenario: spawn a coordinator and the agents, drive intake open-loop, strike the faults, audit.",
            discussion: "Prints a progress line a second, then the summary; the last line is 'audit: N passed, N failed'. "
                + "Exits 1 when the audit fails. --out DIR writes result.json and report.html (SVG charts) there.")
        @Argument var file: String
        @Option(help: "Directory for result.json, report.html and the run's data.") var out: String?
        @Flag(help: "Spawn the coordinator (the default).") var spawn = false
        @Option(help: "Attach to a running coordinator instead (not built yet).") var attach: String?
        @Option var logLevel = "warning"

        func run() async throws {
            if attach != nil { throw ValidationError("--attach is not built yet: run with --spawn (the default)") }
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch { throw ValidationError("\(file): cannot read the file") }
            let scenario: Scenario
            do { scenario = try Scenario.parse(text, file: file) } catch { throw ValidationError(error.description) }
            let base = out ?? FileManager.default.temporaryDirectory.appendingPathComponent("desk-loadtest-\(UUID().uuidString)").path
            let data = base + "/data"
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
            let runner = LoadTestRunner(scenario: scenario, executable: executable, directory: data,
                                        logger: LogSetup.logger("desk.loadtest", level: logLevel)) { line in announce(line) }
            let report = try await runner.run()
            print(report.summary)
            if out != nil {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(report).write(to: URL(fileURLWithPath: base + "/result.json"))
                try HTMLReport.page(report).write(toFile: base + "/report.html", atomically: true, encoding: .utf8)
                print("result: \(base)/result.json  report: \(base)/report.html")
            } else {
                try? FileManager.default.removeItem(atPath: base)
            }
            if report.auditFailed > 0 { throw ExitCode(1) }
        }
    }

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
