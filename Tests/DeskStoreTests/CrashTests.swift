import DeskModel
import Foundation
import Testing
@testable import DeskStore

/// Finds the built `desk` executable next to the test bundle (or at `DESK_BIN`).
func deskExecutable() throws -> URL {
    if let path = ProcessInfo.processInfo.environment["DESK_BIN"] { return URL(fileURLWithPath: path) }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("desk")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "desk executable (build it, or set DESK_BIN)"])
}

@Suite("Durability under kill -9")
struct CrashTests {
    @Test("a writer killed with SIGKILL right after acknowledged writes loses none of them", arguments: ["full", "normal"])
    func sigkillLosesNothingAcknowledged(durability: String) throws {
        let dir = try TemporaryDirectory()
        let db = dir.file("desk.sqlite")
        let process = Process()
        process.executableURL = try deskExecutable()
        process.arguments = ["debug", "write-tickets", "--db", db, "--durability", durability]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()

        // Read acknowledgements until a few thousand have arrived, then kill without warning.
        var acknowledged = Set<Int64>()
        var buffer = Data()
        let reader = pipe.fileHandleForReading
        while acknowledged.count < 3_000 {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                if line.hasPrefix("ack "), let id = Int64(line.dropFirst(4)) { acknowledged.insert(id) }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        // Whatever it printed before dying was acknowledged too.
        buffer.append(reader.readDataToEndOfFile())
        for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n") where line.hasPrefix("ack ") {
            if let id = Int64(line.dropFirst(4)) { acknowledged.insert(id) }
        }
        #expect(acknowledged.count >= 3_000)

        let store = try TicketStore(path: db)
        let missing = try store.pool.read { db -> [Int64] in
            let stored = Set(try Int64.fetchAll(db, sql: "SELECT id FROM tickets"))
            return acknowledged.filter { !stored.contains($0) }.sorted()
        }
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(10))")
    }
}
