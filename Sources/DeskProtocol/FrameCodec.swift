import SwiftProtobuf

/// Encodes and decodes Desk messages as ZeroMQ multipart frames.
///
/// A message is three frames: the header (`"DESK"` then one version byte), the command byte, and the
/// protobuf body. A ROUTER sees the peer's routing id in front of them; `decode(frames:)` takes the three
/// frames only. Every failure is a `ProtocolError` naming the problem; nothing here traps.
public enum FrameCodec {
    /// The protocol signature that starts every header frame.
    public static let signature: [UInt8] = Array("DESK".utf8)
    /// The protocol version this build speaks.
    public static let version: UInt8 = 1
    /// The largest body accepted, in bytes (1 MiB).
    public static let maxBodySize = 1 << 20

    /// The header frame for this version.
    public static let header: [UInt8] = signature + [version]

    /// Encodes a message into its three frames.
    public static func encode(_ message: WireMessage) -> [[UInt8]] {
        // Serializing a proto3 message built in memory cannot fail for our schema (no required fields,
        // no Any); an empty body is still a valid frame if it ever did.
        let body: [UInt8] = (try? message.body.serializedBytes()) ?? []
        return [header, [message.command.rawValue], body]
    }

    /// Decodes three frames (header, command, body) into a message.
    public static func decode<Frames: Collection>(
        _ frames: Frames
    ) throws(ProtocolError) -> WireMessage where Frames.Element == [UInt8] {
        guard frames.count == 3 else {
            throw .malformed("expected 3 frames (header, command, body), got \(frames.count)")
        }
        var index = frames.startIndex
        let header = frames[index]
        index = frames.index(after: index)
        let commandFrame = frames[index]
        index = frames.index(after: index)
        let body = frames[index]

        guard header.count == signature.count + 1, header.starts(with: signature) else {
            throw .malformed("header frame must be \"DESK\" and a version byte (5 bytes), got \(header.count) bytes")
        }
        guard header[signature.count] == version else {
            throw ProtocolError(
                .unsupportedVersion,
                "protocol version \(header[signature.count]) is not supported; this coordinator speaks \(version)"
            )
        }
        guard commandFrame.count == 1 else {
            throw .malformed("command frame must be 1 byte, got \(commandFrame.count)")
        }
        guard let command = Command(rawValue: commandFrame[0]) else {
            throw ProtocolError(.unknownCommand, "unknown command 0x\(String(commandFrame[0], radix: 16))")
        }
        guard body.count <= maxBodySize else {
            throw ProtocolError(.bodyTooLarge, "\(command) body is \(body.count) bytes; the limit is \(maxBodySize)")
        }
        do {
            let message = try decodeBody(command, body)
            try validateEnums(message)
            return message
        } catch let error as ProtocolError {
            throw error
        } catch {
            throw ProtocolError(.invalidBody, "\(command) body does not decode: \(error)")
        }
    }

    private static func decodeBody(_ command: Command, _ body: [UInt8]) throws -> WireMessage {
        switch command {
        case .hello: .hello(try WireHello(serializedBytes: body))
        case .welcome: .welcome(try WireWelcome(serializedBytes: body))
        case .heartbeat: try { _ = try WireHeartbeat(serializedBytes: body); return .heartbeat }()
        case .credit: .credit(try WireCredit(serializedBytes: body))
        case .assign: .assign(try WireAssign(serializedBytes: body))
        case .revoke: .revoke(try WireRevoke(serializedBytes: body))
        case .accept: .accept(try WireAccept(serializedBytes: body))
        case .progress: .progress(try WireProgress(serializedBytes: body))
        case .reply: .reply(try WireReply(serializedBytes: body))
        case .note: .note(try WireNote(serializedBytes: body))
        case .statusChange: .statusChange(try WireStatusChange(serializedBytes: body))
        case .escalate: .escalate(try WireEscalate(serializedBytes: body))
        case .release: .release(try WireRelease(serializedBytes: body))
        case .resolve: .resolve(try WireResolve(serializedBytes: body))
        case .ack: .ack(try WireAck(serializedBytes: body))
        case .error: .error(try WireError(serializedBytes: body))
        case .bye: .bye(try WireBye(serializedBytes: body))
        case .update: .update(try WireUpdate(serializedBytes: body))
        case .applyMacro: .applyMacro(try WireApplyMacro(serializedBytes: body))
        }
    }

    /// proto3 keeps unknown enum numbers as `UNRECOGNIZED`; Desk refuses them at the door.
    private static func validateEnums(_ message: WireMessage) throws(ProtocolError) {
        switch message {
        case .statusChange(let m):
            if case .UNRECOGNIZED(let raw) = m.status {
                throw ProtocolError(.invalidBody, "STATUS names unknown ticket status \(raw)")
            }
        case .escalate(let m):
            if case .UNRECOGNIZED(let raw) = m.priority {
                throw ProtocolError(.invalidBody, "ESCALATE names unknown priority \(raw)")
            }
        case .assign(let m):
            if case .UNRECOGNIZED(let raw) = m.ticket.priority {
                throw ProtocolError(.invalidBody, "ASSIGN names unknown priority \(raw)")
            }
        case .error(let m):
            if case .UNRECOGNIZED(let raw) = m.code {
                throw ProtocolError(.invalidBody, "ERROR names unknown error code \(raw)")
            }
        default:
            break
        }
    }
}
