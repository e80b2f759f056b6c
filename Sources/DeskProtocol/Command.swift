/// The command byte of a Desk frame (frame 2 of 3). Values are fixed by protocol version 1.
public enum Command: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case hello = 0x01
    case welcome = 0x02
    case heartbeat = 0x03
    case credit = 0x04
    case assign = 0x05
    case revoke = 0x06
    case accept = 0x07
    case progress = 0x08
    case reply = 0x09
    case note = 0x0A
    case statusChange = 0x0B
    case escalate = 0x0C
    case release = 0x0D
    case resolve = 0x0E
    case ack = 0x0F
    case error = 0x10
    case bye = 0x11
    case update = 0x12
    case applyMacro = 0x13

    public var description: String {
        switch self {
        case .hello: "HELLO"
        case .welcome: "WELCOME"
        case .heartbeat: "HEARTBEAT"
        case .credit: "CREDIT"
        case .assign: "ASSIGN"
        case .revoke: "REVOKE"
        case .accept: "ACCEPT"
        case .progress: "PROGRESS"
        case .reply: "REPLY"
        case .note: "NOTE"
        case .statusChange: "STATUS"
        case .escalate: "ESCALATE"
        case .release: "RELEASE"
        case .resolve: "RESOLVE"
        case .ack: "ACK"
        case .error: "ERROR"
        case .bye: "BYE"
        case .update: "UPDATE"
        case .applyMacro: "APPLY_MACRO"
        }
    }
}
