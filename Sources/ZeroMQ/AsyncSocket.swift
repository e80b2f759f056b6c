import CZeroMQ
import Foundation
import Synchronization

/// A socket owned by one dedicated thread, shared safely by any number of tasks.
///
/// The owning thread runs `zmq_poll` over the socket and an eventfd. Inbound messages are yielded to
/// `messages`; outbound messages go into a lock-protected queue, and the eventfd wakes the thread (one
/// wake-up per batch, not per message). Sends are non-blocking on the socket: a message that would block
/// (high-water mark, no peer yet) waits in the queue until the socket is writable, so nothing blocks the
/// cooperative thread pool and nothing spins.
///
/// `messages` buffers without bound unless `inboundLimit` is given: then the thread stops reading once
/// that many delivered messages are not yet `consumed`, so a slow consumer leaves the rest in libzmq's
/// queue (bounded by its receive high-water mark, then TCP) instead of in memory. A thread that dies on a
/// socket error reports it to `onFailure` once.
public final class AsyncSocket: Sendable {
    /// The socket's name, used in errors and thread names.
    public let name: String
    /// Inbound messages, in arrival order. Finishes when the socket closes.
    public let messages: AsyncStream<[Frame]>
    /// The endpoint the socket last bound or connected, read before the thread started (the real port
    /// for a `tcp://…:*` bind).
    public let lastEndpoint: String?
    private let loop: SocketLoop

    /// Takes ownership of a configured (bound or connected) socket and starts its thread.
    ///
    /// - Parameters:
    ///   - receives: whether to read inbound messages (false for PUB and PUSH).
    ///   - onSendFailure: called on the socket thread for a `post` that libzmq refused (for example
    ///     `EHOSTUNREACH` on a ROUTER with `routerMandatory`). Keep it short.
    ///   - deliver: when given, the socket thread hands each inbound message to it instead of yielding it
    ///     to `messages` (which then finishes at once). Saves a task hop for owners that merge several
    ///     sources into one stream of their own; it must only enqueue, never block.
    public init(
        _ socket: Socket,
        name: String,
        receives: Bool = true,
        onSendFailure: (@Sendable ([Frame], any Error) -> Void)? = nil,
        inboundLimit: Int? = nil,
        onFailure: (@Sendable (any Error) -> Void)? = nil,
        deliver: (@Sendable ([Frame]) -> Void)? = nil
    ) throws {
        let fd = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard fd >= 0 else { throw ZMQError(code: errno, operation: "eventfd") }
        let (stream, continuation) = AsyncStream<[Frame]>.makeStream()
        self.name = name
        self.messages = stream
        self.lastEndpoint = try? socket.get(.lastEndpoint)
        if deliver != nil { continuation.finish() }
        self.loop = SocketLoop(
            socket: socket, name: name, wakeFD: fd, receives: receives,
            inbound: continuation, deliver: deliver, onSendFailure: onSendFailure,
            inboundLimit: inboundLimit, onFailure: onFailure
        )
        let loop = self.loop
        let thread = Thread { loop.run() }
        thread.name = "zmq-\(name)"
        thread.start()
    }

    /// Creates a socket of `type`, lets `configure` set options and bind or connect it, then starts it.
    public convenience init(
        _ context: Context,
        _ type: SocketType,
        name: String,
        onSendFailure: (@Sendable ([Frame], any Error) -> Void)? = nil,
        inboundLimit: Int? = nil,
        onFailure: (@Sendable (any Error) -> Void)? = nil,
        deliver: (@Sendable ([Frame]) -> Void)? = nil,
        configure: (Socket) throws -> Void
    ) throws {
        let socket = try Socket(context, type)
        do {
            try configure(socket)
        } catch {
            socket.close()
            throw error
        }
        let receives = type != .pub && type != .push
        try self.init(socket, name: name, receives: receives, onSendFailure: onSendFailure, inboundLimit: inboundLimit,
                      onFailure: onFailure, deliver: deliver)
    }

    deinit { loop.requestClose() }

    /// Sends a message and returns once libzmq has taken it; throws what libzmq refused it with.
    public func send(_ frames: [Frame]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            loop.enqueue(frames, continuation)
        }
    }

    /// Tells the socket thread that the consumer has handled `count` delivered messages; with an
    /// `inboundLimit`, a paused thread reads again once fewer than the limit are outstanding.
    public func consumed(_ count: Int = 1) {
        loop.consumed(count)
    }

    /// Delivered messages not yet `consumed` (0 without an `inboundLimit`).
    public var outstanding: Int { loop.shared.withLock { $0.outstanding } }

    /// Queues a message and returns at once. Failures go to `onSendFailure`.
    public func post(_ frames: [Frame]) {
        loop.enqueue(frames, nil)
    }

    /// Closes the socket: pending sends fail with `SocketClosedError`, `messages` finishes. Returns when
    /// the socket thread has closed the socket; never waits on undelivered messages.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            loop.requestClose(waiter: continuation)
        }
    }
}

/// The state and loop behind an `AsyncSocket`; `run()` executes on the socket's own thread.
final class SocketLoop: Sendable {
    struct Outgoing {
        var frames: [Frame]
        var completion: CheckedContinuation<Void, any Error>?
    }

    struct Shared {
        var outbound: [Outgoing] = []
        var wakePending = false
        var closing = false
        var closed = false
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
        /// Delivered and not yet consumed; only counted with an inbound limit.
        var outstanding = 0
    }

    let socket: Socket
    let name: String
    let wakeFD: Int32
    let receives: Bool
    let inbound: AsyncStream<[Frame]>.Continuation
    let deliver: (@Sendable ([Frame]) -> Void)?
    let onSendFailure: (@Sendable ([Frame], any Error) -> Void)?
    let inboundLimit: Int?
    let onFailure: (@Sendable (any Error) -> Void)?
    let shared = Mutex(Shared())

    init(
        socket: Socket, name: String, wakeFD: Int32, receives: Bool,
        inbound: AsyncStream<[Frame]>.Continuation,
        deliver: (@Sendable ([Frame]) -> Void)?,
        onSendFailure: (@Sendable ([Frame], any Error) -> Void)?,
        inboundLimit: Int? = nil,
        onFailure: (@Sendable (any Error) -> Void)? = nil
    ) {
        self.inboundLimit = inboundLimit
        self.onFailure = onFailure
        self.deliver = deliver
        self.socket = socket
        self.name = name
        self.wakeFD = wakeFD
        self.receives = receives
        self.inbound = inbound
        self.onSendFailure = onSendFailure
    }

    func enqueue(_ frames: [Frame], _ completion: CheckedContinuation<Void, any Error>?) {
        let action: (wake: Bool, refused: Bool) = shared.withLock {
            if $0.closing { return (false, true) }
            $0.outbound.append(Outgoing(frames: frames, completion: completion))
            let wake = !$0.wakePending
            $0.wakePending = true
            return (wake, false)
        }
        if action.refused {
            fail(Outgoing(frames: frames, completion: completion), SocketClosedError(name: name))
        } else if action.wake {
            wake()
        }
    }

    func consumed(_ count: Int) {
        guard let limit = inboundLimit else { return }
        let resume: Bool = shared.withLock {
            let paused = $0.outstanding >= limit
            $0.outstanding = max(0, $0.outstanding - count)
            guard paused, $0.outstanding < limit, !$0.wakePending else { return false }
            $0.wakePending = true
            return true
        }
        if resume { wake() }
    }

    /// Whether the thread may read more: always without a limit.
    private func mayReceive() -> Bool {
        guard let limit = inboundLimit else { return true }
        return shared.withLock { $0.outstanding < limit }
    }

    func requestClose(waiter: CheckedContinuation<Void, Never>? = nil) {
        let alreadyClosed: Bool = shared.withLock {
            if $0.closed { return true }
            if let waiter { $0.closeWaiters.append(waiter) }
            $0.closing = true
            return false
        }
        if alreadyClosed {
            waiter?.resume()
        } else {
            wake()
        }
    }

    private func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
    }

    private func fail(_ item: Outgoing, _ error: any Error) {
        if let completion = item.completion {
            completion.resume(throwing: error)
        } else {
            onSendFailure?(item.frames, error)
        }
    }

    func run() {
        var poller = Poller()
        var pending: [Outgoing] = []
        var head = 0
        do {
            let socketIndex = try poller.add(socket, events: receives ? .readable : [])
            let wakeIndex = poller.add(fileDescriptor: wakeFD, events: .readable)
            while true {
                let reading = receives && mayReceive()
                var wanted: PollEvents = reading ? .readable : []
                if head < pending.count { wanted.insert(.writable) }
                poller.setEvents(wanted, at: socketIndex)
                _ = try poller.poll(timeoutMilliseconds: -1)

                if poller.events(at: wakeIndex).contains(.readable) {
                    var counter: UInt64 = 0
                    _ = Glibc.read(wakeFD, &counter, 8)
                }
                if reading && poller.events(at: socketIndex).contains(.readable) {
                    // Replies posted while delivering are taken just below, in this same iteration:
                    // no eventfd write, no second poll.
                    let room = shared.withLock { state -> Int in
                        state.wakePending = true
                        return inboundLimit.map { min(512, $0 - state.outstanding) } ?? 512
                    }
                    var received = 0
                    while received < room, let message = try socket.receive(wait: false) {
                        received += 1
                        if inboundLimit != nil { shared.withLock { $0.outstanding += 1 } }
                        if let deliver { deliver(message) } else { inbound.yield(message) }
                    }
                }
                let (taken, closing) = shared.withLock { state -> ([Outgoing], Bool) in
                    state.wakePending = false
                    return (state.outbound.isEmpty ? [] : state.takeOutbound(), state.closing)
                }
                pending.append(contentsOf: taken)
                if closing { break }
                while head < pending.count {
                    let item = pending[head]
                    do {
                        guard try socket.send(item.frames, wait: false) else { break }
                        item.completion?.resume()
                    } catch {
                        fail(item, error)
                    }
                    head += 1
                }
                if head == pending.count {
                    pending.removeAll(keepingCapacity: pending.count < 4096)
                    head = 0
                } else if head > 1024 {
                    pending.removeFirst(head)
                    head = 0
                }
            }
        } catch {
            // A poll or receive failure other than EINTR/EAGAIN ends the loop: pending sends fail, and the
            // owner hears of it (a coordinator that no longer hears its agents must not run on silently).
            let wasClosing = shared.withLock { state -> Bool in
                defer { state.closing = true }
                return state.closing
            }
            if !wasClosing { onFailure?(error) }
        }
        finish(remaining: Array(pending[head...]))
    }

    private func finish(remaining: [Outgoing]) {
        let (late, waiters) = shared.withLock { state -> ([Outgoing], [CheckedContinuation<Void, Never>]) in
            state.closed = true
            state.closing = true
            let waiters = state.closeWaiters
            state.closeWaiters = []
            return (state.takeOutbound(), waiters)
        }
        let closedError = SocketClosedError(name: name)
        for item in remaining + late { fail(item, closedError) }
        socket.close()
        inbound.finish()
        Glibc.close(wakeFD)
        for waiter in waiters { waiter.resume() }
    }
}

extension SocketLoop.Shared {
    mutating func takeOutbound() -> [SocketLoop.Outgoing] {
        var taken: [SocketLoop.Outgoing] = []
        swap(&taken, &outbound)
        return taken
    }
}
