import CZeroMQ

/// An error reported by libzmq, carrying `errno` and libzmq's own message.
///
/// Built like the errors of swift-service-lifecycle: a struct with named static checks, so callers can
/// test for the cases they handle (`isAgain`, `isHostUnreachable`, ...) without an exhaustive enum.
public struct ZMQError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The `errno` value libzmq set.
    public let code: Int32
    /// What was being done: `"zmq_bind(tcp://127.0.0.1:5555)"`, `"zmq_msg_send"`, ...
    public let operation: String

    /// Creates an error for `code` raised by `operation`.
    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// The error libzmq reports for the current thread's last failed call.
    static func last(_ operation: String) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation)
    }

    /// libzmq's text for the code (`zmq_strerror`).
    public var message: String { String(cString: zmq_strerror(code)) }

    public var description: String { "\(operation): \(message) (errno \(code))" }

    /// The operation would block (`EAGAIN`): a non-blocking send at the high-water mark or a receive with
    /// nothing queued.
    public var isAgain: Bool { code == EAGAIN }
    /// A ROUTER with `routerMandatory` has no peer with that routing id (`EHOSTUNREACH`).
    public var isHostUnreachable: Bool { code == EHOSTUNREACH }
    /// The context was terminated (`ETERM`).
    public var isTerminated: Bool { code == ETERM }
    /// The call was interrupted by a signal (`EINTR`).
    public var isInterrupted: Bool { code == EINTR }
}

/// An error raised by the async socket layer itself, not by libzmq.
public struct SocketClosedError: Error, Sendable, CustomStringConvertible {
    /// The socket's name, as given when it was created.
    public let name: String
    public var description: String { "socket \(name) is closed" }
}
