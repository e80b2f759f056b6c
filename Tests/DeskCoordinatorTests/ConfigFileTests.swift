import DeskCoordinator
import Foundation
import Testing

/// Issue 13, item 8: the coordinator's `--config` refuses unknown keys and broken YAML with file:line.
@Suite("Coordinator config file")
struct ConfigFileTests {
    func load(_ text: String) -> String? {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("desk-config-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        do {
            _ = try CoordinatorConfigFile.load(path: path)
            return nil
        } catch {
            return "\(error)".replacingOccurrences(of: path, with: "desk.yaml")
        }
    }

    @Test("an unknown key, at the top or nested, names the file, the line and the key")
    func unknownKeys() {
        #expect(load("heartbeat_ms: 500\nhtp: 127.0.0.1:8080\n") == "desk.yaml:2: unknown field 'htp'")
        #expect(load("routing:\n  - { category: billing, skill: billing, tierr: 2 }\n") == "desk.yaml:2: unknown field 'routing.0.tierr'")
        #expect(load("sla:\n  policies:\n    - name: x\n      first_response: 1h\n      pause: [waiting_on_customer]\n")
                == "desk.yaml:5: unknown field 'sla.policies.0.pause'")
    }

    @Test("broken YAML and wrong types name the line")
    func brokenYAML() {
        #expect(load("heartbeat_ms: [1\nliveness: 3\n")?.hasPrefix("desk.yaml:") == true)
        #expect(load("heartbeat_ms: 500\nliveness: often\n")?.hasPrefix("desk.yaml:2: liveness") == true)
    }

    @Test("a file of comments only, or with known keys, loads")
    func goodFiles() {
        #expect(load("# nothing yet\n") == nil)
        #expect(load("heartbeat_ms: 500\nliveness: 3\nfirst_response: { P1: 15m }\n") == nil)
    }
}
