import Foundation
import Testing

/// An agent given an endpoint it can never use stops at once with a clear message and a failing status,
/// instead of staying up without ever connecting.
@Suite struct AgentStartupTests {
    @Test(arguments: [
        ("sim", "tcp//127.0.0.1:5555"),         // no "://"
        ("sim", "carrier-pigeon://coop:1"),     // a transport libzmq does not have
        ("sim", "tcp://127.0.0.1:port"),        // a port that is not a number
        ("staff", "tcp//127.0.0.1:5555"),       // the console stops too, not only the service
    ])
    func agentWithUnusableEndpointExitsNonZeroNamingIt(mode: String, endpoint: String) async throws {
        let agent = try DeskProcess(["agent", "--connect", endpoint, "--name", "nowhere", "--mode", mode, "--api", "",
                                     "--log-level", "warning"],
                                    input: mode == "staff", errorsToOutput: true)
        defer { if agent.isRunning { agent.kill9() } }
        let status = try await agent.exitStatus(within: 15)
        #expect(status != 0)
        #expect(agent.output.contains { $0.contains("cannot connect to '\(endpoint)'") }, "\(agent.output)")
    }
}
