import DeskModel
import Mustache

/// A macro's reply template: Mustache, checked when saved, rendered when applied.
///
/// Checked means: it parses; it names only the variables below; it uses no partials, inheritance,
/// delimiter changes or pragmas; and it has text outside every section, so that no ticket can ever get an
/// empty reply from it. Rendering is plain text (no HTML escaping).
public struct MacroTemplate: Sendable {
    /// The names a template may use.
    public static let variables: [String] = [
        "ticket.id", "ticket.subject", "ticket.body", "ticket.priority", "ticket.category", "ticket.channel",
        "ticket.status", "ticket.tier", "ticket.tags", "requester.email", "requester.name", "requester.domain",
        "agent.name",
    ]
    /// The names that are lists, iterated with `{{#ticket.tags}}{{.}}{{/ticket.tags}}`.
    public static let lists: Set<String> = ["ticket.tags"]

    public let text: String
    let template: MustacheTemplate?

    /// A template problem, with the line (and column) inside the template.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let line: Int
        public let column: Int
        public let message: String
        public var description: String { "template line \(line), column \(column): \(message)" }
    }

    /// Checks `text`; throws the first problem found.
    public init(_ text: String) throws(Problem) {
        self.text = text
        if text.allSatisfy(\.isWhitespace) {
            template = nil
            return
        }
        try Self.check(text)
        do {
            template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
        } catch let error as MustacheTemplate.ParserError {
            throw Problem(line: error.context.lineNumber, column: error.context.columnNumber,
                          message: "broken template (\(error.error))")
        } catch {
            throw Problem(line: 1, column: 1, message: "broken template (\(error))")
        }
    }

    /// Whether the template produces no reply at all (the macro only acts).
    public var isEmpty: Bool { template == nil }

    /// Renders the reply for one ticket.
    public func render(ticket: Ticket, agent: String) -> String {
        guard let template else { return "" }
        let requester = ticket.requester
        let at = requester.lastIndex(of: "@")
        let name = at.map { String(requester[..<$0]) } ?? requester
        let domain = at.map { String(requester[requester.index(after: $0)...]) } ?? ""
        let context: [String: Any] = [
            "ticket": [
                "id": "\(ticket.id)", "subject": ticket.subject, "body": ticket.body, "priority": ticket.priority.label,
                "category": ticket.category, "channel": ticket.channel, "status": ticket.status.rawValue,
                "tier": "\(ticket.tier)", "tags": ticket.tags,
            ] as [String: Any],
            "requester": ["email": requester, "name": name, "domain": domain],
            "agent": ["name": agent],
        ]
        return template.render(context)
    }

    /// The tag scan: names, nesting, unsupported features, and text outside sections.
    static func check(_ text: String) throws(Problem) {
        let chars = Array(text)
        var line = 1, column = 1
        var index = 0
        var sections: [(name: String, line: Int, column: Int)] = []
        var textOutsideSections = false
        let known = Set(variables)

        func advance() {
            if chars[index] == "\n" { line += 1; column = 1 } else { column += 1 }
            index += 1
        }
        while index < chars.count {
            guard chars[index] == "{", index + 1 < chars.count, chars[index + 1] == "{" else {
                if sections.isEmpty && !chars[index].isWhitespace { textOutsideSections = true }
                advance()
                continue
            }
            let tagLine = line, tagColumn = column
            func problem(_ message: String) -> Problem { Problem(line: tagLine, column: tagColumn, message: message) }
            advance(); advance()
            let triple = index < chars.count && chars[index] == "{"
            if triple { advance() }
            let closing: [Character] = triple ? ["}", "}", "}"] : ["}", "}"]
            var content = ""
            while index < chars.count && !(Array(chars[index..<min(chars.count, index + closing.count)]) == closing) {
                content.append(chars[index])
                advance()
            }
            guard index < chars.count else { throw problem("a tag opened with {{ is never closed") }
            for _ in closing { advance() }
            var body = content.trimmingCharacters()
            let sigil = body.first.flatMap { "#^/&!>=%$<".contains($0) ? $0 : nil }
            if sigil != nil { body = String(body.dropFirst()).trimmingCharacters() }
            switch sigil {
            case "!":
                continue
            case ">": throw problem("partials ({{>…}}) are not supported in macros")
            case "=": throw problem("changing delimiters ({{=…=}}) is not supported in macros")
            case "%": throw problem("pragmas ({{%…}}) are not supported in macros")
            case "$", "<": throw problem("template inheritance is not supported in macros")
            default: break
            }
            guard !body.isEmpty else { throw problem("empty tag {{}}") }
            guard !body.contains("(") else { throw problem("'\(body)': transforms are not supported in macros") }
            if sigil == "/" {
                guard let open = sections.popLast() else { throw problem("{{/\(body)}} closes a section that was never opened") }
                guard open.name == body else {
                    throw problem("{{/\(body)}} does not match {{#\(open.name)}} opened on line \(open.line)")
                }
                continue
            }
            let inList = sections.contains { lists.contains($0.name) }
            if body == "." {
                guard inList, !triple, sigil == nil || sigil == "&" else {
                    throw problem("{{.}} is only allowed inside {{#ticket.tags}}…{{/ticket.tags}}")
                }
            } else if !known.contains(body) {
                let suggestion = variables.first { $0.hasSuffix("." + body) || body.hasSuffix("." + $0.split(separator: ".").last!) }
                throw problem("unknown variable '\(body)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
                              + "; known: \(variables.joined(separator: ", "))")
            }
            if sigil == "#" || sigil == "^" { sections.append((body, tagLine, tagColumn)) }
        }
        if let open = sections.last {
            throw Problem(line: open.line, column: open.column, message: "section {{#\(open.name)}} is never closed")
        }
        guard textOutsideSections else {
            throw Problem(line: 1, column: 1, message: "the reply could render empty: put some text outside {{#…}} sections")
        }
    }
}

extension String {
    func trimmingCharacters() -> String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice = slice.dropFirst() }
        while slice.last?.isWhitespace == true { slice = slice.dropLast() }
        return String(slice)
    }
}

/// A macro whose template and actions were checked.
public struct CheckedMacro: Sendable {
    public let definition: MacroDefinition
    public let template: MacroTemplate

    /// Checks a macro: name, template, actions. The error names the field and the problem.
    public init(_ definition: MacroDefinition) throws(RuleError) {
        let name = definition.name
        guard !name.isEmpty, name.count <= 64,
              name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw RuleError("name '\(name)' must be 1 to 64 letters, digits, '-', '_' or '.'")
        }
        guard definition.reply.count <= IntakeRequest.Limits.body else {
            throw RuleError("reply is over \(IntakeRequest.Limits.body) characters")
        }
        do {
            template = try MacroTemplate(definition.reply)
        } catch {
            throw RuleError("reply: \(error)")
        }
        try definition.actions.validate()
        guard !template.isEmpty || definition.actions != MacroActions() else {
            throw RuleError("a macro needs a reply or at least one action")
        }
        self.definition = definition
    }
}
