import NIOCore

/// The whole pipeline of a connection past the limit: answers `503` with a short JSON body and
/// `Connection: close`, then closes.
///
/// The answer goes out at once, before any request is read. Closing a socket with unread input makes the
/// kernel send RST, which can destroy the answer before the client reads it; so after the answer the
/// output is half-closed, input is read and dropped, and the connection closes when the client closes its
/// side or after `linger`, whichever comes first. With `answer` false (too many refusals lingering
/// already) it closes at once.
final class ConnectionRefusal: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The answer, byte for byte.
    static let response: String = {
        let body = #"{"error":"too many open connections; retry later"}"#
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Retry-After: 1\r\nConnection: close\r\n\r\n" + body
    }()

    private let answer: Bool
    private let linger: TimeAmount
    private var lingerTimer: Scheduled<Void>?

    init(answer: Bool, linger: TimeAmount = .seconds(1)) {
        self.answer = answer
        self.linger = linger
    }

    func channelActive(context: ChannelHandlerContext) {
        guard answer else {
            context.close(promise: nil)
            return
        }
        let loop = context.eventLoop.assumeIsolated()
        lingerTimer = loop.scheduleTask(in: linger) { context.close(promise: nil) }
        let written = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: Self.response)))
        written.assumeIsolated().whenComplete { _ in context.close(mode: .output, promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}  // the request is not read

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { context.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        lingerTimer?.cancel()
        lingerTimer = nil
        context.fireChannelInactive()
    }
}
