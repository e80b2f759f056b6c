import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request head does not arrive in full within `timeout` of its first byte
/// (a slow or stalled client holding a connection open with a partial head).
///
/// It sits after the HTTP decoder and learns of raw bytes from `RequestBytesWatch`, at the front of the
/// pipeline, which announces each read before the decoder sees it. Between requests (keep-alive) nothing
/// is timed here: that is the idle timeout's job. A head that starts inside the same read as the end of
/// the request before it is left to the idle timeout as well.
final class HeaderReadTimeout: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private let connections: HTTPConnections
    private var awaitingHead = true
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, connections: HTTPConnections) {
        self.timeout = timeout
        self.connections = connections
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is RequestBytesWatch.BytesArrived else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        guard awaitingHead, deadline == nil else { return }
        let connections = self.connections
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            connections.headerTimedOut()
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            awaitingHead = false
            cancelDeadline()
        case .body:
            break
        case .end:
            awaitingHead = true
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelDeadline()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }
}
