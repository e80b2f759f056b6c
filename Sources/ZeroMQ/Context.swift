import CZeroMQ

/// A libzmq context: the I/O threads and the inproc namespace shared by its sockets.
///
/// Thread-safe, as libzmq's context is. Every `Socket` keeps its context alive, so the context is
/// terminated only after its last socket has closed. The context is created with `ZMQ_BLOCKY` off, so
/// termination never waits on undelivered messages.
public final class Context: Sendable {
    nonisolated(unsafe) let handle: UnsafeMutableRawPointer

    /// Creates a context with `ioThreads` libzmq I/O threads.
    public init(ioThreads: Int32 = 1) throws {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        self.handle = handle
        zmq_ctx_set(handle, ZMQ_BLOCKY, 0)
        if ioThreads != 1 { zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads) }
    }

    deinit {
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    /// Shuts the context down (`zmq_ctx_shutdown`): every blocking or polling call on its sockets fails
    /// with `ETERM` from now on. For an emergency stop, and for tests of what a dead socket thread does.
    public func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    /// The libzmq version this process linked, as `(major, minor, patch)`.
    public static var libraryVersion: (Int32, Int32, Int32) {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }

    /// Whether the linked libzmq supports a capability, such as `"curve"` or `"ipc"` (`zmq_has`).
    public static func has(_ capability: String) -> Bool { zmq_has(capability) != 0 }
}
