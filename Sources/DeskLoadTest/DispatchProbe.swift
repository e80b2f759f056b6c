import DeskAgent
import DeskProtocol
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import ZeroMQ

/// Measures dispatch latency the way an agent sees it: the probe is itself an idle agent (skill `probe`,
/// room for every probe ticket), posts tickets of category `probe` at a fixed rate over HTTP, and times
/// each from the moment its request is sent to the moment its ASSIGN arrives. That span holds the HTTP
/// request, the commit and the dispatch, so it is an upper bound of "ticket committed → assignment
/// received". The probe also listens to the event stream: the span from a probe ticket's `created` event
/// (published once the ticket is committed) to its ASSIGN, both arriving at this one process, is
/// "ticket committed → assignment received by an idle agent" itself. The coordinator must route
/// category `probe` to skill `probe` (see loadtest/bench/cluster.sh).
public final class DispatchProbe: Sendable {
    let agentEndpoint: String
    let eventEndpoint: String
    let api: URL
    /// Sent as `Authorization: Bearer` with the probe tickets (an attached coordinator wants a token).
    let token: String?
    let name: String
    /// For a CURVE agent port: the probe agent's registered key (its name is the key's agent).
    let key: AgentKey?
    /// Send time (µs) by probe ticket subject, and the latencies measured.
    let state = Mutex<(sent: [String: Double], samples: [Double], created: [Int64: Double], assigned: [Int64: Double])>(
        ([:], [], [:], [:]))
    /// Tells the probe agent's thread to stop.
    let done = Atomic<Bool>(false)

    public struct Result: Sendable {
        /// HTTP request sent → ASSIGN received.
        public var requestToAssign: LatencySummary
        /// `created` event received → ASSIGN received, for the same tickets.
        public var committedToAssign: LatencySummary
    }

    /// `key`: the probe agent's registered key, for a CURVE agent port (the probe then has its name);
    /// without it the probe is `probe-PID` on a plain port.
    public init(agentEndpoint: String, eventEndpoint: String, api: URL, token: String? = nil, key: AgentKey? = nil) {
        self.token = token
        self.name = key?.agent ?? "probe-\(ProcessInfo.processInfo.processIdentifier)"
        self.key = key
        self.agentEndpoint = agentEndpoint
        self.eventEndpoint = eventEndpoint
        self.api = api
    }

    /// Posts `count` tickets at `rate` per second (open loop: each send time is fixed in advance) and
    /// returns the latencies once every ticket was assigned, or `timeout` seconds after the last send.
    public func run(count: Int, rate: Double, timeout: Double = 10) async throws -> Result {
        let context = try Context()
        let events = try Socket(context, .sub)
        try events.set(.receiveHighWaterMark, 1_000_000)
        try events.set(.subscribe, Array("created".utf8))
        try events.connect(eventEndpoint)
        let socket = try Socket(context, .dealer)
        try socket.set(.receiveTimeout, 100)
        try key?.configure(socket)
        try socket.connect(agentEndpoint)
        var hello = WireHello()
        hello.agent = name
        hello.skills = ["probe"]
        hello.capacity = 10_000
        hello.tier = 1
        hello.mode = "probe"
        hello.session = UUID().uuidString
        try socket.send(FrameCodec.encode(.hello(hello)))
        let deadline = nowMicroseconds() + 5_000_000
        welcome: while true {
            guard nowMicroseconds() < deadline else { throw ProbeError("no WELCOME from \(agentEndpoint)") }
            if let frames = try socket.receive(), case .welcome = try FrameCodec.decode(frames) { break welcome }
        }

        let agentThread = Thread { [self] in self.serve(socket, events: events) }
        agentThread.start()
        defer { done.store(true, ordering: .relaxed) }

        let start = nowMicroseconds()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                let due = start + Double(index) * 1_000_000 / rate
                let wait = due - nowMicroseconds()
                if wait > 0 { try? await Task.sleep(for: .microseconds(Int(wait))) }
                group.addTask { [self] in await post(index) }
            }
        }
        let end = nowMicroseconds() + timeout * 1_000_000
        while nowMicroseconds() < end, state.withLock({ $0.samples.count }) < count {
            try? await Task.sleep(for: .milliseconds(50))
        }
        done.store(true, ordering: .relaxed)
        while !agentThread.isFinished { try? await Task.sleep(for: .milliseconds(10)) }
        socket.close()
        events.close()
        return state.withLock { state in
            let spans = state.assigned.compactMap { id, at in state.created[id].map { at - $0 } }
            return Result(requestToAssign: LatencySummary(microseconds: state.samples),
                          committedToAssign: LatencySummary(microseconds: spans))
        }
    }

    func post(_ index: Int) async {
        let subject = "probe \(index)"
        var request = URLRequest(url: api.appendingPathComponent("api/v1/tickets"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let token { request.setValue("Bearer " + token, forHTTPHeaderField: "Authorization") }
        request.httpBody = Data("""
            {"subject":"\(subject)","body":"dispatch probe","requester":"probe@example.com","category":"probe","priority":"P2"}
            """.utf8)
        state.withLock { $0.sent[subject] = nowMicroseconds() }
        _ = try? await URLSession.shared.data(for: request)
    }

    /// The probe agent: records and resolves each ASSIGN, notes when `created` events arrive, heartbeats,
    /// until `done`.
    func serve(_ socket: Socket, events: Socket) {
        var sequence: UInt64 = 0
        var lastSent = nowMicroseconds()
        var poller = Poller()
        guard let agentIndex = try? poller.add(socket, events: .readable),
              let eventIndex = try? poller.add(events, events: .readable) else { return }
        while !done.load(ordering: .relaxed) {
            if nowMicroseconds() - lastSent > 300_000 {
                _ = try? socket.send(FrameCodec.encode(.heartbeat))
                lastSent = nowMicroseconds()
            }
            guard (try? poller.poll(timeoutMilliseconds: 100)) ?? 0 > 0 else { continue }
            if poller.events(at: eventIndex).contains(.readable) {
                while let frames = try? events.receive(wait: false), frames.count == 2 {
                    let received = nowMicroseconds()
                    if let id = Self.ticketID(inEvent: frames[1]) { state.withLock { $0.created[id] = received } }
                }
            }
            guard poller.events(at: agentIndex).contains(.readable) else { continue }
            while let frames = try? socket.receive(wait: false) {
                guard let message = try? FrameCodec.decode(frames), case .assign(let assign) = message else { continue }
                let received = nowMicroseconds()
                state.withLock { state in
                    if let sent = state.sent[assign.ticket.subject] { state.samples.append(received - sent) }
                    state.assigned[assign.lease.ticketID] = received
                }
                sequence += 1
                var resolve = WireResolve()
                resolve.seq = sequence
                resolve.lease = assign.lease
                resolve.resolution = "probed"
                _ = try? socket.send(FrameCodec.encode(.resolve(resolve)))
                lastSent = nowMicroseconds()
            }
        }
    }

    /// The ticket id of an event body, which starts `{"ticket":ID,`.
    static func ticketID(inEvent body: [UInt8]) -> Int64? {
        let prefix = Array("{\"ticket\":".utf8)
        guard body.starts(with: prefix) else { return nil }
        var id: Int64 = 0
        for byte in body.dropFirst(prefix.count) {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            id = id * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return id
    }
}

struct ProbeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
