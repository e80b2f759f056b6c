import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1.1 connection setup behind the coordinator's connection limits: at most
/// `maxConnections` open at once (the rest answered `503` and closed by `ConnectionRefusal`), idle
/// connections closed by Hummingbird's idle timeout, and request heads timed by `HeaderReadTimeout`.
///
/// Refused connections are not counted as open; at most `HTTPConnections.maxLingering` of them stay open
/// (for up to a second) to hear their answer, the rest are closed at once.
struct GuardedHTTP1Channel: ServerChildChannel {
    /// An admitted connection (Hummingbird's HTTP channel) or a refused one (answering on its own).
    enum Value: ServerChildChannelValue {
        case admitted(HTTP1Channel.Value)
        case refused(any Channel)

        var channel: any Channel {
            switch self {
            case .admitted(let value): value.channel
            case .refused(let channel): channel
            }
        }
    }

    let http: HTTP1Channel
    let limits: HTTPConnectionLimits
    let connections: HTTPConnections

    init(responder: @escaping HTTPChannelHandler.Responder, limits: HTTPConnectionLimits, connections: HTTPConnections) {
        let headerTimeout = TimeAmount.seconds(Int64(limits.headerTimeoutSeconds))
        http = HTTP1Channel(responder: responder, configuration: .init(
            additionalChannelHandlers: [HeaderReadTimeout(timeout: headerTimeout, connections: connections)],
            idleTimeout: .seconds(Int64(limits.idleTimeoutSeconds))))
        self.limits = limits
        self.connections = connections
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let connections = self.connections
        guard connections.admit(limit: limits.maxConnections) else {
            let answer = connections.refuse()
            if answer { channel.closeFuture.whenComplete { _ in connections.refusalClosed() } }
            logger.debug("HTTP connection refused: limit reached", metadata: ["limit": "\(limits.maxConnections)"])
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ConnectionRefusal(answer: answer))
                return .refused(channel)
            }
        }
        channel.closeFuture.whenComplete { _ in connections.release() }
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(RequestBytesWatch())
        }.flatMap {
            http.setup(channel: channel, logger: logger)
        }.map { Value.admitted($0) }.flatMapErrorThrowing { error in
            // A channel whose setup failed is never registered: close it here, or its descriptor leaks.
            channel.close(promise: nil)
            throw error
        }
    }

    func handle(value: Value, logger: Logger) async {
        switch value {
        case .admitted(let http): await self.http.handle(value: http, logger: logger)
        case .refused: break  // `ConnectionRefusal` answers and closes on its own.
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with the coordinator's connection limits (see `GuardedHTTP1Channel`).
    static func guardedHTTP1(limits: HTTPConnectionLimits, connections: HTTPConnections) -> HTTPServerBuilder {
        .init { responder in GuardedHTTP1Channel(responder: responder, limits: limits, connections: connections) }
    }
}
