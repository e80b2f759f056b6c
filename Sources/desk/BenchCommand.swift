import ArgumentParser
import DeskAgent
import DeskLoadTest
import DeskStore
import Foundation

/// `desk bench`: micro-benchmarks of the transport and the store. Run them from a release build.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Micro-benchmarks of the ZeroMQ binding and the store (use a release build).",
        subcommands: [Transport.self, Store.self, Events.self, Dispatch.self, SLA.self, Decode.self, Embed.self, Relevance.self, KnowledgeSearchCost.self]
    )

    struct Transport: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Round-trip latency through the binding (compare with loadtest/bench/pingpong.c).")
        @Option(help: "Round trips to time.") var roundTrips = 20_000
        @Option(help: "Message size in bytes.") var size = 100

        func run() async throws {
            for line in try await TransportBenchmark.run(roundTrips: roundTrips, size: size) { print(line) }
        }
    }

    struct Decode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Strict intake decoding (unknown fields refused) against a plain JSONDecoder, per ticket.")
        @Option(help: "Tickets in the batch body.") var tickets = 1_000
        @Option(help: "Rounds; the best is reported.") var rounds = 20

        func run() async throws {
            guard tickets > 0, rounds > 0 else { throw ValidationError("tickets and rounds must be positive") }
            for line in try DecodeBenchmark.run(tickets: tickets, rounds: rounds) { print(line) }
        }
    }

    struct SLA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sla",
            abstract: "SLA timers for many open tickets: set-up, memory, and cost per tick as timers fall due.")
        @Option(help: "Open tickets with timers.") var tickets = 1_000_000
        @Option(help: "Tickets were created over this many past hours.") var spreadHours = 24.0
        @Option(help: "Simulated tick interval in milliseconds.") var tickMs: Int64 = 100
        @Option(help: "Simulated minutes of ticks.") var minutes: Int64 = 60

        func run() async throws {
            guard tickets > 0, tickMs > 0, minutes > 0 else { throw ValidationError("tickets, tick-ms and minutes must be positive") }
            for line in try SLABenchmark.run(tickets: tickets, spreadHours: spreadHours, tickMs: tickMs, simulatedMinutes: minutes) {
                print(line)
            }
        }
    }

    struct Store: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Group-commit throughput of the ticket store.")
        @Option(help: "Tickets to insert.") var count = 200_000
        @Option(help: "Concurrent writers.") var writers = 256
        @Option(help: "Durability: full, normal or both.") var durability = "both"
        @Option(help: "Directory for the temporary database.") var directory = FileManager.default.temporaryDirectory.path

        func run() async throws {
            let modes: [Durability] = durability == "both" ? [.full, .normal] : try [parse(durability)]
            for mode in modes {
                print(try await StoreBenchmark.runSubmitted(count: count, window: 8192, durability: mode, directory: directory))
                print(try await StoreBenchmark.run(count: count, writers: writers, durability: mode, directory: directory))
            }
        }

        func parse(_ text: String) throws -> Durability {
            guard let mode = Durability(rawValue: text) else {
                throw ValidationError("--durability must be full, normal or both, not '\(text)'")
            }
            return mode
        }
    }

    struct Events: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure dispatch latency and throughput from a coordinator's event stream (see loadtest/bench/cluster.sh).")
        @Option(help: "The coordinator's PUB endpoint.") var endpoint: String
        @Option(help: "Stop after this many quiet seconds.") var quiet = 3.0
        @Option(help: "Stop after this many seconds in any case.") var timeout = 300.0

        func run() async throws {
            let probe = try EventProbe(endpoint: endpoint)
            announce("probe ready")
            let result = try probe.run(quietSeconds: quiet, timeout: timeout)
            print("events: created \(result.created), assigned \(result.assigned), resolved \(result.resolved)")
            print("end to end: \(Int(result.throughput)) tickets/s (first created to last resolved: \(result.span) s)")
            print("dispatch latency (created committed -> lease committed and ASSIGN sent): \(result.dispatch)")
        }
    }

    struct Dispatch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dispatch latency seen by an idle agent, from its tickets' created events and from their HTTP requests (see loadtest/bench/cluster.sh).")
        @Option(help: "The coordinator's agent endpoint.") var agents: String
        @Option(help: "The coordinator's event endpoint.") var events: String
        @Option(help: "The coordinator's HTTP API.") var server = "http://127.0.0.1:8080"
        @Option(help: "Probe tickets to send.") var count = 1000
        @Option(help: "Probe tickets per second.") var rate = 100.0
        @Option(help: "API token (default: the DESK_TOKEN environment variable).") var token: String?
        @Option(help: "The probe agent's key file, for a CURVE agent port (the probe then uses the key's agent name).") var key: String?

        func run() async throws {
            guard let url = URL(string: server) else { throw ValidationError("--server is not a URL: \(server)") }
            let probe = DispatchProbe(agentEndpoint: agents, eventEndpoint: events, api: url, token: APIClient.token(token),
                                      key: try key.map(AgentKey.read))
            let result = try await probe.run(count: count, rate: rate)
            print("dispatch latency (created event received -> ASSIGN received by an idle agent): \(result.committedToAssign)")
            print("dispatch latency (HTTP request sent -> ASSIGN received by an idle agent): \(result.requestToAssign)")
            if result.requestToAssign.count < count { print("warning: \(count - result.requestToAssign.count) probe tickets were not assigned in time") }
        }
    }
}
