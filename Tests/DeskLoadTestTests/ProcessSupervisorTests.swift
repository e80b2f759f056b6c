import DeskLoadTest
import Foundation
import Logging
import Testing

/// The supervisor on real child processes: exit codes, a kill -9, captured lines, a missing program.
@Suite struct ProcessSupervisorTests {
    /// Collects events until `exits` exits and `lines` output lines were seen (or 20 s passed): a line and
    /// the exit of the program that printed it can come in either order.
    func events(_ supervisor: ProcessSupervisor, exits: Int, lines: Int) async -> [ProcessSupervisor.Event] {
        var seen: [ProcessSupervisor.Event] = []
        let deadline = Date().addingTimeInterval(20)
        for await event in supervisor.events {
            seen.append(event)
            let exited = seen.count { if case .exited = $0 { true } else { false } }
            if (exited == exits && seen.count - exited == lines) || Date() > deadline { break }
        }
        return seen
    }

    @Test func reportsExitCodesSignalsAndOutputLines() async throws {
        let supervisor = ProcessSupervisor(logger: Logger(label: "test"))
        try supervisor.start(.init(name: "three", executable: "/bin/sh", arguments: ["-c", "exit 3"]))
        try supervisor.start(.init(name: "talker", executable: "/bin/sh", arguments: ["-c", "echo first; echo second"],
                                   captureOutput: true))
        try supervisor.start(.init(name: "sleeper", executable: "/bin/sleep", arguments: ["30"], quiet: true))
        #expect(supervisor.runningNames.contains("sleeper"))
        supervisor.kill9("sleeper")
        #expect(!supervisor.runningNames.contains("sleeper"))
        let seen = await events(supervisor, exits: 3, lines: 2)
        var exits: [String: Int32] = [:], lines: [String] = []
        for event in seen {
            switch event {
            case .exited(let name, let status, _): exits[name] = status
            case .line(let name, let line) where name == "talker": lines.append(line)
            default: break
            }
        }
        #expect(exits == ["three": 3, "talker": 0, "sleeper": 128 + SIGKILL])
        #expect(lines == ["first", "second"])
        await supervisor.stop(grace: 1)
    }

    @Test func aMissingProgramIsRefusedByName() {
        let supervisor = ProcessSupervisor(logger: Logger(label: "test"))
        #expect {
            try supervisor.start(.init(name: "ghost", executable: "/nonexistent/desk", arguments: []))
        } throws: { error in
            "\(error)".contains("cannot start ghost (/nonexistent/desk)")
        }
    }
}
