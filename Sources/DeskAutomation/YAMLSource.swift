import DeskModel
import Yams

/// A file that cannot be used: where (file and line) and what is wrong.
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let message: String
    public init(file: String, line: Int?, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
    public var description: String { line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)" }
}

/// Reading a YAML document node by node, so that every error names the line it is about.
public struct YAMLSource {
    public let file: String
    public init(file: String) { self.file = file }

    /// Parses `text` into its root node; a YAML syntax error names its line.
    public func root(_ text: String) throws(FileError) -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else { throw FileError(file: file, line: nil, "the file is empty") }
            return node
        } catch let error as FileError {
            throw error
        } catch let error as YamlError {
            throw FileError(file: file, line: Self.line(of: error), "not valid YAML: \(Self.problem(of: error))")
        } catch {
            throw FileError(file: file, line: nil, "not valid YAML: \(error)")
        }
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
             .composer(let context, let problem, _, _):
            problem + (context.map { " (\($0.text) on line \($0.mark.line))" } ?? "")
        default: "\(error)"
        }
    }

    public func fail(_ node: Node?, _ message: String) -> FileError {
        FileError(file: file, line: node?.mark?.line, message)
    }

    /// A mapping's pairs by key, refusing keys outside `allowed` and repeated keys.
    public func mapping(_ node: Node, _ what: String, allowed: [String]) throws(FileError) -> [String: Node] {
        guard let mapping = node.mapping else { throw fail(node, "\(what) must be a mapping (key: value)") }
        var pairs: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { throw fail(key, "\(what) has a key that is not text") }
            guard allowed.contains(name) else {
                throw fail(key, "\(what) has unknown key '\(name)' (expected \(allowed.joined(separator: ", ")))")
            }
            guard pairs[name] == nil else { throw fail(key, "\(what) repeats key '\(name)'") }
            pairs[name] = value
        }
        return pairs
    }

    public func sequence(_ node: Node, _ what: String) throws(FileError) -> [Node] {
        guard let sequence = node.sequence else { throw fail(node, "\(what) must be a list") }
        return Array(sequence)
    }

    public func string(_ node: Node, _ what: String) throws(FileError) -> String {
        guard let scalar = node.scalar else { throw fail(node, "\(what) must be text") }
        return scalar.string
    }

    public func int(_ node: Node, _ what: String) throws(FileError) -> Int {
        guard let text = node.scalar?.string, let value = Int(text) else { throw fail(node, "\(what) must be a whole number") }
        return value
    }

    /// One string or a list of strings.
    public func strings(_ node: Node, _ what: String) throws(FileError) -> [String] {
        if let scalar = node.scalar { return [scalar.string] }
        guard let sequence = node.sequence else { throw fail(node, "\(what) must be text or a list of text") }
        var values: [String] = []
        for item in sequence {
            guard let text = item.scalar?.string, !text.isEmpty else { throw fail(item, "\(what) items must be non-empty text") }
            values.append(text)
        }
        guard !values.isEmpty else { throw fail(node, "\(what) is an empty list") }
        return values
    }

    public func priority(_ node: Node, _ what: String) throws(FileError) -> Priority {
        let text = try string(node, what)
        guard let priority = Priority(label: text) else {
            throw fail(node, "\(what) '\(text)' is not a priority: expected P1, P2, P3 or P4")
        }
        return priority
    }

    public func status(_ node: Node, _ what: String) throws(FileError) -> TicketStatus {
        let text = try string(node, what)
        guard let status = TicketStatus(rawValue: text), MacroActions.settableStatuses.contains(status) else {
            throw fail(node, "\(what) '\(text)' is not a status that can be set: expected "
                        + MacroActions.settableStatuses.map(\.rawValue).joined(separator: ", "))
        }
        return status
    }

    /// `{ tier: 1-3, reason: TEXT, priority: P1-P4 (optional) }`, the one escalation shape of macros and rules.
    public func escalation(_ node: Node, _ what: String) throws(FileError) -> MacroActions.Escalation {
        let e = try mapping(node, what, allowed: ["tier", "reason", "priority"])
        guard let tierNode = e["tier"], let reasonNode = e["reason"] else { throw fail(node, "\(what) needs a tier and a reason") }
        let tier = try int(tierNode, "\(what).tier")
        guard (1...3).contains(tier) else { throw fail(tierNode, "\(what).tier must be 1 to 3, got \(tier)") }
        let reason = try string(reasonNode, "\(what).reason")
        guard !reason.isEmpty else { throw fail(reasonNode, "\(what) needs a non-empty reason") }
        let raised = try e["priority"].map { node throws(FileError) in try priority(node, "\(what).priority") }
        return MacroActions.Escalation(tier: tier, reason: reason, priority: raised)
    }

    /// The line where a scalar's text starts: the line after the indicator for `|` and `>` blocks.
    public func contentLine(_ node: Node) -> Int? {
        guard let scalar = node.scalar, let line = scalar.mark?.line else { return node.mark?.line }
        return scalar.style == .literal || scalar.style == .folded ? line + 1 : line
    }
}
