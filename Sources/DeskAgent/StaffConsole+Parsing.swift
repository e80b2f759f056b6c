import DeskModel
import Foundation

/// Reading the console's input: standard input as lines, and the words of `status` and `set`.
extension StaffConsole {
    /// Standard input as a stream of lines, read on a thread of its own; it ends at end of input.
    public static func standardInputLines() -> AsyncStream<String> {
        AsyncStream { continuation in
            let thread = Thread {
                while let line = readLine(strippingNewline: true) { continuation.yield(line) }
                continuation.finish()
            }
            thread.start()
        }
    }

    static func status(_ word: String?) throws(ConsoleError) -> TicketStatus {
        switch word?.lowercased() {
        case "waiting", "waiting_on_customer": return .waitingOnCustomer
        case "pending", "pending_confirmation": return .pendingConfirmation
        case "working", "in_progress": return .inProgress
        default: throw ConsoleError("status takes waiting, pending or working, got '\(word ?? "")'")
        }
    }

    static func update(_ words: [String]) throws(ConsoleError) -> WorkPlan.Report {
        guard let field = words.first else { throw ConsoleError("set needs a field: priority, category or tag") }
        let values = Array(words.dropFirst())
        switch field.lowercased() {
        case "priority":
            guard let label = values.first, let priority = Priority(label: label) else {
                throw ConsoleError("set priority takes P1, P2, P3 or P4")
            }
            return .update(priority: priority, category: nil, addTags: [], removeTags: [])
        case "category":
            guard let category = values.first, values.count == 1 else { throw ConsoleError("set category takes one word") }
            return .update(priority: nil, category: category, addTags: [], removeTags: [])
        case "tag", "tags":
            let add = values.filter { $0.hasPrefix("+") }.map { String($0.dropFirst()) }
            let remove = values.filter { $0.hasPrefix("-") }.map { String($0.dropFirst()) }
            guard !values.isEmpty, add.count + remove.count == values.count, !(add + remove).contains("") else {
                throw ConsoleError("tags are written +add or -remove, e.g. 'set tag +vip -spam'")
            }
            return .update(priority: nil, category: nil, addTags: add, removeTags: remove)
        default:
            throw ConsoleError("set takes priority, category or tag, not '\(field)'")
        }
    }
}
