import CZeroMQ

/// What a poll waits for, and what it found.
public struct PollEvents: OptionSet, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    /// A message can be received (or the file descriptor is readable).
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// A message can be sent without blocking.
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
    /// An error condition on a file descriptor.
    public static let error = PollEvents(rawValue: Int16(ZMQ_POLLERR))
}

/// A set of sockets and file descriptors waited on together with `zmq_poll`.
///
/// Level-triggered: a socket with a message still queued is reported again. Owns no socket; the caller
/// keeps each registered socket open while polling. Use on the thread that owns the sockets.
public struct Poller {
    private var items: [zmq_pollitem_t] = []
    private var sockets: [Socket?] = []

    /// Creates an empty poller.
    public init() {}

    /// Adds a socket; returns its index for `events(at:)`.
    @discardableResult
    public mutating func add(_ socket: Socket, events: PollEvents) throws -> Int {
        let handle = try socket.requireHandle("zmq_poll")
        items.append(zmq_pollitem_t(socket: handle, fd: -1, events: events.rawValue, revents: 0))
        sockets.append(socket)
        return items.count - 1
    }

    /// Adds a plain file descriptor (an eventfd or a pipe); returns its index.
    @discardableResult
    public mutating func add(fileDescriptor: Int32, events: PollEvents) -> Int {
        items.append(zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: events.rawValue, revents: 0))
        sockets.append(nil)
        return items.count - 1
    }

    /// Changes what item `index` waits for.
    public mutating func setEvents(_ events: PollEvents, at index: Int) {
        items[index].events = events.rawValue
    }

    /// What item `index` reported in the last poll.
    public func events(at index: Int) -> PollEvents { PollEvents(rawValue: items[index].revents) }

    /// Waits until an item is ready or `timeoutMilliseconds` passes (-1: forever). Returns how many items
    /// are ready, 0 on timeout. A signal interrupting the wait returns 0.
    public mutating func poll(timeoutMilliseconds: Int) throws -> Int {
        let count = Int32(items.count)
        let result = items.withUnsafeMutableBufferPointer {
            zmq_poll($0.baseAddress, count, timeoutMilliseconds)
        }
        if result < 0 {
            let error = ZMQError.last("zmq_poll")
            if error.isInterrupted { return 0 }
            throw error
        }
        return Int(result)
    }
}
