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
/// received". The coordinator must route category `probe` to skill `probe` (see loadtest/bench/cluster.sh).
public final class DispatchProbe: Sendable {
    let agentEndpoint: String
    let api: URL
    let name = "probe-\(ProcessInfo.processInfo.processIdentifier)"
    /// Send time (µs) by probe ticket subject, and the latencies measured.
    let state = Mutex<(sent: [String: Double], samples: [Double])>(([:], []))
    /// Tells the probe agent's thread to stop.
    let done = Atomic<Bool>(false)

    public init(agentEndpoint: String, api: URL) {
        self.agentEndpoint = agentEndpoint
        self.api = api
    }

    /// Posts `count` tickets at `rate` per second (open loop: each send time is fixed in advance) and
    /// returns the latencies once every ticket was assigned, or `timeout` seconds after the last send.
    public func run(count: Int, rate: Double, timeout: Double = 10) async throws -> LatencySummary {
        let context = try Context()
        let socket = try Socket(context, .dealer)
        try socket.set(.receiveTimeout, 100)
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

        let agentThread = Thread { [self] in self.serve(socket) }
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
        return LatencySummary(microseconds: state.withLock { $0.samples })
    }

    func post(_ index: Int) async {
        let subject = "probe \(index)"
        var request = URLRequest(url: api.appendingPathComponent("api/v1/tickets"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data("""
            {"subject":"\(subject)","body":"dispatch probe","requester":"probe@example.com","category":"probe","priority":"P2"}
            """.utf8)
        state.withLock { $0.sent[subject] = nowMicroseconds() }
        _ = try? await URLSession.shared.data(for: request)
    }

    /// The probe agent: records and resolves each ASSIGN, heartbeats, until `done`.
    func serve(_ socket: Socket) {
        var sequence: UInt64 = 0
        var lastSent = nowMicroseconds()
        while !done.load(ordering: .relaxed) {
            if nowMicroseconds() - lastSent > 300_000 {
                _ = try? socket.send(FrameCodec.encode(.heartbeat))
                lastSent = nowMicroseconds()
            }
            guard let frames = try? socket.receive(), let message = try? FrameCodec.decode(frames),
                  case .assign(let assign) = message else { continue }
            let received = nowMicroseconds()
            state.withLock { state in
                if let sent = state.sent[assign.ticket.subject] { state.samples.append(received - sent) }
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

struct ProbeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
