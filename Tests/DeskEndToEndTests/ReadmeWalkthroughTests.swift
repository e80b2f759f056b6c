import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// README.md's "One ticket's life", read from the README itself and run against the shipped cluster
/// (`cluster/local.yaml` with its rules, bot and macros, through `desk cluster up`), so that the README
/// and what a reader gets cannot drift apart.
///
/// What is not literal, and why:
/// - the cluster runs on free ports and a temporary data directory (tests run side by side), so
///   `http://127.0.0.1:8080` becomes the test cluster's API, `desk ticket` commands get `--server` and
///   the console `--connect`/`--api`;
/// - the simulated agents' service times (`exp:20s`, `lognormal:30s,0.5`) become 200 ms, so that the
///   test does not wait minutes; the history they produce has the same shape;
/// - `.build/release/desk` is the debug `desk` the tests use, and `curl` an HTTP request with the same
///   method, path, headers and body (the compared output is its body, what `curl -s` prints);
/// - in outputs, timestamps match any timestamp, and `…` in a README line matches any text (the README
///   elides long simulated texts with it);
/// - `desk ticket show N` is run (again, as a reader would) until the ticket has the status the README
///   shows, and console lines are awaited as they arrive.
@Suite(.serialized) struct ReadmeWalkthroughTests {
    @Test func theReadmeWalkthroughGivesTheOutputsTheReadmeShows() async throws {
        let readme = try Readme.section("One ticket's life")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("desk-readme-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (cluster, agents) = try await Self.startShippedCluster(in: directory)
        defer { cluster.stop() }
        let up = try await cluster.line(containing: "Desk is up. API: ")
        let api = String(cluster.output[up].split(separator: " ")[4])
        let data = directory + "/data"
        let adminToken = try #require(try? String(contentsOfFile: data + "/admin.token", encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(cluster.output.contains { $0.contains("admin.token") }, "desk cluster up says where the admin token is")
        let mode = try FileManager.default.attributesOfItem(atPath: data + "/admin.token")[.posixPermissions] as? Int
        #expect(mode == 0o600, "the admin token file is its owner's only: \(String(describing: mode))")
        let client = TestClient(http: api, token: adminToken)
        try await eventually(30, "the bot and the three simulated agents connected") {
            (try await client.request("GET", "/healthz").json["agents"] as? Int) == 4
        }
        let quickStart = try Readme.section("Quick start")
        #expect(quickStart.prose.contains("`cluster/up.sh` prints `Desk is up. API: http://127.0.0.1:8080`"))
        let run = Walkthrough(api: api, agents: agents, data: data, client: client)
        defer { run.console?.stop() }
        let console = try await cluster.line(containing: "for alice, in another terminal: ")
        run.printedConsoleCommand = cluster.output[console]

        for block in readme.blocks {
            try await run.perform(block)
        }

        // What the prose promises about the steps, and the numbering it implies.
        #expect(run.created.first?.status == 201 && run.created.first?.json["status"] as? String == "pending_assignment",
                "\(run.created)")
        #expect(readme.prose.contains("answers `201` with the ticket (`\"status\":\"pending_assignment\"`)"))
        #expect(run.replay?.status == 200 && run.replay?.json["id"] as? Int == run.created.first?.json["id"] as? Int,
                "\(String(describing: run.replay))")
        #expect(readme.prose.contains("Sending the same request again returns the same ticket (`200`)"))
        #expect(run.createdIDs == [1, 2, 3], "the README's ticket numbers: \(run.createdIDs)")
        let conversation = try #require(readme.firstMatch(#"`curl -s -H "Authorization: Bearer \$DESK_TOKEN" http://127\.0\.0\.1:8080/api/v1/tickets/(\d+)/conversation`"#))
        #expect(Int(conversation) == run.createdIDs.dropFirst().first, "the password reset is ticket #\(conversation)")
        let badInput = run.statuses.last { $0.path == "/api/v1/tickets" }
        #expect(badInput?.status == 400, "\(run.statuses)")
        #expect(readme.prose.contains("Bad input gets a `400` naming the field"))
        let reset = try #require(run.createdIDs.dropFirst().first)
        let history = try await client.request("GET", "/api/v1/tickets/\(reset)").json["history"] as? [[String: Any]] ?? []
        #expect(!history.contains { ($0["actor"] as? String ?? "").hasPrefix("agent:") && $0["actor"] as? String != "agent:helpbot" },
                "no person or simulated agent touched it: \(history)")
        let customerView = try await client.request("GET", "/api/v1/tickets/\(reset)/conversation")
        #expect(customerView.status == 200 && "\(customerView.json)".contains("reset your password yourself"), "\(customerView)")
        // The README's token lines are what made its API calls work: without a token they are refused.
        #expect(run.environment["DESK_TOKEN"] == adminToken, "the README exports the admin's token")
        let anonymous = try await TestClient(http: api).request("GET", "/api/v1/tickets/\(reset)/conversation")
        #expect(anonymous.status == 401, "\(anonymous)")
        // The console ran as alice, with her own agent token, as `desk cluster up` printed.
        #expect(run.printedConsoleCommand.contains("DESK_TOKEN=$(cat \(data)/tokens/alice.token)"), "\(run.printedConsoleCommand)")
        #expect(run.printedConsoleCommand.contains("--key \(data)/keys/alice.key"), "\(run.printedConsoleCommand)")
    }
}

extension ReadmeWalkthroughTests {
    /// `desk cluster up` on a copy of the shipped cluster file; once more on other ports when one of the
    /// free ports it picked was taken before the cluster bound it (tests run side by side).
    static func startShippedCluster(in directory: String) async throws -> (DeskProcess, agents: String) {
        for attempt in 1...3 {
            let (file, agents) = try ExampleClusterTests.exampleCluster(in: directory)
            let cluster = try DeskProcess(["cluster", "up", file, "--log-level", "warning"], errorsToOutput: true)
            try await eventually(120, "the cluster up, or stopped") {
                cluster.output.contains { $0.hasPrefix("Desk is up. API: ") } || !cluster.isRunning
            }
            if cluster.isRunning { return (cluster, agents) }
            let output = cluster.output
            guard attempt < 3, output.contains(where: { $0.contains("in use") }) else {
                throw E2EError("desk cluster up stopped before it was up: \(output.joined(separator: "\n"))")
            }
            try? FileManager.default.removeItem(atPath: directory + "/data")
        }
        throw E2EError("unreachable")
    }
}

/// One README section: its prose (whitespace collapsed, code blocks left out) and its fenced code blocks.
struct Readme {
    struct Block { let info: String; let lines: [String] }
    let prose: String
    let blocks: [Block]

    static func section(_ title: String) throws -> Readme {
        let text = try String(contentsOfFile: repositoryFile("README.md"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: "## " + title) else { throw E2EError("README.md has no section '\(title)'") }
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("## ") } ?? lines.endIndex
        var prose: [String] = [], blocks: [Block] = [], fence: (info: String, lines: [String])?
        for line in lines[(start + 1)..<end] {
            if line.hasPrefix("```") {
                if let open = fence {
                    blocks.append(Block(info: open.info, lines: open.lines))
                    fence = nil
                } else {
                    fence = (String(line.dropFirst(3)), [])
                }
            } else if fence != nil {
                fence!.lines.append(line)
            } else {
                prose.append(line)
            }
        }
        return Readme(prose: prose.joined(separator: " ").split(whereSeparator: \.isWhitespace).joined(separator: " "), blocks: blocks)
    }

    /// The first capture group of `pattern` in the prose.
    func firstMatch(_ pattern: String) -> String? {
        let regex = try? NSRegularExpression(pattern: pattern)
        guard let match = regex?.firstMatch(in: prose, range: NSRange(prose.startIndex..., in: prose)),
              let range = Range(match.range(at: 1), in: prose) else { return nil }
        return String(prose[range])
    }

    /// Whether an output line matches the README's: timestamps match any timestamp, `…` any text.
    static func matches(_ expected: String, _ actual: String) -> Bool {
        let timestamp = try! NSRegularExpression(pattern: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#)
        var pattern = "", rest = expected[...]
        while !rest.isEmpty {
            let nsRest = String(rest)
            let found = timestamp.firstMatch(in: nsRest, range: NSRange(nsRest.startIndex..., in: nsRest))
            let stamp = found.flatMap { Range($0.range, in: nsRest) }
            let ellipsis = nsRest.firstIndex(of: "…")
            if let stamp, ellipsis.map({ stamp.lowerBound < $0 }) ?? true {
                pattern += NSRegularExpression.escapedPattern(for: String(nsRest[..<stamp.lowerBound])) + #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#
                rest = nsRest[stamp.upperBound...]
            } else if let ellipsis {
                pattern += NSRegularExpression.escapedPattern(for: String(nsRest[..<ellipsis])) + ".*"
                rest = nsRest[nsRest.index(after: ellipsis)...]
            } else {
                pattern += NSRegularExpression.escapedPattern(for: nsRest)
                rest = ""
            }
        }
        let regex = try! NSRegularExpression(pattern: "^" + pattern + "$")
        return regex.firstMatch(in: actual, range: NSRange(actual.startIndex..., in: actual)) != nil
    }
}

/// Shell words as `sh` reads them: single and double quotes, backslash escapes and line continuations,
/// `#` comments. Newlines outside quotes end a command. Throws on an unterminated quote (an incomplete
/// command).
enum Shell {
    static func commands(_ text: String) throws -> [[String]] {
        let c = Array(text)
        var commands: [[String]] = [], words: [String] = [], word = "", inWord = false, i = 0
        func endWord() { if inWord { words.append(word); word = ""; inWord = false } }
        while i < c.count {
            let ch = c[i]
            switch ch {
            case "\\":
                guard i + 1 < c.count else { throw E2EError("trailing backslash in \(text)") }
                if c[i + 1] != "\n" { word.append(c[i + 1]); inWord = true }
                i += 2
                continue
            case "'":
                guard let end = c[(i + 1)...].firstIndex(of: "'") else { throw E2EError("unterminated ' in \(text)") }
                word += String(c[(i + 1)..<end])
                inWord = true
                i = end + 1
                continue
            case "\"":
                var j = i + 1
                while j < c.count, c[j] != "\"" {
                    if c[j] == "\\", j + 1 < c.count, "\"\\$`".contains(c[j + 1]) { j += 1 }
                    word.append(c[j])
                    j += 1
                }
                guard j < c.count else { throw E2EError("unterminated \" in \(text)") }
                inWord = true
                i = j + 1
                continue
            case "#" where !inWord:
                while i < c.count, c[i] != "\n" { i += 1 }
                continue
            case "$", "`", "|", ";", "&", "<", ">":
                throw E2EError("the walkthrough runner does not do shell '\(ch)': \(text)")
            case "\n":
                endWord()
                if !words.isEmpty { commands.append(words); words = [] }
            case " ", "\t":
                endWord()
            default:
                word.append(ch)
                inWord = true
            }
            i += 1
        }
        endWord()
        if !words.isEmpty { commands.append(words) }
        return commands
    }

    /// A command of a `sh` block and the lines after it that are its output (not a command).
    struct Step { var command: String; var output: [String] }

    static let programs = ["curl ", ".build/release/desk ", "cluster/", "ops/", "export ", "DESK_TOKEN="]

    static func steps(_ lines: [String]) -> [Step] {
        var steps: [Step] = [], open = false
        for line in lines {
            if open {
                steps[steps.count - 1].command += "\n" + line
            } else if programs.contains(where: { line.hasPrefix($0) }) {
                steps.append(Step(command: line, output: []))
            } else if !steps.isEmpty {
                steps[steps.count - 1].output.append(line)
                continue
            } else {
                continue
            }
            let command = steps[steps.count - 1].command
            open = command.hasSuffix("\\") || (try? commands(command)) == nil
        }
        return steps
    }
}

/// Runs the README's blocks in order against one cluster, remembering what the later checks need.
final class Walkthrough: @unchecked Sendable {
    let api: String, agents: String, data: String, client: TestClient
    /// What the README's `export` lines set, for the commands after them.
    var environment: [String: String] = [:]
    var console: DeskProcess?
    var printedConsoleCommand = ""
    /// How many of the console's output lines the README's console blocks have accounted for.
    var consoleSeen = 0
    /// The answers to the README's ticket-creating POSTs, in order.
    var created: [(status: Int, json: [String: Any])] = []
    /// The answer to sending the first of them again.
    var replay: (status: Int, json: [String: Any])?
    /// Every `curl`'s path and status, in order.
    var statuses: [(path: String, status: Int)] = []
    /// The ids of the tickets the walkthrough created, in order, however it created them.
    var createdIDs: [Int] = []
    /// The last `sh` step, which a following plain block is the output of.
    private var last: (words: [String], output: [String])?

    init(api: String, agents: String, data: String, client: TestClient) {
        self.api = api
        self.agents = agents
        self.data = data
        self.client = client
    }

    func perform(_ block: Readme.Block) async throws {
        if block.info == "sh" {
            for step in Shell.steps(block.lines) {
                let words = try #require(try Shell.commands(try expand(step.command)).first)
                try await run(words, expecting: step.output)
                last = (words, step.output)
            }
        } else if block.lines.contains(where: { $0.hasPrefix("desk> ") || $0.hasPrefix("* ") }) {
            try await drive(block.lines)
        } else if let previous = last, previous.output.isEmpty {
            try await run(previous.words, expecting: block.lines, again: true)
        } else {
            Issue.record("a README block the walkthrough does not know what to do with: \(block.lines)")
        }
    }

    /// The shell expansions the README uses: `$(cat .desk/local/FILE)` (read from the test cluster's data
    /// directory) and `$NAME` of what an `export` set. Anything else with `$` is refused by `Shell`.
    func expand(_ command: String) throws -> String {
        var text = command
        while let range = text.range(of: #"\$\(cat \.desk/local/[^)\s]+\)"#, options: .regularExpression) {
            let file = String(text[range].dropFirst("$(cat .desk/local/".count).dropLast())
            let content = try #require(try? String(contentsOfFile: data + "/" + file, encoding: .utf8), "no \(file) in the data directory")
            text.replaceSubrange(range, with: content.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        for (name, value) in environment { text = text.replacingOccurrences(of: "$" + name, with: value) }
        text = text.replacingOccurrences(of: " .desk/local/", with: " " + data + "/")  // files the cluster made (key files)
        return text
    }

    /// One command: `curl` as an HTTP request, `desk` as the test's binary on the test cluster; `export`
    /// and a leading `NAME=value` set the environment of what follows and of that command.
    func run(_ words: [String], expecting expected: [String], again: Bool = false) async throws {
        var words = words, commandEnvironment = environment
        if words.first == "export", words.count == 2, let equals = words[1].firstIndex(of: "=") {
            environment[String(words[1][..<equals])] = String(words[1][words[1].index(after: equals)...])
            return
        }
        while let first = words.first, let equals = first.firstIndex(of: "="), first[..<equals].allSatisfy({ $0.isUppercase || $0 == "_" }) {
            commandEnvironment[String(first[..<equals])] = String(first[first.index(after: equals)...])
            words.removeFirst()
        }
        switch words[0] {
        case "curl":
            let request = try curl(words)
            let (data, status) = try await send(request)
            let body = String(decoding: data, as: UTF8.self)
            if request.method == "POST", request.path == "/api/v1/tickets" {
                let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
                if status == 201 || status == 200 {
                    created.append((status, json))
                    if let id = json["id"] as? Int { createdIDs.append(id) }
                }
                if created.count == 1, replay == nil {  // "Sending the same request again returns the same ticket"
                    let (again, againStatus) = try await send(request)
                    replay = (againStatus, (try? JSONSerialization.jsonObject(with: again)) as? [String: Any] ?? [:])
                }
            }
            statuses.append((request.path, status))
            if !expected.isEmpty { compare(expected, body.split(separator: "\n").map(String.init), words) }
        case ".build/release/desk":
            var arguments = Array(words.dropFirst())
            if arguments.first == "agent" {
                #expect(printedConsoleCommand.contains(arguments.joined(separator: " ")),
                        "`desk cluster up` prints the README's console command: \(printedConsoleCommand)")
                let token = try #require(commandEnvironment["DESK_TOKEN"], "the README's console command has a token")
                #expect(token != environment["DESK_TOKEN"], "the console runs with alice's token, not the admin's")
                console = try DeskProcess(arguments + ["--connect", agents, "--api", api], input: true,
                                          environment: ["DESK_TOKEN": token])
                _ = try await console!.line(containing: "* connected as ")
                return
            }
            arguments += ["--server", api]
            if arguments.starts(with: ["ticket", "show"]), let first = expected.first {
                // The README shows the ticket once the agent is done with it: run it again until then.
                let status = first.split(separator: " ", omittingEmptySubsequences: true).dropFirst(2).first.map(String.init) ?? ""
                let id = try #require(Int(arguments[2]))
                try await eventually(60, "ticket #\(id) \(status)") { try await client.status(of: Int64(id)) == status }
            }
            let result = try await runDesk(arguments, token: commandEnvironment["DESK_TOKEN"])
            #expect(result.status == 0, "\(words): \(result.output)")
            let output = result.output.last == "" ? Array(result.output.dropLast()) : result.output
            if arguments.starts(with: ["ticket", "create"]), let first = output.first, first.hasPrefix("ticket #"),
               let id = Int(first.dropFirst("ticket #".count).prefix { $0.isNumber }) {
                createdIDs.append(id)
            }
            if !expected.isEmpty { compare(expected, output, words) }
        default:
            Issue.record("the walkthrough runner does not run \(words)")
        }
    }

    /// The staff console's lines in a README block: `desk> COMMAND` is typed, the lines after it are
    /// awaited in order (notices `* …` as they arrive).
    func drive(_ lines: [String]) async throws {
        let console = try #require(console, "a console block before the console was started")
        var after = consoleSeen
        defer { consoleSeen = after }
        for line in lines {
            if line.hasPrefix("desk> ") {
                console.send(String(line.dropFirst("desk> ".count)))
                after = try await console.line(containing: "> " + line.dropFirst("desk> ".count), after: after) + 1
            } else {
                var found: Int?
                try await eventually(20, "console line '\(line)' (console: \(console.output))") {
                    found = console.output.indices.dropFirst(after).first { Readme.matches(line, console.output[$0]) }
                    return found != nil
                }
                after = found! + 1
            }
        }
    }

    func compare(_ expected: [String], _ actual: [String], _ words: [String]) {
        let same = expected.count == actual.count && zip(expected, actual).allSatisfy { Readme.matches($0, $1) }
        #expect(same, "\(words.joined(separator: " ")): the README shows\n\(expected.joined(separator: "\n"))\nbut it printed\n\(actual.joined(separator: "\n"))")
    }

    typealias Request = (method: String, path: String, headers: [(String, String)], body: Data?)

    func curl(_ words: [String]) throws -> Request {
        var method: String?, url: String?, body: Data?, headers: [(String, String)] = [], i = 1
        while i < words.count {
            switch words[i] {
            case "-s": i += 1
            case "-X": method = words[i + 1]; i += 2
            case "-H":
                let header = words[i + 1].split(separator: ":", maxSplits: 1)
                headers.append((String(header[0]), header.count > 1 ? header[1].trimmingCharacters(in: .whitespaces) : ""))
                i += 2
            case "-d": body = Data(words[i + 1].utf8); i += 2
            default:
                guard url == nil, words[i].hasPrefix("http://127.0.0.1:8080/") else { throw E2EError("curl argument \(words[i])") }
                url = words[i]
                i += 1
            }
        }
        let path = try #require(url).dropFirst("http://127.0.0.1:8080".count)
        return (method ?? (body == nil ? "GET" : "POST"), String(path), headers, body)
    }

    func send(_ request: Request) async throws -> (Data, Int) {
        var urlRequest = URLRequest(url: URL(string: api + request.path)!)
        urlRequest.httpMethod = request.method
        urlRequest.httpBody = request.body
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        urlRequest.timeoutInterval = 10
        let (data, response) = try await URLSession.shared.data(for: urlRequest)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }
}
