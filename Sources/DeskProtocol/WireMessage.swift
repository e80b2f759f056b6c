import SwiftProtobuf

/// One decoded Desk message: the command and its typed body.
public enum WireMessage: Sendable, Equatable {
    case hello(WireHello)
    case welcome(WireWelcome)
    case heartbeat
    case credit(WireCredit)
    case assign(WireAssign)
    case revoke(WireRevoke)
    case accept(WireAccept)
    case progress(WireProgress)
    case reply(WireReply)
    case note(WireNote)
    case statusChange(WireStatusChange)
    case escalate(WireEscalate)
    case release(WireRelease)
    case resolve(WireResolve)
    case ack(WireAck)
    case error(WireError)
    case bye(WireBye)
    case update(WireUpdate)
    case applyMacro(WireApplyMacro)

    /// The command byte this message travels under.
    public var command: Command {
        switch self {
        case .hello: .hello
        case .welcome: .welcome
        case .heartbeat: .heartbeat
        case .credit: .credit
        case .assign: .assign
        case .revoke: .revoke
        case .accept: .accept
        case .progress: .progress
        case .reply: .reply
        case .note: .note
        case .statusChange: .statusChange
        case .escalate: .escalate
        case .release: .release
        case .resolve: .resolve
        case .ack: .ack
        case .error: .error
        case .bye: .bye
        case .update: .update
        case .applyMacro: .applyMacro
        }
    }

    /// The protobuf body; `WireHeartbeat()` for a heartbeat.
    var body: any SwiftProtobuf.Message {
        switch self {
        case .hello(let m): m
        case .welcome(let m): m
        case .heartbeat: WireHeartbeat()
        case .credit(let m): m
        case .assign(let m): m
        case .revoke(let m): m
        case .accept(let m): m
        case .progress(let m): m
        case .reply(let m): m
        case .note(let m): m
        case .statusChange(let m): m
        case .escalate(let m): m
        case .release(let m): m
        case .resolve(let m): m
        case .ack(let m): m
        case .error(let m): m
        case .bye(let m): m
        case .update(let m): m
        case .applyMacro(let m): m
        }
    }

    /// The report's sequence number, for the commands that carry one (agent reports).
    public var sequence: UInt64? {
        switch self {
        case .accept(let m): m.seq
        case .progress(let m): m.seq
        case .reply(let m): m.seq
        case .note(let m): m.seq
        case .statusChange(let m): m.seq
        case .escalate(let m): m.seq
        case .release(let m): m.seq
        case .resolve(let m): m.seq
        case .update(let m): m.seq
        case .applyMacro(let m): m.seq
        default: nil
        }
    }

    /// The lease a report is about, for the commands that carry one.
    public var lease: WireLeaseRef? {
        switch self {
        case .accept(let m): m.lease
        case .progress(let m): m.lease
        case .reply(let m): m.lease
        case .note(let m): m.lease
        case .statusChange(let m): m.lease
        case .escalate(let m): m.lease
        case .release(let m): m.lease
        case .resolve(let m): m.lease
        case .update(let m): m.lease
        case .applyMacro(let m): m.lease
        case .assign(let m): m.lease
        case .revoke(let m): m.lease
        default: nil
        }
    }
}

extension WireMessage {
    /// An ERROR message with a code and a text naming the problem.
    public static func error(_ code: WireErrorCode, _ text: String, sequence: UInt64 = 0) -> WireMessage {
        var error = WireError()
        error.code = code
        error.message = text
        error.seq = sequence
        return .error(error)
    }

    /// An ERROR message for a decoding failure.
    public static func error(_ failure: ProtocolError) -> WireMessage {
        .error(failure.code, failure.message)
    }
}

extension WireLeaseRef {
    /// A lease reference for `ticket` under `epoch`.
    public init(ticket: Int64, epoch: Int64) {
        self.init()
        self.ticketID = ticket
        self.epoch = epoch
    }
}
