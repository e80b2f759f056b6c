import ArgumentParser
import DeskModel
import DeskStore
import Foundation

/// Hidden tools for tests: processes that tests start and kill.
struct DebugCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug",
        abstract: "Test helpers (not for operators).",
        shouldDisplay: false,
        subcommands: [WriteTickets.self]
    )

    /// Writes tickets through the group-commit writer and prints `ack ID` for each, only after its commit.
    /// The crash test kills it with SIGKILL mid-stream and checks every printed id survived.
    struct WriteTickets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "write-tickets")

        @Option(help: "The SQLite file.") var db: String
        @Option(help: "How many tickets.") var count = 1_000_000
        @Option(help: "Concurrent writers.") var writers = 32
        @Option(help: "full or normal.") var durability: String = "full"

        func run() async throws {
            guard let durability = Durability(rawValue: durability) else {
                throw ValidationError("durability must be full or normal")
            }
            let store = try TicketStore(path: db, durability: durability)
            let perWriter = count / writers
            await withTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for n in 0..<perWriter {
                            let new = NewTicket(subject: "crash test \(writer)-\(n)", body: "body", requester: "t@example.com")
                            guard let (ticket, _) = try? await store.writer.write({ db in
                                try db.insertTicket(new, at: 0, actor: "test")
                            }) else { continue }
                            let line = Array("ack \(ticket.id)\n".utf8)
                            line.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
                        }
                    }
                }
            }
            await store.close()
        }
    }
}
