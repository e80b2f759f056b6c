import DeskModel
import DeskProtocol
import Foundation

/// The staff console: a person's commands on their open tickets, typed at a terminal or piped in by a
/// script. Each command waits for the coordinator's answer before the next one is read, so a script runs
/// in order and every line of output belongs to the command above it.
public final class StaffConsole: @unchecked Sendable {
    /// One console command: its words, a one-line summary, and whether it needs a ticket.
    struct CommandHelp {
        let usage: String
        let summary: String
    }

    static let commands: [(name: String, help: CommandHelp)] = [
        ("tickets", CommandHelp(usage: "tickets", summary: "list my open tickets (alias: ls)")),
        ("queue", CommandHelp(usage: "queue [N]", summary: "the oldest N (default 20) open tickets nobody holds yet")),
        ("take", CommandHelp(usage: "take #ID", summary: "take a ticket from the queue (or another's) and make it current")),
        ("show", CommandHelp(usage: "show [#ID]", summary: "a ticket's details and full history (notes included)")),
        ("use", CommandHelp(usage: "use #ID", summary: "make a ticket the current one; later commands act on it")),
        ("wait", CommandHelp(usage: "wait [SECONDS]", summary: "wait for the next new assignment (default 30 s) and make it current")),
        ("reply", CommandHelp(usage: "reply [#ID] TEXT", summary: "public reply: goes to the customer")),
        ("note", CommandHelp(usage: "note [#ID] TEXT", summary: "internal note: never shown to the customer")),
        ("macro", CommandHelp(usage: "macro [#ID] NAME", summary: "apply a stored macro (its reply and actions, in one commit)")),
        ("macros", CommandHelp(usage: "macros", summary: "list the stored macros")),
        ("status", CommandHelp(usage: "status [#ID] waiting|pending|working",
                               summary: "waiting on customer, pending confirmation, or back in progress")),
        ("set", CommandHelp(usage: "set [#ID] priority P1..P4 | category NAME | tag +ADD -REMOVE …", summary: "change fields")),
        ("progress", CommandHelp(usage: "progress [#ID] PERCENT NOTE", summary: "report progress (renews the lease)")),
        ("escalate", CommandHelp(usage: "escalate [#ID] TIER REASON", summary: "hand the ticket to a higher tier (1 L1, 2 L2, 3 engineering)")),
        ("release", CommandHelp(usage: "release [#ID] REASON", summary: "give the ticket back to the queue")),
        ("resolve", CommandHelp(usage: "resolve [#ID] RESOLUTION", summary: "resolve the ticket")),
        ("away", CommandHelp(usage: "away", summary: "take no new tickets; keep the open ones")),
        ("available", CommandHelp(usage: "available", summary: "take new tickets again")),
        ("help", CommandHelp(usage: "help [COMMAND]", summary: "this list")),
        ("quit", CommandHelp(usage: "quit", summary: "leave; open tickets go back to the queue (alias: exit)")),
    ]

    let name: String
    let api: APIClient?
    let interactive: Bool
    /// How long a command waits for the coordinator's answer before the console gives up on it.
    let answerTimeout: Duration
    let lock = NSLock()
    var runtime: AgentRuntime?
    /// Guarded by `lock`: my tickets, the current one, and the new ones `wait` has not handed out.
    var book = ConsoleTickets()
    var arrivalWaiter: (id: Int, resume: @Sendable (TicketID?) -> Void)?
    var waiterCount = 0

    /// The coordinator's event stream, for customer answers: nil asks the API's `/healthz` for it.
    let eventsEndpoint: String?
    /// Guarded by `lock`.
    var replyWatch: CustomerReplyWatch?
    /// Guarded by `lock`: the banner was said.
    var greeted = false

    /// Where printed lines go instead of standard output (tests read them); nil prints.
    let output: (@Sendable (String) -> Void)?

    /// `token`: the staff member's API token (role agent or above), for history, macros and the queue.
    public init(name: String, api: String?, token: String? = nil, interactive: Bool, events: String? = nil,
                answerTimeout: Duration = .seconds(30), output: (@Sendable (String) -> Void)? = nil) {
        self.name = name
        self.output = output
        self.eventsEndpoint = events
        self.answerTimeout = answerTimeout
        self.api = api.map { APIClient(base: $0, token: token) }
        self.interactive = interactive
    }

    public func attach(_ runtime: AgentRuntime) { lock.withLock { self.runtime = runtime } }

    // MARK: - Output

    static let outputLock = NSLock()
    /// Guarded by `outputLock`: the prompt is the last thing on the terminal (the person has not
    /// pressed return since), so a line said now is a notice arriving while they type.
    nonisolated(unsafe) static var atPrompt = false

    func say(_ text: String) {
        if let output { return output(text) }
        Self.outputLock.withLock {
            FileHandle.standardOutput.write(Data(Self.terminalText(text, atPrompt: Self.atPrompt).utf8))
        }
    }

    /// What to write for a line: at the prompt (interactive only) the line replaces the prompt and the
    /// prompt follows it, instead of `desk> * new ticket …` and a next line without a prompt. What the
    /// person had typed stays in the terminal's input (return still sends it), it is only not redrawn.
    static func terminalText(_ text: String, atPrompt: Bool) -> String {
        atPrompt ? "\r\u{1B}[K" + text + "\n" + promptText : text + "\n"
    }

    static let promptText = "desk> "

    /// From the runtime (its lock held): print, remember arrivals for `wait`. Never calls back into it.
    public func observe(_ event: AgentEvent) {
        switch event {
        case .welcomed:
            say("* connected as \(name)")
        case .assigned(let id, let view):
            say("* new ticket #\(id) [\(Priority(wire: view.priority)?.label ?? "?")] \(view.subject)")
            lock.withLock {
                book.assigned(id)
                if let waiter = arrivalWaiter, let next = book.takeArrival() {
                    arrivalWaiter = nil
                    waiter.resume(next)
                }
            }
        case .revoked(let id, let reason):
            say("* ticket #\(id) left you: \(reason)")
            let moved = lock.withLock { book.left(id) }
            if let moved { sayCurrent(moved) }
        case .reconnecting(let reason):
            say("* connection lost (\(reason)); reconnecting")
        }
    }

    // MARK: - Commands

    /// Says which console this is, once: `desk agent` calls it before the runtime connects, so the line
    /// comes before `* connected as …` (from `run` alone the two raced).
    public func greet() {
        guard lock.withLock({ defer { greeted = true }; return !greeted }) else { return }
        say("Desk staff console for \(name). Type 'help' for the commands.")
    }

    /// Reads commands until `quit` or the end of input.
    public func run(_ lines: AsyncStream<String>) async {
        greet()
        await followCustomerAnswers()
        if interactive { prompt() }
        for await raw in lines {
            Self.outputLock.withLock { Self.atPrompt = false }  // the person pressed return: output goes below
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("//") {
                if interactive { prompt() }
                continue
            }
            if !interactive { say("> \(line)") }
            if await execute(line) == .quit { break }
            if interactive { prompt() }
        }
        await lock.withLock({ replyWatch })?.close()
    }

    func prompt() {
        Self.outputLock.withLock {
            FileHandle.standardOutput.write(Data(Self.promptText.utf8))
            Self.atPrompt = true
        }
    }

    enum Outcome { case next, quit }

    /// Runs one command line and prints its result.
    func execute(_ line: String) async -> Outcome {
        var words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let command = words.removeFirst().lowercased()
        do {
            switch command {
            case "help", "?":
                help(words.first)
            case "tickets", "ls":
                await listTickets()
            case "queue":
                let limit = try words.first.map { text throws(ConsoleError) in
                    guard let value = Int(text), (1...500).contains(value) else {
                        throw ConsoleError("queue takes how many tickets to list, 1 to 500, got '\(text)'")
                    }
                    return value
                } ?? 20
                try await listQueue(limit: limit)
            case "take":
                try await take(try ticket(&words, required: true))
            case "show":
                try await show(try ticket(&words))
            case "use":
                let id = try ticket(&words, required: true)
                let held = heldIDs()
                guard lock.withLock({ book.sync(held); return book.use(id) }) else {
                    throw ConsoleError("you hold no ticket #\(id); 'tickets' lists yours")
                }
                say("current ticket: #\(id)")
            case "wait":
                let seconds = try words.first.map { text throws(ConsoleError) in
                    guard let value = Double(text), value > 0, value <= 3600 else {
                        throw ConsoleError("wait takes seconds from 1 to 3600, got '\(text)'")
                    }
                    return value
                } ?? 30
                guard let id = await nextArrival(timeout: seconds) else {
                    throw ConsoleError("no new ticket within \(Int(seconds)) s")
                }
                say("current ticket: #\(id)")
            case "reply":
                let id = try ticket(&words)
                try await report(.reply(body: try text(words, "reply needs the text to send"), macro: ""), on: id,
                                 done: "replied on #\(id) (public)")
            case "note":
                let id = try ticket(&words)
                try await report(.note(try text(words, "note needs its text")), on: id, done: "noted on #\(id) (internal)")
            case "macro":
                let id = try ticket(&words)
                let name = try text(words, "macro needs a name; 'macros' lists them")
                try await report(.applyMacro(name), on: id, done: "applied macro \(name) on #\(id)")
            case "macros":
                try await listMacros()
            case "status":
                let id = try ticket(&words)
                let status = try Self.status(words.first)
                try await report(.status(status), on: id, done: "#\(id) is \(status.rawValue)")
            case "set", "tag":
                if command == "tag" { words.insert("tag", at: words.first?.hasPrefix("#") == true ? 1 : 0) }
                let id = try ticket(&words)
                let update = try Self.update(words)
                try await report(update, on: id, done: "updated #\(id)")
            case "progress":
                let id = try ticket(&words)
                guard let first = words.first, let percent = UInt32(first.trimmingCharacters(in: CharacterSet(charactersIn: "%"))),
                      percent <= 100 else {
                    throw ConsoleError("progress needs a percent from 0 to 100, then a note")
                }
                let note = words.dropFirst().joined(separator: " ")
                try await report(.progress(note: note, percent: percent), on: id, done: "progress \(percent)% on #\(id)")
            case "escalate":
                let id = try ticket(&words)
                guard let first = words.first, let tier = UInt32(first), (1...3).contains(tier) else {
                    throw ConsoleError("escalate needs a tier (1, 2 or 3) and a reason, e.g. 'escalate 2 needs a database expert'")
                }
                let reason = try text(Array(words.dropFirst()), "escalate needs a reason after the tier")
                try await report(.escalate(reason: reason, tier: tier, priority: nil), on: id, done: "escalated #\(id) to tier \(tier)")
            case "release":
                let id = try ticket(&words)
                let reason = words.isEmpty ? "released by \(name)" : words.joined(separator: " ")
                try await report(.release(reason: reason), on: id, done: "released #\(id)")
            case "resolve":
                let id = try ticket(&words)
                try await report(.resolve(resolution: try text(words, "resolve needs a resolution")), on: id, done: "resolved #\(id)")
            case "away":
                runtime?.setAway(true)
                say("away: no new tickets; your \(runtime?.heldTickets().count ?? 0) open ones stay yours")
            case "available":
                runtime?.setAway(false)
                say("available for new tickets")
            case "quit", "exit":
                say("bye")
                return .quit
            default:
                let known = Self.commands.map(\.name)
                let close = known.first { $0.hasPrefix(String(command.prefix(2))) }
                throw ConsoleError("unknown command '\(command)'" + (close.map { " (did you mean '\($0)'?)" } ?? "")
                                   + "; 'help' lists the commands")
            }
        } catch {
            say("error: \(error)")
        }
        return .next
    }

    /// The ticket a command is about: `#ID` (or a bare number) as its first word, else the current one.
    func ticket(_ words: inout [String], required: Bool = false) throws(ConsoleError) -> TicketID {
        if let first = words.first, first.hasPrefix("#") || (required && Int64(first) != nil) {
            guard let id = TicketID(first.hasPrefix("#") ? String(first.dropFirst()) : first), id > 0 else {
                throw ConsoleError("'\(first)' is not a ticket number like #12")
            }
            words.removeFirst()
            return id
        }
        if required { throw ConsoleError("name a ticket, like #12") }
        let held = heldIDs()
        guard let current = lock.withLock({ book.sync(held); return book.current }) else {
            throw ConsoleError("you have no open tickets")
        }
        return current
    }

    func text(_ words: [String], _ missing: String) throws(ConsoleError) -> String {
        let text = words.joined(separator: " ")
        guard !text.isEmpty else { throw ConsoleError(missing) }
        return text.replacingOccurrences(of: "\\n", with: "\n")
    }

    func report(_ report: WorkPlan.Report, on id: TicketID, done: String) async throws {
        guard let runtime else { throw ConsoleError("not started") }
        let timeout = answerTimeout
        let answer = await withTaskGroup(of: Result<Void, AgentRefusal>?.self) { group in
            group.addTask { await runtime.perform(report, on: id) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch answer {
        case .success:
            let moved = report.endsLease ? lock.withLock { book.left(id) } : nil
            say(done)
            if let moved { sayCurrent(moved) }
        case .failure(let refusal):
            if refusal.code == .staleLease { lock.withLock { _ = book.left(id) } }
            throw ConsoleError("refused: \(refusal.message)")
        case nil: throw ConsoleError("no answer from the coordinator within \(Self.seconds(timeout)); it is sent again when the connection returns")
        }
    }

    /// A duration as the console prints it: "30 s", "0.2 s".
    static func seconds(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}
