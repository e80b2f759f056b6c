import ArgumentParser
import DeskAgent
import DeskLoadTest
import DeskModel
import Foundation

/// `desk loadtest`: scenarios for the load-test harness. Only `check` is built so far (see the issue).
struct LoadTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadtest",
        abstract: "Load-test scenarios (loadtest/scenarios/*.yaml) through real processes, measured and audited.",
        subcommands: [Run.self, Staff.self, Check.self])

    struct Staff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find, by simulation, the smallest agent count of a pool that meets a target.",
            discussion: "Each trial is a full run of the scenario with the pool at one size (binary search); the target is "
                + "the share of tickets that wait at most a time for an agent: --target \"P1 90% within 30s\".")
        @Argument var file: String
        @Option(help: "Like \"P1 90% within 30s\" or \"all 80% within 20s\".") var target: String
        @Option(help: "The pool to size (default: the scenario's first).") var pool: String?
        @Option(help: "The largest count to try.") var max = 200

        func run() async throws {
            let goal: StaffingTarget
            do { goal = try StaffingTarget(parsing: target) } catch { throw ValidationError(error.description) }
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch { throw ValidationError("\(file): cannot read the file") }
            var scenario: Scenario
            do { scenario = try Scenario.parse(text, file: file) } catch { throw ValidationError(error.description) }
            guard let index = pool.map({ name in scenario.pools.firstIndex { $0.name == name } }) ?? 0 else {
                throw ValidationError("the scenario has no pool '\(pool ?? "")'")
            }
            let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
            var results: [Int: Double] = [:]
            func trial(_ count: Int) async throws -> Bool {
                if let share = results[count] { return share >= goal.share }
                var sized = scenario
                sized.pools[index].count = count
                let base = FileManager.default.temporaryDirectory.appendingPathComponent("desk-staff-\(UUID().uuidString)").path
                defer { try? FileManager.default.removeItem(atPath: base) }
                try FileManager.default.createDirectory(atPath: base + "/data", withIntermediateDirectories: true)
                let runner = LoadTestRunner(scenario: sized, executable: executable, directory: base + "/data",
                                            logger: LogSetup.logger("desk.loadtest", level: "error")) { _ in }
                let report = try await runner.run()
                let share = report.share(waitingAtMost: goal.withinMilliseconds, priority: goal.priority)
                results[count] = share
                announce(String(format: "%@ × %d: %.1f%% waited at most %gs%@", scenario.pools[index].name, count, share * 100,
                                goal.withinMilliseconds / 1000, report.auditFailed == 0 ? "" : " (audit failed!)"))
                return share >= goal.share
            }
            // Double until the target is met, then bisect between the last miss and the first hit.
            var low = 0, high = 1
            while !(try await trial(high)) {
                low = high
                high *= 2
                guard high <= max else { throw ValidationError("not met with \(low) agents; raise --max (\(max))") }
            }
            while high - low > 1 {
                let middle = (low + high) / 2
                if try await trial(middle) { high = middle } else { low = middle }
            }
            print("smallest \(scenario.pools[index].name) count meeting \(goal): \(high)")
        }
    }

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a scenario: spawn a coordinator (or attach to one) and the agents, drive intake open-loop, strike the faults, audit.",
            discussion: "Prints a progress line a second, then the summary; the last line is 'audit: N passed, N failed'. "
                + "Exits 1 when the audit fails. --out DIR writes result.json and report.html (SVG charts) there.")
        @Argument var file: String
        @Option(help: "Directory for result.json, report.html and the run's data.") var out: String?
        @Flag(help: "Spawn the coordinator (the default).") var spawn = false
        @Option(help: ArgumentHelp("Attach to a running coordinator at this HTTP address instead: the agents connect to it, "
                                   + "its API is audited; faults that kill the coordinator are refused.", valueName: "url"))
        var attach: String?
        @Option(help: "With --attach: an API token that may create and read tickets (default: the DESK_TOKEN environment variable).")
        var token: String?
        @Option var logLevel = "warning"

        func run() async throws {
            if attach != nil && spawn { throw ValidationError("--attach and --spawn exclude each other") }
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch { throw ValidationError("\(file): cannot read the file") }
            let scenario: Scenario
            do { scenario = try Scenario.parse(text, file: file) } catch { throw ValidationError(error.description) }
            if attach != nil, let reason = scenario.attachRefusal {
                throw ValidationError("\(file): \(reason): run it with --spawn")
            }
            let token = attach == nil ? nil : APIClient.token(token)
            if attach != nil, token == nil {
                throw ValidationError("--attach needs an API token that may create and read tickets: --token or DESK_TOKEN")
            }
            let base = out ?? FileManager.default.temporaryDirectory.appendingPathComponent("desk-loadtest-\(UUID().uuidString)").path
            let data = base + "/data"
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
            let runner = LoadTestRunner(scenario: scenario, executable: executable, directory: data, attach: attach, token: token,
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
            if let preload = scenario.preload {
                print("  preload: \(preload.open) open \(preload.priority.label) tickets in category \(preload.category), never worked")
            }
            if scenario.expectations.noExpiry { print("  expect: no lease expires and no lease moves") }
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
