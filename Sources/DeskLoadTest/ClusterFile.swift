import Foundation
import DeskAutomation

/// A cluster definition: one coordinator and the agents to start beside it (`cluster/local.yaml`).
public struct ClusterFile: Decodable, Sendable {
    public struct CoordinatorSpec: Decodable, Sendable {
        public var data: String
        public var http: String?
        public var agents: String?
        public var events: String?
        public var config: String?
        /// A macros file imported once the API is up (`desk macro import`).
        public var macros: String?
        /// A folder of knowledge-base articles (Markdown with front matter) imported once the API is up
        /// (`desk kb import`).
        public var knowledge: String?
        /// Runs the coordinator's knowledge bot (`desk coordinator --knowledge-bot`).
        public var knowledgeBot: Bool?

        enum CodingKeys: String, CodingKey {
            case data, http, agents, events, config, macros, knowledge
            case knowledgeBot = "knowledge_bot"
        }
    }

    public struct AgentSpec: Decodable, Sendable {
        public var name: String
        public var skills: [String]?
        public var tier: Int?
        public var capacity: Int?
        public var mode: String?
        public var serviceTime: String?
        /// Bot mode: the rules file.
        public var rules: String?
        /// How many agents of this kind: named NAME-1 … NAME-N when above 1.
        public var count: Int?
        /// Sim mode: a macro applied (its reply sent to the customer) before resolving.
        public var replyMacro: String?

        enum CodingKeys: String, CodingKey {
            case name, skills, tier, capacity, mode, count, rules
            case serviceTime = "service_time", replyMacro = "reply_macro"
        }
    }

    public var coordinator: CoordinatorSpec
    public var agents: [AgentSpec]
    /// Staff consoles the cluster expects a person to run (not started by `desk cluster up`, which prints
    /// their command lines); they count as agents when checking that every ticket can be taken.
    public var people: [AgentSpec]?

    /// Reads a cluster file; problems name the file and the place.
    public static func load(path: String) throws -> ClusterFile {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ClusterError("\(path): cannot read the file")
        }
        let file: ClusterFile
        do {
            file = try YAMLSource(file: path).decodeStrictly(ClusterFile.self, from: text)
        } catch {
            throw ClusterError(error.description)
        }
        var names = Set<String>()
        for agent in file.expandedAgents {
            guard names.insert(agent.name).inserted else { throw ClusterError("\(path): agent name '\(agent.name)' is used twice") }
        }
        return file
    }

    /// Agents with `count` expanded into individually named ones.
    public var expandedAgents: [AgentSpec] {
        agents.flatMap { spec -> [AgentSpec] in
            let count = max(1, spec.count ?? 1)
            guard count > 1 else { return [spec] }
            return (1...count).map { index in
                var copy = spec
                copy.name = "\(spec.name)-\(index)"
                copy.count = 1
                return copy
            }
        }
    }
}

/// A cluster file or process that cannot be used, with the reason.
public struct ClusterError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
