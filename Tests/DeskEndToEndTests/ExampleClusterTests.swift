import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The shipped example cluster (`cluster/local.yaml` with its rules, macros and bot) run by `desk cluster
/// up` on free ports: simulated agents answer the customer before resolving, and what no simulated agent
/// takes (general questions, legal wording at tier 3) waits for, and reaches, the person's console.
@Suite struct ExampleClusterTests {
    /// A TCP port nothing listens on now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw E2EError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A token file `desk cluster up` wrote.
    static func token(_ path: String) throws -> String {
        try #require(try? String(contentsOfFile: path, encoding: .utf8), "no token file \(path)").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The shipped cluster file with its own data directory, free ports, absolute paths and short service times.
    static func exampleCluster(in directory: String) throws -> (file: String, agents: String) {
        var text = try String(contentsOfFile: repositoryFile("cluster/local.yaml"), encoding: .utf8)
        let agents = "tcp://127.0.0.1:\(try freePort())"
        let replacements = [
            ("data: .desk/local", "data: \(directory)/data"),
            ("http: 127.0.0.1:8080", "http: 127.0.0.1:\(try freePort())"),
            ("agents: tcp://127.0.0.1:5555", "agents: \(agents)"),
            ("events: tcp://127.0.0.1:5556", "events: tcp://127.0.0.1:\(try freePort())"),
            ("config: cluster/desk.yaml", "config: \(repositoryFile("cluster/desk.yaml"))"),
            ("macros: cluster/macros.yaml", "macros: \(repositoryFile("cluster/macros.yaml"))"),
            ("knowledge: cluster/kb", "knowledge: \(repositoryFile("cluster/kb"))"),
            ("rules: cluster/bot-rules.yaml", "rules: \(repositoryFile("cluster/bot-rules.yaml"))"),
            ("service_time: exp:20s", "service_time: 200ms"),
            ("service_time: lognormal:30s,0.5", "service_time: 200ms"),
        ]
        for (old, new) in replacements {
            guard text.contains(old) else { throw E2EError("cluster/local.yaml no longer has '\(old)'") }
            text = text.replacingOccurrences(of: old, with: new)
        }
        let file = directory + "/local.yaml"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return (file, agents)
    }

    @Test func simulatedAgentsAnswerBeforeResolvingAndGeneralAndLegalTicketsReachThePerson() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-example-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (file, agents) = try Self.exampleCluster(in: directory)
        let cluster = try DeskProcess(["cluster", "up", file, "--log-level", "warning"])
        defer { cluster.stop() }
        let up = try await cluster.line(containing: "Desk is up. API: ", within: 60)
        let api = String(cluster.output[up].split(separator: " ")[4])
        #expect(!cluster.output.contains { $0.hasPrefix("warning:") }, "\(cluster.output)")
        try await cluster.line(containing: "for alice, in another terminal: ")
        #expect(cluster.output.contains { $0.contains("imported 4 knowledge-base articles from ") }, "\(cluster.output)")
        let client = TestClient(http: api, token: try Self.token(directory + "/data/admin.token"))
        try await eventually(30, "the bot and the three simulated agents connected") {
            (try await client.request("GET", "/healthz").json["agents"] as? Int) == 4
        }

        let billing = try await client.create(["subject": "Charged twice", "body": "Invoice 1042 twice.", "category": "billing"])
        let general = try await client.create(["subject": "Can I export my data?", "body": "As CSV.", "category": "general"])
        let legal = try await client.create(["subject": "Contract", "body": "My lawyer will call you.", "category": "billing"])
        try await eventually(30, "the billing ticket resolved") { try await client.status(of: billing) == "resolved" }
        let kinds = try await client.request("GET", "/api/v1/tickets/\(billing)").json["history"] as? [[String: Any]] ?? []
        let replied = kinds.firstIndex { $0["kind"] as? String == "replied" }, resolved = kinds.firstIndex { $0["kind"] as? String == "resolved" }
        #expect(replied != nil && resolved != nil && replied! < resolved!, "the customer heard before the resolve: \(kinds.map { $0["kind"] ?? "" })")
        for id in [general, legal] {
            let ticket = try await client.request("GET", "/api/v1/tickets/\(id)").json
            #expect(ticket["status"] as? String == "pending_assignment" && ticket["skill"] as? String == "general", "\(ticket)")
        }
        #expect(try await client.request("GET", "/api/v1/tickets/\(legal)").json["tier"] as? Int == 3)
        // The knowledge bot answers a waiting ticket that a shipped article answers; the customer's confirmation decides.
        // (The articles are embedded in the background first: until then the bot could only match by keyword.)
        try await eventually(60, "the shipped articles embedded") {
            let embedding = try await client.request("GET", "/api/v1/kb/stats").json["embedding"] as? [String: Any]
            return embedding?["vectors"] as? Int == 4 && embedding?["backlog"] as? Int == 0
        }
        let disk = try await client.create(["subject": "my laptop keeps warning there is no space left", "body": "and it is getting slow",
                                            "category": "general"])
        try await eventually(60, "the knowledge bot answered the laptop ticket") { try await client.status(of: disk) == "pending_confirmation" }
        let answer = (try await client.request("GET", "/api/v1/tickets/\(disk)").json["history"] as? [[String: Any]] ?? [])
            .first { $0["kind"] as? String == "replied" }
        #expect(answer?["actor"] as? String == "knowledge-bot"
                && ((answer?["detail"] as? [String: Any])?["body"] as? String)?.contains("The laptop says the disk is full") == true, "\(String(describing: answer))")

        let alice = try DeskProcess(["agent", "--connect", agents, "--name", "alice", "--mode", "staff", "--skills", "general",
                                     "--tier", "3", "--capacity", "3", "--api", api, "--key", directory + "/data/keys/alice.key"], input: true,
                                    environment: ["DESK_TOKEN": try Self.token(directory + "/data/tokens/alice.token")])
        defer { alice.stop() }
        try await alice.line(containing: "* new ticket #\(general)")
        try await alice.line(containing: "* new ticket #\(legal)")
    }
}

/// Just enough of the API for a cluster the test did not start through `TestCluster`.
struct TestClient {
    let http: String
    /// Sent as `Authorization: Bearer` when set.
    var token: String? = nil

    func request(_ method: String, _ path: String, body: Data? = nil) async throws -> (status: Int, json: [String: Any]) {
        var request = URLRequest(url: URL(string: http + path)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer " + token, forHTTPHeaderField: "Authorization") }
        request.httpBody = body
        request.timeoutInterval = 10
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
    }

    func create(_ fields: [String: Any]) async throws -> Int64 {
        var fields = fields
        fields["requester"] = "maria@example.com"
        let (status, json) = try await request("POST", "/api/v1/tickets", body: try JSONSerialization.data(withJSONObject: fields))
        guard status == 201, let id = (json["id"] as? NSNumber)?.int64Value else { throw E2EError("create: \(status) \(json)") }
        return id
    }

    func status(of id: Int64) async throws -> String {
        try await request("GET", "/api/v1/tickets/\(id)").json["status"] as? String ?? ""
    }
}
