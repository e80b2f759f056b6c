import CZeroMQ

/// One frame of a multipart message.
public typealias Frame = [UInt8]

/// A libzmq socket used from one thread at a time.
///
/// libzmq sockets are not thread-safe. A `Socket` may be handed from one thread to another (a thread
/// start is a full memory barrier), but never used by two at once; `AsyncSocket` gives async code a safe
/// way to share one. Linger is 0 from creation, so `close()` never waits on undelivered messages; set a
/// bounded linger yourself where a short flush on close matters.
public final class Socket: @unchecked Sendable {
    /// The context that owns the socket; kept alive while the socket is open.
    public let context: Context
    /// The socket's type.
    public let type: SocketType
    nonisolated(unsafe) private(set) var handle: UnsafeMutableRawPointer?
    /// When set, `receive` puts this metadata property of each message (from the connection's
    /// handshake: `"User-Id"` is what the ZAP handler answered for it) as an extra first frame, empty
    /// when the connection has none. Set it before the socket's thread starts.
    nonisolated(unsafe) public var prependedProperty: String?

    /// Creates a socket of `type` in `context`, with linger 0.
    public init(_ context: Context, _ type: SocketType) throws {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError.last("zmq_socket")
        }
        self.context = context
        self.type = type
        self.handle = handle
        try set(.linger, 0)
    }

    deinit { close() }

    func requireHandle(_ operation: String) throws -> UnsafeMutableRawPointer {
        guard let handle else { throw ZMQError(code: ENOTSOCK, operation: operation) }
        return handle
    }

    /// Sets an option: `try socket.set(.sendHighWaterMark, 10_000)`.
    public func set<Value>(_ option: SocketOption<Value>, _ value: Value) throws {
        let handle = try requireHandle("zmq_setsockopt(\(option.name))")
        guard Value.write(value, code: option.code, to: handle) == 0 else {
            throw ZMQError.last("zmq_setsockopt(\(option.name))")
        }
    }

    /// Reads an option: `try socket.get(.lastEndpoint)`.
    public func get<Value>(_ option: SocketOption<Value>) throws -> Value {
        let handle = try requireHandle("zmq_getsockopt(\(option.name))")
        guard let value = Value.read(code: option.code, from: handle) else {
            throw ZMQError.last("zmq_getsockopt(\(option.name))")
        }
        return value
    }

    /// Binds to `endpoint` (`tcp://127.0.0.1:*` picks a free port; read it back with `.lastEndpoint`).
    public func bind(_ endpoint: String) throws {
        let handle = try requireHandle("zmq_bind(\(endpoint))")
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError.last("zmq_bind(\(endpoint))") }
    }

    /// Connects to `endpoint`; libzmq reconnects by itself when the peer goes away.
    public func connect(_ endpoint: String) throws {
        let handle = try requireHandle("zmq_connect(\(endpoint))")
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError.last("zmq_connect(\(endpoint))") }
    }

    /// Sends a multipart message. Returns false when `wait` is false and the message would block
    /// (high-water mark, or no peer yet); throws any other error, such as `EHOSTUNREACH`.
    ///
    /// libzmq delivers a multipart message whole or not at all; the would-block and unroutable checks
    /// happen on the first frame, so a false return never leaves half a message queued.
    @discardableResult
    public func send(_ frames: [Frame], wait: Bool = true) throws -> Bool {
        let handle = try requireHandle("zmq_send")
        let last = frames.count - 1
        for (index, frame) in frames.enumerated() {
            var flags: Int32 = wait ? 0 : ZMQ_DONTWAIT
            if index < last { flags |= ZMQ_SNDMORE }
            while true {
                let result = frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                if result >= 0 { break }
                let error = ZMQError.last("zmq_send")
                if error.isInterrupted { continue }
                if error.isAgain && index == 0 && !wait { return false }
                throw error
            }
        }
        return true
    }

    /// Receives one multipart message. Returns nil when `wait` is false and nothing is queued (or a
    /// receive timeout elapsed).
    public func receive(wait: Bool = true) throws -> [Frame]? {
        let handle = try requireHandle("zmq_msg_recv")
        var frames: [Frame] = []
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        var more = true
        var found: Frame?
        while more {
            let flags: Int32 = (wait || !frames.isEmpty) ? 0 : ZMQ_DONTWAIT
            if zmq_msg_recv(&message, handle, flags) < 0 {
                let error = ZMQError.last("zmq_msg_recv")
                if error.isInterrupted { continue }
                if error.isAgain && frames.isEmpty { return nil }
                throw error
            }
            // The property is read from every part until one has it: a ROUTER's routing-id part carries
            // no metadata when the message was prefetched by a poll (libzmq 4.3's `xhas_in`).
            if let property = prependedProperty, found == nil, let value = zmq_msg_gets(&message, property) {
                found = Array(String(cString: value).utf8)
            }
            let size = zmq_msg_size(&message)
            if let data = zmq_msg_data(&message), size > 0 {
                frames.append(Frame(UnsafeRawBufferPointer(start: data, count: size)))
            } else {
                frames.append([])
            }
            more = zmq_msg_more(&message) != 0
        }
        if prependedProperty != nil { frames.insert(found ?? [], at: 0) }
        return frames
    }

    /// Closes the socket. Idempotent; never waits longer than the socket's linger (0 unless changed).
    public func close() {
        guard let handle else { return }
        zmq_close(handle)
        self.handle = nil
    }
}
