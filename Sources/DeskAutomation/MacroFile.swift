import DeskModel
import Yams

/// A YAML file of macros, checked line by line:
///
/// ```yaml
/// macros:
///   - name: password-reset
///     description: Send the self-service reset link
///     reply: |
///       Hello {{requester.name}}, …
///     actions: { status: pending_confirmation, add_tags: [password-reset] }
/// ```
/// A file holding one macro (a mapping with `name`) is read too.
public enum MacroFile {
    static let macroKeys = ["name", "description", "reply", "actions"]
    static let actionKeys = ["status", "priority", "category", "add_tags", "remove_tags", "escalate", "resolve"]

    /// Reads and checks every macro; the first problem is thrown with its line.
    public static func parse(_ text: String, file: String) throws(FileError) -> [CheckedMacro] {
        let yaml = YAMLSource(file: file)
        let root = try yaml.root(text)
        let items: [Node]
        if let mapping = root.mapping, mapping["macros"] != nil {
            let top = try yaml.mapping(root, "the file", allowed: ["macros"])
            items = try yaml.sequence(top["macros"]!, "macros")
        } else if root.mapping != nil {
            items = [root]
        } else {
            items = try yaml.sequence(root, "the file")
        }
        guard !items.isEmpty else { throw yaml.fail(root, "the file holds no macros") }
        var seen: [String: Int] = [:]
        var macros: [CheckedMacro] = []
        for item in items {
            let macro = try parseMacro(item, yaml)
            if let first = seen[macro.definition.name] {
                throw yaml.fail(item, "macro '\(macro.definition.name)' is defined twice (first on line \(first))")
            }
            seen[macro.definition.name] = item.mark?.line ?? 0
            macros.append(macro)
        }
        return macros
    }

    static func parseMacro(_ node: Node, _ yaml: YAMLSource) throws(FileError) -> CheckedMacro {
        let fields = try yaml.mapping(node, "a macro", allowed: macroKeys)
        guard let nameNode = fields["name"] else { throw yaml.fail(node, "a macro needs a name") }
        let name = try yaml.string(nameNode, "name")
        var definition = MacroDefinition(name: name)
        if let description = fields["description"] { definition.description = try yaml.string(description, "description") }
        if let reply = fields["reply"] {
            definition.reply = try yaml.string(reply, "reply")
            do {
                _ = try MacroTemplate(definition.reply)
            } catch {
                let line = (yaml.contentLine(reply) ?? 1) + error.line - 1
                throw FileError(file: yaml.file, line: line, "macro '\(name)': reply: \(error.message)")
            }
        }
        if let actions = fields["actions"] { definition.actions = try parseActions(actions, yaml, macro: name) }
        do {
            return try CheckedMacro(definition)
        } catch {
            throw yaml.fail(fields["actions"] ?? node, "macro '\(name)': \(error)")
        }
    }

    static func parseActions(_ node: Node, _ yaml: YAMLSource, macro: String) throws(FileError) -> MacroActions {
        let fields = try yaml.mapping(node, "actions of '\(macro)'", allowed: actionKeys)
        var actions = MacroActions()
        if let status = fields["status"] { actions.status = try yaml.status(status, "actions.status") }
        if let priority = fields["priority"] { actions.priority = try yaml.priority(priority, "actions.priority") }
        if let category = fields["category"] { actions.category = try yaml.string(category, "actions.category") }
        if let tags = fields["add_tags"] { actions.addTags = try yaml.strings(tags, "actions.add_tags") }
        if let tags = fields["remove_tags"] { actions.removeTags = try yaml.strings(tags, "actions.remove_tags") }
        if let resolve = fields["resolve"] { actions.resolve = try yaml.string(resolve, "actions.resolve") }
        if let escalate = fields["escalate"] { actions.escalate = try yaml.escalation(escalate, "actions.escalate") }
        do {
            try actions.validate()
        } catch {
            throw yaml.fail(node, "macro '\(macro)': \(error)")
        }
        return actions
    }
}
