import ArgumentParser
import DeskAgent
import DeskAutomation
import DeskLoadTest
import DeskStore
import Foundation

/// `desk cluster up`: a coordinator and its agents on this machine, supervised.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Run a local cluster.", subcommands: [Up.self])

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start the coordinator and agents of a cluster file; restart what dies; Ctrl-C stops all.")
        @Argument(help: "Cluster file.") var file = "cluster/local.yaml"
        @Option(help: "Log level of the processes.") var logLevel = "info"

        func run() async throws {
            let cluster = try ClusterFile.load(path: file)
            // Tickets the cluster's own rules send where none of its agents or people can take them wait
            // forever: say so before anything starts.
            let problems = (try? ClusterCoverage.check(clusterFile: file, root: FileManager.default.currentDirectoryPath)) ?? []
            for problem in problems { announce("warning: \(problem)") }
            let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
            let logger = LogSetup.logger("desk.cluster", level: logLevel)
            let supervisor = ProcessSupervisor(logger: logger)
            var programs: [String: ProcessSupervisor.Program] = [:]

            let spec = cluster.coordinator
            var coordinatorArguments = ["coordinator", "--data", spec.data, "--log-level", logLevel,
                                        "--http", spec.http ?? "127.0.0.1:8080",
                                        "--agents", spec.agents ?? "tcp://127.0.0.1:5555",
                                        "--events", spec.events ?? "tcp://127.0.0.1:5556"]
            if let config = spec.config { coordinatorArguments += ["--config", config] }
            if spec.knowledgeBot == true { coordinatorArguments.append("--knowledge-bot") }
            let coordinator = ProcessSupervisor.Program(name: "coordinator", executable: executable,
                                                        arguments: coordinatorArguments, captureOutput: true)
            programs["coordinator"] = coordinator
            for agent in cluster.expandedAgents {
                let bot = agent.mode == "bot"
                var arguments = ["agent", "--connect", spec.agents ?? "tcp://127.0.0.1:5555", "--name", agent.name,
                                 "--skills", (agent.skills ?? []).joined(separator: ","),
                                 "--capacity", "\(agent.capacity ?? (bot ? 20 : 1))", "--tier", "\(agent.tier ?? (bot ? 0 : 1))",
                                 "--mode", agent.mode ?? "sim", "--log-level", logLevel]
                if let rules = agent.rules { arguments += ["--rules", rules] }
                if let serviceTime = agent.serviceTime { arguments += ["--service-time", serviceTime] }
                if let macro = agent.replyMacro { arguments += ["--reply-macro", macro] }
                arguments += ["--key", ClusterCredentials.keyPath(data: spec.data, agent: agent.name)]
                programs[agent.name] = .init(name: agent.name, executable: executable, arguments: arguments)
            }

            // Check the macros file before starting anything: a broken one names its line and stops here.
            var macros: [CheckedMacro] = []
            if let path = spec.macros {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("\(path): cannot read the file") }
                do { macros = try MacroFile.parse(text, file: path) } catch { throw ValidationError(error.description) }
            }
            // And the articles: a broken file names its line and stops here too.
            var articles: [(name: String, file: ArticleFile)] = []
            if let folder = spec.knowledge {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.filter { $0.hasSuffix(".md") }.sorted() ?? []
                guard !names.isEmpty else { throw ValidationError("\(folder): no articles (*.md) to import") }
                for name in names {
                    let path = (folder as NSString).appendingPathComponent(name)
                    guard ArticleFile.isFileName(name), let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                        throw ValidationError("\(path): cannot read the file, or its name is not letters, digits, '.', '-' and '_'")
                    }
                    do { articles.append((name, try ArticleFile.parse(text, file: path))) } catch { throw ValidationError(error.description) }
                }
            }
            try Self.checkNotRunning(spec)
            // The admin token and the people's tokens, made once in the data directory (the first run).
            let credentials: ClusterCredentials
            do {
                credentials = try await ClusterCredentials.prepare(data: spec.data, agents: cluster.expandedAgents, people: cluster.people ?? [])
            } catch {
                throw ClusterError("cannot prepare the cluster's tokens in \(spec.data): \(error)")
            }
            let signals = SignalWatcher([SIGINT, SIGTERM])
            try supervisor.start(coordinator)
            var agentsStarted = false
            var starts = CoordinatorStarts()
            var failure: String?
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await signals.next()
                    announce("stopping the cluster")
                    await supervisor.stop()
                }
                for await event in supervisor.events {
                    switch event {
                    case .line(_, let line):
                        announce("coordinator: \(line)")
                        if line.hasPrefix("http ") { starts.up() }
                        if line.hasPrefix("http "), !agentsStarted {
                            agentsStarted = true
                            let api = line.dropFirst(5)
                            for macro in macros {
                                do {
                                    let body = try JSONEncoder().encode(macro.definition)
                                    _ = try await APIClient(base: String(api), token: credentials.adminToken).request(
                                        "PUT", "/api/v1/macros/\(macro.definition.name)", body: body).object()
                                } catch {
                                    announce("cannot import macro \(macro.definition.name): \(error)")
                                }
                            }
                            if !macros.isEmpty { announce("imported \(macros.count) macros from \(spec.macros ?? "")") }
                            var imported = 0
                            for (name, article) in articles {
                                do {
                                    let body = try JSONSerialization.data(withJSONObject: [
                                        "file": name, "title": article.title, "body": article.body, "category": article.category,
                                        "tags": article.tags, "audience": article.audience, "status": article.status] as [String: Any])
                                    _ = try await APIClient(base: String(api), token: credentials.adminToken).request(
                                        "POST", "/api/v1/kb/articles", body: body).object()
                                    imported += 1
                                } catch {
                                    announce("cannot import article \(name): \(error)")
                                }
                            }
                            if !articles.isEmpty {
                                announce("imported \(imported) knowledge-base articles from \(spec.knowledge ?? "") (the help centre: \(api)/help)")
                            }
                            announce("Desk is up. API: \(api)   try: curl -s \(api)/healthz")
                            announce("the admin's API token is in \(credentials.adminTokenPath) (for desk commands and curl: "
                                     + "export DESK_TOKEN=$(cat \(credentials.adminTokenPath)))")
                            for person in cluster.people ?? [] {
                                let tokenPath = credentials.personTokenPaths[person.name] ?? ""
                                announce("for \(person.name), in another terminal: DESK_TOKEN=$(cat \(tokenPath)) "
                                         + "\(executable) agent --mode staff --name \(person.name)"
                                         + " --skills \((person.skills ?? []).joined(separator: ",")) --tier \(person.tier ?? 1)"
                                         + " --capacity \(person.capacity ?? 1) --key \(credentials.keyPaths[person.name] ?? "")"
                                         + " --connect \(spec.agents ?? "tcp://127.0.0.1:5555") --api \(api)")
                            }
                            await Self.announceWebApp(api: String(api), data: spec.data, adminToken: credentials.adminToken,
                                                      people: (cluster.people ?? []).map(\.name))
                            for (name, program) in programs where name != "coordinator" {
                                do { try supervisor.start(program) } catch { announce("cannot start \(name): \(error)") }
                            }
                        }
                    case .exited(let name, let status, let uptime):
                        guard !supervisor.isStopping, let program = programs[name] else { continue }
                        if name == "coordinator", case .giveUp(let reason) = starts.exited(status: status) {
                            failure = reason
                            announce("desk: \(reason); stopping the cluster")
                            group.addTask { await supervisor.stop() }
                            continue
                        }
                        let delay = supervisor.restartDelay(for: name, uptime: uptime)
                        announce("\(name) exited (status \(status)); restarting in \(delay)s")
                        group.addTask {
                            try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
                            if !supervisor.isStopping { try? supervisor.start(program) }
                        }
                    }
                }
                group.cancelAll()
            }
            if failure != nil { throw ExitCode(1) }
        }

        /// Gives the admin and each person a password for the web app on the first start (through the API,
        /// so it is audited; kept in `DATA/passwords/NAME`, mode 0600) and says where to sign in.
        static func announceWebApp(api: String, data: String, adminToken: String, people: [String]) async {
            let directory = (data as NSString).appendingPathComponent("passwords")
            var written: [String] = []
            for name in ["admin"] + people {
                let path = (directory as NSString).appendingPathComponent(name)
                if FileManager.default.fileExists(atPath: path) { written.append(name); continue }
                let password = String(AccessSecret.random().prefix(20))
                do {
                    let body = try JSONSerialization.data(withJSONObject: ["password": password])
                    _ = try await APIClient(base: api, token: adminToken).request("PATCH", "/api/v1/users/\(name)", body: body).object()
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                    guard FileManager.default.createFile(atPath: path, contents: Data((password + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                        throw ClusterError("cannot write \(path)")
                    }
                    written.append(name)
                } catch {
                    announce("cannot set a web password for \(name): \(error)")
                }
            }
            announce("web app: \(api)/ — staff sign in with a name and password: "
                     + written.map { "\($0) (password in \((directory as NSString).appendingPathComponent($0)))" }.joined(separator: ", ")
                     + "; people work tickets in the workspace, the admin also sees the lead dashboard; customers ask for a sign-in link "
                     + "on the same page (no mail server is wired in yet: the link waits in GET \(api)/api/v1/outbox)")
        }

        /// Refuses to start a second cluster on the same data directory, or on addresses in use, saying
        /// where the running one is.
        static func checkNotRunning(_ spec: ClusterFile.CoordinatorSpec) throws {
            if let holder = DataDirectoryLock.holder(of: spec.data) {
                throw ClusterError("a Desk cluster is already running on data directory \(spec.data) (\(holder.summary)); "
                                   + "stop it first (Ctrl-C where it runs), or give this one its own data directory and addresses")
            }
            let http = (spec.http ?? "127.0.0.1:8080").split(separator: ":").map(String.init)
            let clashes = [ListenCheck.problem(host: http.first ?? "", port: http.count == 2 ? Int(http[1]) ?? 0 : 0, what: "HTTP"),
                           ListenCheck.problem(endpoint: spec.agents ?? "tcp://127.0.0.1:5555", what: "agents"),
                           ListenCheck.problem(endpoint: spec.events ?? "tcp://127.0.0.1:5556", what: "the event stream")]
                .compactMap { $0 }
            guard clashes.isEmpty else {
                throw ClusterError(clashes.joined(separator: "\n") + "\n(is another Desk cluster running on these addresses?)")
            }
        }
    }
}

/// Waits for process signals as async events, through DispatchSource (the signals are ignored by default
/// handling while watched).
final class SignalWatcher: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []
    private let stream: AsyncStream<Int32>
    init(_ signals: [Int32]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
    }
    func next() async {
        var iterator = stream.makeAsyncIterator()
        _ = await iterator.next()
    }
}
