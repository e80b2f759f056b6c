@testable import DeskLoadTest
import Foundation
import Logging
import Synchronization
import Testing

/// The runner's coordinator endpoints while a fault restarts the coordinator: the restart writes them on
/// the fault task while intake tasks read them. Run under ThreadSanitizer (`swift test --sanitize=thread`)
/// this test reports any data race between the two; without it, it still checks what each restart leaves.
@Suite struct LoadTestRunnerEndpointTests {
    /// A stand-in coordinator: announces its three addresses (unique to its process) the way `desk
    /// coordinator` does, then waits to be killed.
    static func fakeCoordinator(in directory: String) throws -> String {
        let path = directory + "/fake-coordinator.sh"
        let script = """
            #!/bin/sh
            echo "agents tcp://agents-$$:1"
            echo "events tcp://events-$$:2"
            echo "http http://api-$$:3"
            exec tail -f /dev/null
            """
        // Written through a descriptor closed on exec: a process another test spawns meanwhile must not
        // inherit it open for writing, or running the script fails with "Text file busy" (ETXTBSY).
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        let bytes = Array(script.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        return path
    }

    final class Flag: Sendable {
        let raised = Mutex(false)
    }

    @Test func restartsWriteTheEndpointsWhileIntakeReadsThem() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-endpoints-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let scenario = try Scenario.parse("duration: 1s\narrival: { process: poisson, rate: 1 }\nagents:\n  - { name: a }\n",
                                          file: "s.yaml")
        let runner = LoadTestRunner(scenario: scenario, executable: try Self.fakeCoordinator(in: directory), directory: directory,
                                    logger: Logger(label: "test"), progress: { _ in })
        // What `run` does: the coordinator's output lines reach `startCoordinator`.
        let watcher = runner.forwardCoordinatorOutput()
        defer { watcher.cancel() }

        try await runner.startCoordinator()
        // Intake's readers, on other threads, for as long as the restarts go on.
        let stop = Flag()
        let readers = (0..<2).map { _ in
            Task.detached { () -> Int in
                var reads = 0
                while !stop.raised.withLock({ $0 }) {
                    if runner.http.hasPrefix("http://api-") && runner.agentsEndpoint.hasPrefix("tcp://agents-") { reads += 1 }
                    await Task.yield()  // as intake does between requests; the pool has as many threads as cores
                }
                return reads
            }
        }
        for _ in 0..<10 {  // what a kill_coordinator fault does
            runner.supervisor.kill9("coordinator")
            try await runner.startCoordinator()
            let pid = runner.http.dropFirst("http://api-".count).prefix { $0 != ":" }
            #expect(runner.agentsEndpoint == "tcp://agents-\(pid):1", "the addresses of one start, together")
            #expect(runner.eventsEndpoint == "tcp://events-\(pid):2")
        }
        stop.raised.withLock { $0 = true }
        var reads = 0
        for reader in readers { reads += await reader.value }
        #expect(reads > 0)
        await runner.supervisor.stop(grace: 1)
    }
}
