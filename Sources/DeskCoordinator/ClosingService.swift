import DeskStore
import ServiceLifecycle
import ZeroMQ

/// Closes the store and the coordinator's sockets when the coordinator stops. It is the first service
/// of the coordinator's group, so graceful shutdown reaches it only after every other service returned:
/// no service writes to the store after it is closed.
struct ClosingService: Service {
    let store: TicketStore
    let sockets: [AsyncSocket]
    /// The agent port's ZAP handler, stopped once the ROUTER it answers for is closed.
    let zap: ZAPHandler?

    /// Waits for graceful shutdown (or cancellation), then lets every submitted change commit and closes.
    func run() async {
        try? await gracefulShutdown()
        await store.close()
        for socket in sockets { await socket.close() }
        zap?.stop()
    }
}
