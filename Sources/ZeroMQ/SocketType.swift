import CZeroMQ

/// The libzmq socket types Desk uses.
public enum SocketType: Sendable, CaseIterable {
    case router, dealer, pub, sub, push, pull, pair, rep

    var rawValue: Int32 {
        switch self {
        case .router: ZMQ_ROUTER
        case .dealer: ZMQ_DEALER
        case .pub: ZMQ_PUB
        case .sub: ZMQ_SUB
        case .push: ZMQ_PUSH
        case .pull: ZMQ_PULL
        case .pair: ZMQ_PAIR
        case .rep: ZMQ_REP
        }
    }
}
