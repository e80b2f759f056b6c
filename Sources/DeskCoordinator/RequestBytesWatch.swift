import NIOCore

/// The first handler of an HTTP connection: announces every read with a `BytesArrived` event before
/// passing the bytes on, so `HeaderReadTimeout` (after the decoder) knows when a request head has begun.
final class RequestBytesWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Bytes were read; they follow this event through the pipeline.
    struct BytesArrived {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(BytesArrived())
        context.fireChannelRead(data)
    }
}
