import Foundation
import GRDB
import Testing

/// The protocol document is the contract: its Python agent, run as written, must work against the real
/// coordinator. Needs python3 with pyzmq and protobuf, and protoc (ops/scripts/test.sh installs them).
@Suite("docs/PROTOCOL.md's Python agent against a real coordinator", .serialized)
struct PythonAgentTests {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    @Test("the documented pyzmq + protobuf agent says HELLO, takes a lease and resolves the ticket")
    func documentedPythonAgent() async throws {
        let root = Self.repositoryRoot
        let document = try String(contentsOf: root.appendingPathComponent("docs/PROTOCOL.md"), encoding: .utf8)
        let start = try #require(document.range(of: "```python\n"), "PROTOCOL.md has no python block")
        let end = try #require(document.range(of: "```", range: start.upperBound..<document.endIndex))
        let code = String(document[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "sock.connect(\"tcp://127.0.0.1:5555\")", with: "import sys; sock.connect(sys.argv[1])")
        #expect(code.contains("sys.argv[1]"), "the snippet connects where the document says")

        let work = FileManager.default.temporaryDirectory.appendingPathComponent("desk-py-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        try code.write(to: work.appendingPathComponent("agent.py"), atomically: true, encoding: .utf8)
        let protoc = try run("/usr/bin/env", ["protoc", "--python_out=\(work.path)",
                                              "-I", root.appendingPathComponent("Sources/DeskProtocol").path, "desk.proto"])
        #expect(protoc == 0, "protoc generated desk_pb2.py")

        // The documented agent heartbeats every second when idle: the protocol's default interval.
        let cluster = try await TestCluster(heartbeatMs: 1000)
        defer { cluster.shutdown() }
        // The real interpreter, not a wrapper script that would leave it orphaned when signalled; its
        // output goes to a file, so it can never hold the test runner's output open.
        let python = try output("/usr/bin/env", ["python3", "-c", "import sys; print(sys.executable)"])
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: python)
        agent.arguments = ["agent.py", cluster.agentsEndpoint]
        agent.currentDirectoryURL = work
        _ = FileManager.default.createFile(atPath: work.appendingPathComponent("agent.log").path, contents: nil)
        let log = try FileHandle(forWritingTo: work.appendingPathComponent("agent.log"))
        agent.standardOutput = log
        agent.standardError = log
        try agent.run()
        defer {
            kill(agent.processIdentifier, SIGKILL)
            agent.waitUntilExit()
        }
        let created = await cluster.create(["subject": "refund", "body": "charged twice", "requester": "a@example.com", "category": "billing"])
        #expect(created.status == 201)
        try await eventually(20, "the Python agent resolved the ticket") { try cluster.resolvedCount() == 1 }
        let actor = try cluster.read { try String.fetchOne($0, sql: "SELECT actor FROM ticket_events WHERE kind = 'resolved'") }
        #expect(actor == "agent:py-1")
    }

    func output(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
